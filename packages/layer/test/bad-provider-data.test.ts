import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { checkStatus, readStatus } from '../src/cli/index.js';
import { createHarness, fileStamp, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { clearChangedFlags, connectAndIssue, expectOk, standardFiles, standardSpec } from './scenario.js';

const PROVIDER = 'easyrsa/0';
const anchorPath = (h: Harness) => join(h.root, 'usr', 'local', 'share', 'ca-certificates', 'myapp.crt');
const bundlePath = (h: Harness) => join(h.root, 'etc', 'ssl', 'certs', 'ca-certificates.crt');

/** Bytes, inode, mtime and mode of each path: proof that nothing was rewritten. */
async function snapshot(paths: readonly string[]) {
  return Promise.all(
    paths.map(async (p) => ({ path: p, bytes: await readFile(p, 'utf8'), ...(await fileStamp(p)) })),
  );
}

const changedFlags = async (h: Harness) => (await h.flags()).filter((f) => f.endsWith('.changed'));

// Regression tests of issue 11 (items 2–6), each through the fake Juju as a subprocess hook.
describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'TlsClient.run with provider data that must not be trusted (update-ca-certificates found)',
  () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it('does not fall back to the global client.cert when the per-unit client answer is unreadable', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const rel = await connectAndIssue(h, ca);
      // The provider also publishes the deprecated global client certificate (a different CN).
      await ca.answer(h.model, rel, { globalClient: true });
      expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
      await clearChangedFlags(h, spec);
      const key = 'myapp_0.processed_client_requests';
      // [what, value, whether the decoder reports it]: `[]` and `0` are empty to the Python requirer,
      // so the decoder reports nothing, but they are still not "no per-unit data at all".
      const garbage: [string, string, boolean][] = [
        ['garbage JSON', '{"this is": not json', true],
        ['a list', '["system:myapp"]', true],
        ['an empty list', '[]', false],
        ['an empty cert and key', '{"system:myapp": {"cert": "", "key": ""}}', true],
        ['a number', '42', true],
        ['zero', '0', false],
      ];
      for (const [what, value, reported] of garbage) {
        const before = await snapshot([files.clientCert, files.clientKey]);
        h.model.setRemoteUnitData(rel, PROVIDER, { [key]: value });
        const run = await h.hook('certificates-relation-changed', { relationId: rel });
        expectOk(run);
        expect(await snapshot([files.clientCert, files.clientKey]), what).toEqual(before);
        expect(await changedFlags(h), what).toEqual([]);
        expect(
          run.last.problems?.some((p) => p.key === key && p.severity === 'error'),
          what,
        ).toBe(reported);
        expect(run.last.result?.changes.any, what).toBe(false);
      }
    });

    it('refuses a "CA" that is not a CA: the hook succeeds, the CA copy and the trust anchor stay', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const rel = await connectAndIssue(h, ca);
      await clearChangedFlags(h, spec);
      const kept = [files.caCopy, anchorPath(h), bundlePath(h), ...Object.values(files)];
      const before = await snapshot(kept);
      const updates = await h.updateCalls();

      // A leaf (no basicConstraints CA:TRUE) where the CA belongs.
      const leaf = ca.issue({ type: 'server', commonName: 'not-a-ca.example', sans: ['not-a-ca.example'] });
      h.model.setRemoteUnitData(rel, PROVIDER, { ca: leaf.cert });
      const run = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(run);
      expect(run.last.problems?.filter((p) => p.key === 'ca')).toEqual([
        expect.objectContaining({ code: 'ERR_LAYER_INVALID_CA', severity: 'error', requested: true }),
      ]);
      expect(run.last.problems?.[0]?.message).not.toContain('BEGIN');
      expect(await snapshot(kept)).toEqual(before);
      expect(await h.updateCalls()).toBe(updates);
      expect(await changedFlags(h)).toEqual([]);
      expect(await h.flags()).not.toContain('certificates.ca.available');
      expect(run.last.result).toMatchObject({ caInstalled: false, filesWritten: [], changes: { ca: false } });
    });

    it('skips a certificate that does not chain to the published CA, unless verifyChain is false', async () => {
      const ca = await EmbeddedCa.create();
      const other = await EmbeddedCa.create({ commonName: 'Unrelated CA' });
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const rel = await connectAndIssue(h, ca);
      await clearChangedFlags(h, spec);
      const kept = [files.caCopy, anchorPath(h), ...Object.values(files)];
      const before = await snapshot(kept);

      // Certificates issued by another CA, while `ca` stays the one we trust.
      expect((await other.answer(h.model, rel)).issued).toBe(3);
      h.model.setRemoteUnitData(rel, PROVIDER, { ca: ca.caPem });
      const run = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(run);
      const problems = run.last.problems ?? [];
      expect(problems.map((p) => [p.code, p.commonName, p.severity]).sort()).toEqual(
        [
          ['ERR_CERT_WRITER_UNTRUSTED', 'admin.myapp.internal', 'error'],
          ['ERR_CERT_WRITER_UNTRUSTED', 'myapp.internal', 'error'],
          ['ERR_CERT_WRITER_UNTRUSTED', 'system:myapp', 'error'],
        ].sort(),
      );
      expect(await snapshot(kept)).toEqual(before);
      expect(await changedFlags(h)).toEqual([]);
      expect(run.last.result?.changes).toEqual({ certificates: [], ca: false, any: false });

      // The documented opt-out, for a provider that publishes an unrelated `ca`.
      await h.setSpec({ ...spec, options: { ...spec.options, verifyChain: false } });
      const optOut = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(optOut);
      expect(optOut.last.problems).toEqual([]);
      expect(optOut.last.result?.changes.certificates).toHaveLength(3);
      expect(await readFile(files.serverCert, 'utf8')).not.toBe(
        before.find((f) => f.path === files.serverCert)?.bytes,
      );
    });

    it('reports data we never requested as a warning, never as a failed request', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const rel = await connectAndIssue(h, ca);
      await clearChangedFlags(h, spec);
      const logsBefore = h.model.logs().length;

      // What a real easyrsa unit published: a fake intermediate we never asked for.
      const key = 'myapp_0.processed_intermediate_requests';
      h.model.setRemoteUnitData(rel, PROVIDER, {
        [key]: JSON.stringify({ 'fake-intermediate': { cert: 'not a certificate', key: 'not a key' } }),
      });
      const run = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(run);
      expect(run.last.problems).toEqual([
        expect.objectContaining({
          key,
          commonName: 'fake-intermediate',
          type: 'intermediate',
          severity: 'warning',
          requested: false,
        }),
      ]);
      const logs = h.model.logs().slice(logsBefore);
      expect(logs.map((l) => l.level)).toEqual(['WARNING']);
      expect(logs[0]?.message).toContain(`relation key "${key}"`);
      // The unit stays fully served; tls-client status shows the warning.
      expect(await h.flags()).toContain('tls_client.certs.saved');
      const status = await readStatus({ charmDir: h.charmDir, env: {} });
      expect(status.problems).toEqual(run.last.problems);
      expect(checkStatus(status).findings.filter((f) => f.level === 'error')).toEqual([]);

      // Not logged again while it stays the same.
      const again = await h.hook('update-status');
      expectOk(again);
      expect(h.model.logs().length).toBe(logsBefore + 1);
      expect(again.last.problems).toEqual(run.last.problems);
    });

    it('writes an expired certificate with a WARNING and tells the charm when it expired', async () => {
      const ca = await EmbeddedCa.create({ validityDays: -2 });
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const logsBefore = h.model.logs().length;
      await connectAndIssue(h, ca);
      expect((await fileStamp(files.serverKey)).mode).toBe(0o600);
      const logs = h.model.logs().slice(logsBefore);
      expect(logs.some((l) => l.level === 'WARNING' && /myapp\.internal.*expired/.test(l.message))).toBe(
        true,
      );

      const run = await h.hook('update-status');
      expectOk(run);
      const server = run.last.result?.certificates.find((c) => c.commonName === 'myapp.internal');
      expect(server).toMatchObject({ type: 'server', expired: true });
      const daysAgo = (Date.now() - Date.parse(server?.notAfter ?? '')) / 86_400_000;
      expect(Math.round(daysAgo)).toBe(2);
      expect(run.last.problems).toEqual([]);
    });
  },
);
