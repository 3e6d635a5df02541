import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedCa, type FaultMode } from '@tls-client/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, fileStamp, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { clearChangedFlags, connectAndIssue, expectOk, standardFiles, standardSpec } from './scenario.js';

// Every fault mode of the EmbeddedCa. A Record, so that a new mode fails the typecheck until it is here.
const EVERY_FAULT: Record<FaultMode, true> = {
  'garbage-json': true,
  'mismatched-key': true,
  'truncated-pem': true,
  'text-dump': true,
  'huge-value': true,
  'key-as-cert': true,
};

const anchorPath = (h: Harness) => join(h.root, 'usr', 'local', 'share', 'ca-certificates', 'myapp.crt');
const bundlePath = (h: Harness) => join(h.root, 'etc', 'ssl', 'certs', 'ca-certificates.crt');

async function snapshot(path: string) {
  return { bytes: await readFile(path, 'utf8'), ...(await fileStamp(path)) };
}

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'TlsClient.run: validation before writes, and transactions under kill -9 (update-ca-certificates found)',
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

    it('changes no byte or inode of a file before its problem is reported, for every fault mode', async () => {
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const rel = await connectAndIssue(h, ca);
      await clearChangedFlags(h, spec);
      const pairs = {
        'myapp.internal': [files.serverCert, files.serverKey],
        'admin.myapp.internal': [files.adminCert, files.adminKey],
        'system:myapp': [files.clientCert, files.clientKey],
      } as const;
      // The CA copy, the trust anchor and the system bundle: the CA is the same in every fault mode.
      const caFiles = [files.caCopy, anchorPath(h), bundlePath(h)];

      for (const fault of Object.keys(EVERY_FAULT) as FaultMode[]) {
        const before = new Map<string, Awaited<ReturnType<typeof snapshot>>>();
        for (const path of [...Object.values(pairs).flat(), ...caFiles])
          before.set(path, await snapshot(path));
        const updates = await h.updateCalls();

        await ca.answer(h.model, rel, { fault });
        const run = await h.hook('certificates-relation-changed', { relationId: rel });
        expectOk(run);
        const problems = run.last.problems ?? [];
        const changed = run.last.result?.changes.certificates.map((c) => c.commonName) ?? [];
        if (fault !== 'text-dump') expect(problems.length, fault).toBeGreaterThan(0);
        for (const [cn, paths] of Object.entries(pairs)) {
          if (changed.includes(cn)) {
            // Written: then nothing about it was a problem.
            expect(
              problems.filter((p) => p.commonName === cn),
              `${fault}: ${cn}`,
            ).toEqual([]);
            continue;
          }
          for (const path of paths)
            expect(await snapshot(path), `${fault}: ${path}`).toEqual(before.get(path));
        }
        for (const path of caFiles)
          expect(await snapshot(path), `${fault}: ${path}`).toEqual(before.get(path));
        expect(await h.updateCalls(), fault).toBe(updates);
        expect(run.last.result?.changes.ca, fault).toBe(false);

        // A clean answer heals, and the next fault starts from written, matching files.
        await ca.answer(h.model, rel);
        const healed = await h.hook('certificates-relation-changed', { relationId: rel });
        expectOk(healed);
        expect(healed.last.problems, fault).toEqual([]);
        await clearChangedFlags(h, spec);
      }
    });

    it.each(['after-writes', 'before-commit'] as const)(
      'a SIGKILL %s: the next hook announces each change once, none lost, none twice',
      async (point) => {
        h = await createHarness({});
        const spec = { ...standardSpec(h.out), whenChanged: true };
        await h.setSpec(spec);
        const files = standardFiles(h.out);
        expectOk(await h.hook('install'));
        const rel = h.model.addRelation('certificates', 'easyrsa');
        h.model.addRemoteUnit(rel, 'easyrsa/0');
        expectOk(await h.hook('certificates-relation-joined', { relationId: rel }));
        await ca.answer(h.model, rel);

        const killed = await h.hook('certificates-relation-changed', {
          relationId: rel,
          env: { TLS_CLIENT_TEST_KILL_AT: point },
        });
        expect(killed.signal).toBe('SIGKILL');
        // The files and the trust anchor are on disk; no flag says so yet.
        for (const path of Object.values(files)) expect((await fileStamp(path)).ino).toBeGreaterThan(0);
        expect(await readFile(anchorPath(h), 'utf8')).toContain('BEGIN CERTIFICATE');
        expect((await h.flags()).filter((f) => f.startsWith('tls_client.'))).toEqual([]);
        const stamps = await Promise.all(Object.values(files).map(fileStamp));
        const updates = await h.updateCalls();

        const recovered = await h.hook('certificates-relation-changed', { relationId: rel });
        expectOk(recovered);
        // New to the workload: the killed hook's writes were never announced.
        const expected = [
          { type: 'server', commonName: 'admin.myapp.internal', kind: 'new' },
          { type: 'server', commonName: 'myapp.internal', kind: 'new' },
          { type: 'client', commonName: 'system:myapp', kind: 'new' },
        ];
        const sorted = <T extends { commonName: string }>(list: readonly T[] | undefined) =>
          [...(list ?? [])].sort((a, b) => a.commonName.localeCompare(b.commonName));
        expect(sorted(recovered.last.result?.changes.certificates)).toEqual(sorted(expected));
        expect(recovered.last.result?.changes.ca).toBe(true);
        expect(recovered.last.changesSeen).toHaveLength(1);
        expect(sorted(recovered.last.changesSeen?.[0]?.certificates)).toEqual(sorted(expected));
        // The files were already right: nothing rewritten, no second update-ca-certificates run.
        expect(recovered.last.result?.filesWritten).toEqual([]);
        expect(await Promise.all(Object.values(files).map(fileStamp))).toEqual(stamps);
        expect(await h.updateCalls()).toBe(updates);
        expect(await h.flags()).toEqual(
          expect.arrayContaining(['tls_client.certs.saved', 'tls_client.ca_installed']),
        );
        // Acknowledged by the charm's whenChanged handler, in the same committed hook.
        expect((await h.flags()).filter((f) => f.endsWith('.changed'))).toEqual([]);

        const steady = await h.hook('certificates-relation-changed', { relationId: rel });
        expectOk(steady);
        expect(steady.last.result?.changes).toEqual({ certificates: [], ca: false, any: false });
        expect(steady.last.changesSeen).toEqual([]);
      },
    );
  },
);
