import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { readStatus } from '../src/cli/index.js';
import { type CharmSpec, createHarness, fileStamp, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { expectOk } from './scenario.js';

function spec(out: string): CharmSpec {
  return {
    options: { endpoint: 'tls', installCa: false },
    requests: [
      // Only a certificate path: the key is not written anywhere (W3), no "None" files.
      {
        type: 'server',
        commonName: 'web.internal',
        sans: ['web.internal'],
        files: { certPath: join(out, 'web.crt') },
      },
      // Requested without paths: published, never written.
      { type: 'client', commonName: 'reporter', sans: null },
      {
        type: 'application',
        commonName: 'myapp',
        sans: ['myapp.example.com'],
        files: {
          certPath: join(out, 'app', 'app.crt'),
          keyPath: join(out, 'app', 'app.key'),
          keyMode: 0o640,
        },
      },
      {
        type: 'intermediate',
        commonName: 'myapp-issuing-ca',
        sans: [],
        files: {
          certPath: join(out, 'ica', 'ica.crt'),
          keyPath: join(out, 'ica', 'ica.key'),
          chainPath: join(out, 'ica', 'chain.pem'),
          fullchainPath: join(out, 'ica', 'fullchain.pem'),
        },
      },
    ],
  };
}

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'TlsClient request types (update-ca-certificates found)',
  () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it.each(['per-cn', 'app_data'] as const)(
      'handles application and intermediate certificates, single paths and path-less requests (%s intermediates)',
      async (intermediateShape) => {
        const ca = await EmbeddedCa.create({ withIntermediate: true });
        h = await createHarness({});
        await h.setSpec(spec(h.out));
        const rel = h.model.addRelation('tls', 'vault');
        h.model.addRemoteUnit(rel, 'vault/0');
        expectOk(await h.hook('tls-relation-joined', { relationId: rel }));
        const published = h.model.localUnitData(rel);
        expect(published).toMatchObject({
          common_name: 'web.internal',
          client_cert_requests: '{"reporter": {"sans": null}}',
          application_cert_requests: '{"myapp": {"sans": ["myapp.example.com"]}}',
          intermediate_cert_requests: '{"myapp-issuing-ca": {"sans": []}}',
        });

        await ca.answer(h.model, rel, { intermediateShape });
        const run = await h.hook('tls-relation-changed', { relationId: rel });
        expectOk(run);
        expect(run.last.problems).toEqual([]);
        expect(run.last.result?.caInstalled).toBe(false);

        expect(await readFile(join(h.out, 'web.crt'), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
        expect(existsSync(join(h.charmDir, 'None'))).toBe(false);
        expect((await fileStamp(join(h.out, 'app', 'app.key'))).mode).toBe(0o640);
        expect(await readFile(join(h.out, 'ica', 'fullchain.pem'), 'utf8')).toBe(
          await readFile(join(h.out, 'ica', 'ica.crt'), 'utf8'),
        );
        expect(await readFile(join(h.out, 'ica', 'chain.pem'), 'utf8')).toMatch(
          /^-----BEGIN CERTIFICATE-----/,
        );

        const flags = await h.flags();
        expect(flags).toEqual(
          expect.arrayContaining([
            'tls.available',
            'tls.intermediate.certs.available',
            'tls_client.certs.saved',
            'tls_client.server.cert.web.internal.changed',
            'tls_client.application.cert.myapp.changed',
            'tls_client.application.certs.changed',
            'tls_client.intermediate.cert.myapp-issuing-ca.changed',
            'tls_client.intermediate.certs.changed',
          ]),
        );
        expect(flags).not.toContain('tls_client.ca_installed');
        expect(flags.some((f) => f.startsWith('certificates.'))).toBe(false);

        const status = await readStatus({ charmDir: h.charmDir, env: {} });
        expect(status.certificates.map((c) => [c.type, c.commonName, c.state])).toEqual([
          ['server', 'web.internal', 'written'],
          ['client', 'reporter', 'not-written'],
          ['application', 'myapp', 'written'],
          ['intermediate', 'myapp-issuing-ca', 'written'],
        ]);
        expect(status.certificates[0]?.keyMatches).toBeNull();
        expect(status.certificates[2]?.keyMatches).toBe(true);
      },
    );

    it('falls back to the global client certificate only when no per-unit client certificate is published', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      const clientCert = join(h.out, 'client.crt');
      await h.setSpec({
        options: { installCa: false },
        requests: [
          {
            type: 'client',
            commonName: 'reporter',
            sans: null,
            files: { certPath: clientCert, keyPath: join(h.out, 'client.key') },
          },
        ],
      });
      const rel = h.model.addRelation('certificates', 'easyrsa');
      h.model.addRemoteUnit(rel, 'easyrsa/0');
      expectOk(await h.hook('certificates-relation-joined', { relationId: rel }));
      await ca.answer(h.model, rel, { globalClient: true });

      // Both published: the per-unit certificate wins.
      expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
      expect((await readStatus({ charmDir: h.charmDir, env: {} })).certificates[0]?.subject).toBe(
        'CN=reporter',
      );

      // A provider that only publishes the deprecated global pair (an old easyrsa).
      const data = { ...h.model.remoteUnitData(rel, 'easyrsa/0') };
      delete data['myapp_0.processed_client_requests'];
      h.model.setRemoteUnitData(rel, 'easyrsa/0', data, { replace: true });
      const fallback = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(fallback);
      const status = await readStatus({ charmDir: h.charmDir, env: {} });
      expect(status.certificates[0]).toMatchObject({ subject: 'CN=client', keyMatches: true });
      expect(await h.flags()).toEqual(
        expect.arrayContaining([
          'certificates.client.cert.available',
          'tls_client.client.cert.reporter.changed',
        ]),
      );
    });
  },
);
