import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CaInstaller } from '@tls-client/ca-installer';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { readStatus } from '../src/cli/index.js';
import { createHarness, fileStamp, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { clearChangedFlags, connectAndIssue, expectOk, standardFiles, standardSpec } from './scenario.js';

const bundlePath = (h: Harness) => join(h.root, 'etc', 'ssl', 'certs', 'ca-certificates.crt');
const caLine = (pem: string) => pem.trim().split('\n')[1]!;

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'TlsClient.run CA lifecycle (update-ca-certificates found)',
  () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it('follows a CA rotation: new CA copy and trust, every certificate rewritten', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const rel = await connectAndIssue(h, ca);
      await clearChangedFlags(h, spec);
      const oldCa = ca.caPem;
      const updates = await h.updateCalls();

      await ca.rotate();
      expect((await ca.answer(h.model, rel)).issued).toBe(3);
      const rotated = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(rotated);
      expect(rotated.last.result?.caInstalled).toBe(true);
      // A legacy provider re-issues with new keys: every certificate is a rotation.
      expect(rotated.last.result?.changes.certificates.map((c) => c.kind)).toEqual([
        'rotated',
        'rotated',
        'rotated',
      ]);
      expect(await h.updateCalls()).toBe(updates + 1);
      expect(await readFile(files.caCopy, 'utf8')).toContain(caLine(ca.caPem));
      const bundle = await readFile(bundlePath(h), 'utf8');
      expect(bundle).toContain(caLine(ca.caPem));
      expect(bundle).not.toContain(caLine(oldCa));
      expect((await h.flags()).filter((f) => f.endsWith('.changed'))).toEqual(
        [
          'certificates.ca.changed',
          'certificates.certs.changed',
          'certificates.client.certs.changed',
          'certificates.server.certs.changed',
          'tls_client.certs.changed',
          'tls_client.client.cert.system:myapp.changed',
          'tls_client.client.certs.changed',
          'tls_client.server.cert.admin.myapp.internal.changed',
          'tls_client.server.cert.myapp.internal.changed',
          'tls_client.server.certs.changed',
        ].sort(),
      );
      expect(await h.flags()).toContain('tls_client.ca.written');
      const status = await readStatus({ charmDir: h.charmDir, env: {} });
      for (const c of status.certificates) {
        expect(c.keyMatches).toBe(true);
        expect(c.issuer).toContain('Embedded Test CA');
      }
    });

    it('withdraws the CA on relation-broken, clears availability and saved flags, and keeps the files', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const rel = await connectAndIssue(h, ca);
      await clearChangedFlags(h, spec);
      const updates = await h.updateCalls();
      const stamps = await Promise.all(Object.values(files).map(fileStamp));

      h.model.removeRelation(rel);
      const broken = await h.hook('certificates-relation-broken', { relationId: rel });
      expectOk(broken);
      expect(broken.last.result?.connected).toBe(false);
      expect(await h.flags()).toEqual([]);
      expect(await new CaInstaller({ root: h.root, distro: 'debian' }).isTrusted('myapp')).toBe(false);
      expect(await readFile(bundlePath(h), 'utf8')).not.toContain(caLine(ca.caPem));
      expect(await h.updateCalls()).toBe(updates + 1);
      expect(await Promise.all(Object.values(files).map(fileStamp))).toEqual(stamps);

      // Nothing left to do on later hooks.
      const after = await h.hook('update-status');
      expectOk(after);
      expect(await h.updateCalls()).toBe(updates + 1);
    });

    it('keeps the CA with keepCaOnBroken and removes the files with removeFilesOnBroken', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      const spec = standardSpec(h.out);
      spec.options = { ...spec.options, keepCaOnBroken: true, removeFilesOnBroken: true };
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const rel = await connectAndIssue(h, ca);
      await clearChangedFlags(h, spec);

      h.model.removeRelation(rel);
      expectOk(await h.hook('certificates-relation-broken', { relationId: rel }));
      expect(await new CaInstaller({ root: h.root, distro: 'debian' }).isTrusted('myapp')).toBe(true);
      expect(await h.flags()).toEqual(['tls_client.ca_installed']);
      for (const path of Object.values(files)) expect(existsSync(path), path).toBe(false);
    });
  },
);
