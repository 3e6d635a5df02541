import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CaInstaller } from '@tls-client/ca-installer';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, fileStamp, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { clearChangedFlags, connectAndIssue, expectOk, standardFiles, standardSpec } from './scenario.js';

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'TlsClient.run hook lifecycle (update-ca-certificates found)',
  () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it('clears the saved flags on upgrade-charm and sets them again while the data is there', async () => {
      const ca = await EmbeddedCa.create({ withIntermediate: true });
      h = await createHarness({});
      const spec = standardSpec(h.out);
      spec.options = {
        ...spec.options,
        serverCertificatePath: join(h.out, 'legacy', 'server.crt'),
        serverKeyPath: join(h.out, 'legacy', 'server.key'),
        clientCertificatePath: join(h.out, 'legacy', 'client.crt'),
        clientKeyPath: join(h.out, 'legacy', 'client.key'),
      };
      await h.setSpec(spec);
      // No global client certificate but a chain: the original crashed here (W2).
      const rel = await connectAndIssue(h, ca);
      const saved = [
        'tls_client.ca.saved',
        'tls_client.server.certificate.saved',
        'tls_client.server.key.saved',
      ];
      expect(await h.flags()).toEqual(
        expect.arrayContaining([...saved, 'tls_client.server.certificate.written']),
      );
      expect(await h.flags()).not.toContain('tls_client.client.certificate.saved');
      expect(await h.flags()).not.toContain('certificates.client.cert.available');
      expect((await fileStamp(join(h.out, 'legacy', 'server.key'))).mode).toBe(0o600);
      expect(existsSync(join(h.out, 'legacy', 'client.crt'))).toBe(false);

      // Now with the deprecated global client certificate.
      await ca.answer(h.model, rel, { globalClient: true });
      expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
      const allSaved = [...saved, 'tls_client.client.certificate.saved', 'tls_client.client.key.saved'];
      expect(await h.flags()).toEqual(
        expect.arrayContaining([...allSaved, 'certificates.client.cert.available']),
      );

      // While the provider is there, upgrade-charm clears and at once sets them again (as the original).
      expectOk(await h.hook('upgrade-charm'));
      expect(await h.flags()).toEqual(expect.arrayContaining(allSaved));

      // Without provider data they stay cleared.
      h.model.removeRemoteUnit(rel, 'easyrsa/0');
      expectOk(await h.hook('certificates-relation-departed', { relationId: rel, remoteUnit: 'easyrsa/0' }));
      expect(await h.flags()).toEqual(expect.arrayContaining(allSaved));
      expectOk(await h.hook('upgrade-charm'));
      const flags = await h.flags();
      for (const flag of allSaved) expect(flags).not.toContain(flag);
      expect(flags).toContain('tls_client.certs.saved');
      expect(flags).toContain('tls_client.ca_installed');
      expect(flags.filter((f) => f.startsWith('certificates.'))).toEqual([]);
    });

    it('leaves the previous flags and relation data when the hook fails mid-way, and catches up on retry', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      expectOk(await h.hook('install'));
      const rel = h.model.addRelation('certificates', 'easyrsa');
      h.model.addRemoteUnit(rel, 'easyrsa/0');
      expectOk(await h.hook('certificates-relation-joined', { relationId: rel }));
      await ca.answer(h.model, rel);
      const flagsBefore = await h.flags();
      const publishedBefore = h.model.localUnitData(rel);

      // A SAN change to publish, and a charm handler that throws after the layer's own work.
      const next = structuredClone(spec);
      next.requests![1]!.sans = ['admin.myapp.internal', 'admin.example.com'];
      await h.setSpec({ ...next, failInHandler: true });
      const failed = await h.hook('certificates-relation-changed', { relationId: rel });
      expect(failed.exitCode).not.toBe(0);
      expect(failed.last).toMatchObject({ ok: false, message: 'the charm handler failed on purpose' });
      expect(await h.flags()).toEqual(flagsBefore);
      expect(h.model.localUnitData(rel)).toEqual(publishedBefore);
      expect(
        h.model.logs().some((l) => l.level === 'ERROR' && l.message.includes('flags not committed')),
      ).toBe(true);

      // Files are not transactional: they were written. The retry still reports them as changed (W16).
      await h.setSpec(next);
      const retry = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(retry);
      expect(retry.last.result?.relationSets).toBe(1);
      expect(await h.flags()).toEqual(
        expect.arrayContaining([
          'tls_client.certs.changed',
          'tls_client.server.cert.myapp.internal.changed',
          'tls_client.client.cert.system:myapp.changed',
          'tls_client.ca_installed',
          'tls_client.certs.saved',
        ]),
      );
    });

    it('fails the hook when update-ca-certificates fails, and installs on the next hook', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      expectOk(await h.hook('install'));
      const rel = h.model.addRelation('certificates', 'easyrsa');
      h.model.addRemoteUnit(rel, 'easyrsa/0');
      expectOk(await h.hook('certificates-relation-joined', { relationId: rel }));
      await ca.answer(h.model, rel);
      const flagsBefore = await h.flags();

      await h.failUpdates(true);
      const failed = await h.hook('certificates-relation-changed', { relationId: rel });
      expect(failed.exitCode).toBe(1);
      expect(failed.last).toMatchObject({ ok: false, code: 'ERR_LAYER_CA_INSTALL_FAILED' });
      expect(failed.last.message).toContain('"myapp"');
      expect(await h.flags()).toEqual(flagsBefore);

      await h.failUpdates(false);
      const retry = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(retry);
      expect(await new CaInstaller({ root: h.root, distro: 'debian' }).isTrusted('myapp')).toBe(true);
      expect(await h.flags()).toEqual(
        expect.arrayContaining(['tls_client.ca_installed', 'tls_client.certs.changed']),
      );
    });

    it('restores deleted files and a deleted trust anchor (W12) without firing changed flags', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const rel = await connectAndIssue(h, ca);
      await clearChangedFlags(h, spec);
      const key = await readFile(files.adminKey, 'utf8');
      const installer = new CaInstaller({ root: h.root, distro: 'debian' });
      const [anchor] = (await installer.list()).find((c) => c.name === 'myapp')?.files ?? [];
      expect(anchor).toBeDefined();

      await rm(files.adminKey);
      await rm(anchor!);
      const repaired = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(repaired);
      expect(await readFile(files.adminKey, 'utf8')).toBe(key);
      expect((await fileStamp(files.adminKey)).mode).toBe(0o600);
      expect(await installer.isTrusted('myapp')).toBe(true);
      expect((await h.flags()).filter((f) => f.endsWith('.changed'))).toEqual([]);
    });
  },
);
