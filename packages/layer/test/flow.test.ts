import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CaInstaller } from '@tls-client/ca-installer';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readStatus } from '../src/cli/index.js';
import { createHarness, fileStamp, type Harness, toolNames, UPDATE_CA_CERTIFICATES } from './helpers.js';
import {
  clearChangedFlags,
  connectAndIssue,
  countCertificates,
  expectOk,
  standardFiles,
  standardSpec,
} from './scenario.js';

// The real update-ca-certificates runs against a sandbox root; without it there is nothing to test.
describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'TlsClient.run (end to end, update-ca-certificates found)',
  () => {
    let ca: EmbeddedCa;
    let h: Harness | undefined;
    beforeAll(async () => {
      ca = await EmbeddedCa.create({ withIntermediate: true });
    });
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it('publishes requests, then writes files with safe modes, installs the CA and sets the flags', async () => {
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);

      const install = await h.hook('install');
      expectOk(install);
      expect(install.last.result).toMatchObject({ connected: false, relationSets: 0, filesWritten: [] });
      expect(await h.flags()).toEqual([]);

      const rel = h.model.addRelation('certificates', 'easyrsa');
      h.model.addRemoteUnit(rel, 'easyrsa/0');
      const joined = await h.hook('certificates-relation-joined', { relationId: rel });
      expectOk(joined);
      expect(joined.last.result?.relationSets).toBe(1);
      const published = h.model.localUnitData(rel);
      expect(published).toMatchObject({
        unit_name: 'myapp_0',
        common_name: 'myapp.internal',
        sans: '["myapp.internal", "10.0.0.10"]',
        cert_requests: '{"admin.myapp.internal": {"sans": ["admin.myapp.internal"]}}',
        client_cert_requests: '{"system:myapp": {"sans": null}}',
      });
      expect(published.certificate_name).toMatch(/^[0-9a-f-]{36}$/);
      expect(await h.flags()).toEqual(['certificates.available']);

      // The provider has not answered yet: nothing to write, nothing to publish.
      const waiting = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(waiting);
      expect(waiting.last.result).toMatchObject({ relationSets: 0, filesWritten: [], caInstalled: false });

      const answer = await ca.answer(h.model, rel);
      expect(answer.issued).toBe(3);
      const changed = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(changed);
      expect(changed.last.result?.caInstalled).toBe(true);
      expect(changed.last.result?.relationSets).toBe(0);
      expect(changed.last.problems).toEqual([]);
      expect(await h.updateCalls()).toBe(1);

      for (const key of [files.serverKey, files.adminKey, files.clientKey]) {
        expect((await fileStamp(key)).mode).toBe(0o600);
        expect(await readFile(key, 'utf8')).toMatch(/^-----BEGIN [A-Z ]*PRIVATE KEY-----\n[\s\S]*-----\n$/);
      }
      for (const cert of [files.serverCert, files.adminCert, files.clientCert]) {
        expect((await fileStamp(cert)).mode).toBe(0o644);
        // Leaf followed by the published chain (the intermediate), newline-terminated.
        expect(await countCertificates(cert)).toBe(2);
        expect(await readFile(cert, 'utf8')).toMatch(/-----END CERTIFICATE-----\n$/);
      }
      expect(await readFile(files.caCopy, 'utf8')).toBe(ca.caPem.endsWith('\n') ? ca.caPem : `${ca.caPem}\n`);

      const installer = new CaInstaller({ root: h.root, distro: 'debian' });
      expect(await installer.isTrusted('myapp')).toBe(true);
      const bundle = await readFile(join(h.root, 'etc', 'ssl', 'certs', 'ca-certificates.crt'), 'utf8');
      expect(bundle).toContain(ca.caPem.trim().split('\n')[1]);

      expect(await h.flags()).toEqual(
        [
          'certificates.available',
          'certificates.ca.available',
          'certificates.ca.changed',
          'certificates.certs.available',
          'certificates.certs.changed',
          'certificates.server.certs.available',
          'certificates.server.certs.changed',
          'certificates.client.certs.available',
          'certificates.client.certs.changed',
          'certificates.server.cert.available',
          'certificates.batch.cert.available',
          'tls_client.ca.saved',
          'tls_client.ca.written',
          'tls_client.ca_installed',
          'tls_client.certs.saved',
          'tls_client.certs.changed',
          'tls_client.server.certs.changed',
          'tls_client.server.cert.myapp.internal.changed',
          'tls_client.server.cert.admin.myapp.internal.changed',
          'tls_client.client.certs.changed',
          'tls_client.client.cert.system:myapp.changed',
        ].sort(),
      );
      // The charm's handler on tls_client.certs.changed ran in the same hook.
      expect(changed.last.seen).toEqual(['tls_client.certs.changed']);

      const status = await readStatus({ charmDir: h.charmDir, env: {} });
      expect(status.certificates.map((c) => [c.type, c.commonName, c.state, c.keyMatches])).toEqual([
        ['server', 'myapp.internal', 'written', true],
        ['server', 'admin.myapp.internal', 'written', true],
        ['client', 'system:myapp', 'written', true],
      ]);
      expect(status.certificates[0]?.sans).toEqual(
        expect.arrayContaining(['DNS:myapp.internal', 'IP Address:10.0.0.10']),
      );
      expect(status.relation).toEqual({
        connected: true,
        relationIds: [rel],
        remoteUnits: ['easyrsa/0'],
        dialects: [{ relationId: rel, dialect: 'legacy' }],
        renewalTrigger: null,
      });
      expect(status.ca).toMatchObject({ name: 'myapp', installed: true });
    });

    it('does nothing on a second identical relation-changed: no write, no update command, no relation-set', async () => {
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const rel = await connectAndIssue(h, ca);
      const before = await Promise.all(Object.values(files).map(fileStamp));
      const updatesBefore = await h.updateCalls();
      const flagsBefore = await h.flags();
      const stateFile = join(h.charmDir, '.tls-client', 'flags.json');
      const stateBefore = await fileStamp(stateFile);

      const again = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(again);
      expect(again.last.result).toMatchObject({ filesWritten: [], caInstalled: false, relationSets: 0 });
      expect(toolNames(again)).not.toContain('relation-set');
      expect(toolNames(again)).not.toContain('juju-log');
      expect(await h.updateCalls()).toBe(updatesBefore);
      expect(await Promise.all(Object.values(files).map(fileStamp))).toEqual(before);
      expect(await h.flags()).toEqual(flagsBefore);
      // Not even the unit's state file is rewritten.
      expect(await fileStamp(stateFile)).toEqual(stateBefore);
    });

    it('re-requests and rewrites only the certificate whose SANs changed', async () => {
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const rel = await connectAndIssue(h, ca);
      await clearChangedFlags(h, spec);
      const untouched = [files.serverCert, files.serverKey, files.clientCert, files.clientKey];
      const before = await Promise.all(untouched.map(fileStamp));
      const adminBefore = await readFile(files.adminCert, 'utf8');

      const next = structuredClone(spec);
      next.requests![1]!.sans = ['admin.myapp.internal', 'admin.example.com'];
      await h.setSpec(next);
      const request = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(request);
      expect(request.last.result?.relationSets).toBe(1);
      expect(h.model.localUnitData(rel).cert_requests).toBe(
        '{"admin.myapp.internal": {"sans": ["admin.myapp.internal", "admin.example.com"]}}',
      );

      expect((await ca.answer(h.model, rel)).issued).toBe(1);
      const written = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(written);
      expect([...(written.last.result?.filesWritten ?? [])].sort()).toEqual(
        [files.adminCert, files.adminKey].sort(),
      );
      expect(await readFile(files.adminCert, 'utf8')).not.toBe(adminBefore);
      expect(await Promise.all(untouched.map(fileStamp))).toEqual(before);
      expect((await h.flags()).filter((f) => f.startsWith('tls_client.') && f.endsWith('.changed'))).toEqual(
        [
          'tls_client.certs.changed',
          'tls_client.server.certs.changed',
          'tls_client.server.cert.admin.myapp.internal.changed',
        ].sort(),
      );
      const status = await readStatus({ charmDir: h.charmDir, env: {} });
      expect(status.certificates[1]?.sans).toEqual(
        expect.arrayContaining(['DNS:admin.myapp.internal', 'DNS:admin.example.com']),
      );
    });

    it('writes the files at a new path when the charm changes it, without re-requesting', async () => {
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      await connectAndIssue(h, ca);
      await clearChangedFlags(h, spec);

      const next = structuredClone(spec);
      const newCert = join(h.out, 'moved', 'tls.crt');
      const newKey = join(h.out, 'moved', 'private', 'tls.key');
      next.requests![0]!.files = { certPath: newCert, keyPath: newKey };
      await h.setSpec(next);
      const moved = await h.hook('config-changed');
      expectOk(moved);
      expect(moved.last.result?.relationSets).toBe(0);
      expect(await readFile(newCert, 'utf8')).toBe(await readFile(files.serverCert, 'utf8'));
      expect(await readFile(newKey, 'utf8')).toBe(await readFile(files.serverKey, 'utf8'));
      expect((await fileStamp(newKey)).mode).toBe(0o600);
      expect((await h.flags()).filter((f) => f.endsWith('.changed'))).toEqual(
        [
          'tls_client.certs.changed',
          'tls_client.server.certs.changed',
          'tls_client.server.cert.myapp.internal.changed',
        ].sort(),
      );
      // The path is remembered: a later hook whose request names no paths keeps writing there.
      const remembered = structuredClone(next);
      delete remembered.requests![0]!.files;
      await h.setSpec(remembered);
      const later = await h.hook('update-status');
      expectOk(later);
      expect(later.last.result?.filesWritten).toEqual([]);
      const status = await readStatus({ charmDir: h.charmDir, env: {} });
      expect(status.certificates[0]?.paths).toMatchObject({ cert: newCert, key: newKey });
    });

    it('writes files requested from inside a charm handler in the same hook', async () => {
      h = await createHarness({});
      const base = standardSpec(h.out);
      const spec = {
        ...base,
        requests: base.requests!.slice(0, 1),
        requestsInHandler: base.requests!.slice(2),
      };
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      await connectAndIssue(h, ca);
      // The client request went out from the handler at relation-joined; the answer arrived with the rest.
      expect((await fileStamp(files.clientKey)).mode).toBe(0o600);
      expect(await h.flags()).toContain('tls_client.client.cert.system:myapp.changed');
    });
  },
);
