import { readFile } from 'node:fs/promises';
import { EmbeddedCa, type FaultMode } from '@tls-client/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkStatus, readStatus } from '../src/cli/index.js';
import { createHarness, fileStamp, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { clearChangedFlags, connectAndIssue, expectOk, standardFiles, standardSpec } from './scenario.js';

type CertName = 'server' | 'admin' | 'client';

// Which of the three standard certificates each fault spoils. garbage-json spoils the JSON maps
// only: the top-level server answer is a raw key and stays good.
export const FAULT_CASES: { fault: FaultMode; skipped: CertName[]; keys: string[] }[] = [
  {
    fault: 'garbage-json',
    skipped: ['admin', 'client'],
    keys: ['myapp_0.processed_requests', 'myapp_0.processed_client_requests'],
  },
  {
    fault: 'mismatched-key',
    skipped: ['server', 'admin', 'client'],
    keys: ['myapp_0.server.cert', 'myapp_0.processed_requests', 'myapp_0.processed_client_requests'],
  },
  {
    fault: 'truncated-pem',
    skipped: ['server', 'admin', 'client'],
    keys: ['myapp_0.server.cert', 'myapp_0.processed_requests', 'myapp_0.processed_client_requests'],
  },
  { fault: 'text-dump', skipped: [], keys: [] },
  // The padded CA is over cert-writer's one size limit too: the installed CA stays.
  {
    fault: 'huge-value',
    skipped: ['server', 'admin', 'client'],
    keys: ['ca', 'myapp_0.server.cert', 'myapp_0.processed_requests', 'myapp_0.processed_client_requests'],
  },
  {
    fault: 'key-as-cert',
    skipped: ['server', 'admin', 'client'],
    keys: ['myapp_0.server.cert', 'myapp_0.processed_requests', 'myapp_0.processed_client_requests'],
  },
];

/** Registers the fault tests for some of the cases (split over two files to keep each under a minute). */
export function describeFaults(cases: typeof FAULT_CASES): void {
  describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
    'TlsClient.run with bad provider data (update-ca-certificates found)',
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

      it.each(cases)(
        '$fault: skips what is bad, keeps the old files, writes the good, and the hook succeeds',
        async ({ fault, skipped, keys }) => {
          h = await createHarness({});
          const spec = standardSpec(h.out);
          await h.setSpec(spec);
          const files = standardFiles(h.out);
          const rel = await connectAndIssue(h, ca);
          await clearChangedFlags(h, spec);
          const pairs: Record<CertName, [string, string]> = {
            server: [files.serverCert, files.serverKey],
            admin: [files.adminCert, files.adminKey],
            client: [files.clientCert, files.clientKey],
          };
          const cn: Record<CertName, string> = {
            server: 'server.cert.myapp.internal',
            admin: 'server.cert.admin.myapp.internal',
            client: 'client.cert.system:myapp',
          };
          const before = Object.fromEntries(
            await Promise.all(
              Object.entries(pairs).map(
                async ([name, paths]) => [name, await Promise.all(paths.map(fileStamp))] as const,
              ),
            ),
          );
          const logsBefore = h.model.logs().length;

          await ca.answer(h.model, rel, { fault });
          const run = await h.hook('certificates-relation-changed', { relationId: rel });
          expectOk(run);

          const problems = run.last.problems ?? [];
          expect([...new Set(problems.map((p) => p.key))].sort()).toEqual([...keys].sort());
          for (const p of problems) expect(p.code).toMatch(/^ERR_[A-Z_]+$/);

          const flags = await h.flags();
          for (const name of ['server', 'admin', 'client'] as const) {
            const flag = `tls_client.${cn[name]}.changed`;
            if (skipped.includes(name)) {
              expect(await Promise.all(pairs[name].map(fileStamp)), `${name} files kept`).toEqual(
                before[name],
              );
              expect(flags).not.toContain(flag);
            } else {
              // Re-issued and valid: written, as clean PEM (no text dump in the file).
              expect(flags).toContain(flag);
              expect(await readFile(pairs[name][0], 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
            }
          }
          // Earlier files are still in place, so the unit still counts as saved.
          expect(flags).toContain('tls_client.certs.saved');

          // Logged at ERROR naming the relation key; never a certificate, key or relation value.
          const logs = h.model.logs().slice(logsBefore);
          for (const key of keys) {
            expect(
              logs.some((l) => l.level === 'ERROR' && l.message.includes(`relation key "${key}"`)),
              key,
            ).toBe(true);
          }
          for (const l of logs) {
            expect(l.message).not.toMatch(/-----BEGIN|MII[A-Za-z0-9+/]{20}|not json/);
          }
          for (const p of problems) expect(p.message).not.toMatch(/-----BEGIN|MII[A-Za-z0-9+/]{20}/);

          // Operators see the problems, and monitoring warns.
          const status = await readStatus({ charmDir: h.charmDir, env: {}, trustRoot: h.root });
          expect(status.problems).toEqual(problems);
          expect(checkStatus(status).exitCode).toBe(keys.length > 0 ? 1 : 0);

          // The next good answer replaces the bad data and clears the problems.
          await ca.answer(h.model, rel);
          const healed = await h.hook('certificates-relation-changed', { relationId: rel });
          expectOk(healed);
          expect(healed.last.problems).toEqual([]);
          for (const name of skipped) expect(await h.flags()).toContain(`tls_client.${cn[name]}.changed`);
        },
      );
    },
  );
}
