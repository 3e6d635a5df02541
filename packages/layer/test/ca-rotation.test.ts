import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FlagStore } from '@tls-client/flags';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { formatStatus, readStatus } from '../src/cli/index.js';
import type { LayerState } from '../src/state.js';
import { type CharmSpec, createHarness, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { connectAndIssue, expectOk, standardFiles, standardSpec } from './scenario.js';

/**
 * CA rotation and provider swaps, end to end: which CAs the sandbox trust store holds (its
 * `ca-certificates.crt` bundle, as built by the real update-ca-certificates) while certificates we
 * hold are signed by each.
 */

const run = promisify(execFile);
const bundlePath = (h: Harness) => join(h.root, 'etc', 'ssl', 'certs', 'ca-certificates.crt');
const anchorDir = (h: Harness) => join(h.root, 'usr', 'local', 'share', 'ca-certificates');
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

function v4TwoServers(out: string, options: Record<string, unknown> = {}): CharmSpec {
  return {
    options: { protocol: 'v4', caCertificatePath: join(out, 'ca', 'ca.crt'), ...options },
    requests: [
      {
        type: 'server',
        commonName: 'myapp.internal',
        sans: ['myapp.internal'],
        files: { certPath: join(out, 'server', 'server.crt'), keyPath: join(out, 'server', 'server.key') },
      },
      {
        type: 'server',
        commonName: 'admin.myapp.internal',
        sans: ['admin.myapp.internal'],
        files: { certPath: join(out, 'admin', 'admin.crt'), keyPath: join(out, 'admin', 'admin.key') },
      },
    ],
  };
}

/** The fingerprints of the CAs in the trust bundle. */
async function trusted(h: Harness): Promise<Set<string>> {
  const text = await readFile(bundlePath(h), 'utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return new Set(blocks.map(fingerprint));
}

/** The anchor files of our application in the sandbox (`myapp.crt`, `myapp-retiring-….crt`). */
async function anchors(h: Harness): Promise<string[]> {
  return (await readdir(anchorDir(h))).filter((f) => f.startsWith('myapp')).sort();
}

/** `openssl verify` of a certificate file against one CA file only (no system store). */
async function verifies(caFile: string, certFile: string): Promise<boolean> {
  try {
    await run('openssl', ['verify', '-no-CApath', '-no-CAstore', '-CAfile', caFile, certFile]);
    return true;
  } catch {
    return false;
  }
}

/** The certificate and key files hold a matching pair. */
async function pairMatches(certFile: string, keyFile: string): Promise<boolean> {
  const { createPrivateKey } = await import('node:crypto');
  const cert = new X509Certificate(await readFile(certFile, 'utf8'));
  return cert.checkPrivateKey(createPrivateKey(await readFile(keyFile, 'utf8')));
}

function layerState(h: Harness): LayerState {
  return FlagStore.open({ charmDir: h.charmDir }).getValue<LayerState>('layer.tls-client.state')!;
}

async function caFile(h: Harness, name: string, pem: string): Promise<string> {
  const { writeFile } = await import('node:fs/promises');
  const path = join(h.dir, `${name}.pem`);
  await writeFile(path, pem);
  return path;
}

/** install → relation to a v4 provider → CSRs → answered → certificates written. */
async function connectV4(h: Harness, ca: EmbeddedCa, app = 'self-signed-certificates'): Promise<string> {
  expectOk(await h.hook('install'));
  return joinV4(h, ca, app);
}

/** A relation to `app`: joined, requests published, answered in the given dialect, files written. */
async function relateTo(h: Harness, ca: EmbeddedCa, app: string, dialect: 'v4' | 'legacy'): Promise<string> {
  const rel = h.model.addRelation('certificates', app);
  h.model.addRemoteUnit(rel, `${app}/0`);
  expectOk(await h.hook('certificates-relation-joined', { relationId: rel }));
  expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
  if (dialect === 'v4') await ca.answerV4(h.model, rel);
  else await ca.answer(h.model, rel);
  expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
  return rel;
}

const joinV4 = (h: Harness, ca: EmbeddedCa, app: string) => relateTo(h, ca, app, 'v4');
const joinLegacy = (h: Harness, ca: EmbeddedCa, app: string) => relateTo(h, ca, app, 'legacy');

/** Takes the provider's answer for one common name out of its app databag (it answers the rest). */
function withholdAnswer(h: Harness, rel: string, commonName: string): void {
  const data = h.model.remoteAppData(rel);
  const entries = JSON.parse(data.certificates ?? '[]') as { certificate: string }[];
  const kept = entries.filter(
    (e) => !new X509Certificate(e.certificate).subject.includes(`CN=${commonName}`),
  );
  expect(kept).toHaveLength(entries.length - 1);
  h.model.setRemoteAppData(rel, { certificates: JSON.stringify(kept) });
}

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'CA rotation: the old CA stays trusted while a certificate we hold is signed by it (update-ca-certificates found)',
  () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it('v4, two certificates re-issued one at a time: both CAs trusted in between, the old one withdrawn after the second', async () => {
      h = await createHarness({});
      const files = {
        server: join(h.out, 'server', 'server.crt'),
        admin: join(h.out, 'admin', 'admin.crt'),
      };
      await h.setSpec(v4TwoServers(h.out));
      const ca = await EmbeddedCa.create({ commonName: 'Rotating CA' });
      const rel = await connectV4(h, ca);
      const oldCa = ca.caPem;
      const oldCaFile = await caFile(h, 'old-ca', oldCa);
      expect(await trusted(h)).toContain(fingerprint(oldCa));

      await ca.rotate();
      expect((await ca.answerV4(h.model, rel)).revoked).toBe(2);
      expectOk(await h.hook('certificates-relation-changed', { relationId: rel })); // new CSRs
      expect((await ca.answerV4(h.model, rel)).issued).toBe(2);
      withholdAnswer(h, rel, 'admin.myapp.internal');
      const first = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(first);
      const newCaFile = await caFile(h, 'new-ca', ca.caPem);
      expect(await verifies(newCaFile, files.server)).toBe(true);
      expect(await verifies(oldCaFile, files.admin)).toBe(true);
      // Both CAs are trusted: the new one under the app's name, the old one under its retiring name.
      const both = await trusted(h);
      expect(both).toContain(fingerprint(ca.caPem));
      expect(both).toContain(fingerprint(oldCa));
      expect(await verifies(bundlePath(h), files.server)).toBe(true);
      expect(await verifies(bundlePath(h), files.admin)).toBe(true);
      const retiringName = layerState(h).ca.retiring?.[0]?.name ?? '';
      expect(retiringName).toMatch(/^myapp-retiring-[0-9a-f]{16}$/);
      expect(await anchors(h)).toEqual([`${retiringName}.crt`, 'myapp.crt'].sort());
      expect(await readFile(join(anchorDir(h), 'myapp.crt'), 'utf8')).toContain(
        ca.caPem.trim().split('\n')[1],
      );
      expect(layerState(h).ca.retiring?.map((r) => fingerprint(r.pem))).toEqual([fingerprint(oldCa)]);
      const status = await readStatus({ charmDir: h.charmDir, env: {} });
      expect(status.ca.retiring).toEqual([{ name: retiringName, subject: 'CN=Rotating CA' }]);
      expect(formatStatus(status)).toContain(`retiring CA ${retiringName}: CN=Rotating CA`);

      // A hook in between keeps both, and runs no update.
      const updates = await h.updateCalls();
      expectOk(await h.hook('update-status'));
      expect(await h.updateCalls()).toBe(updates);
      expect(await trusted(h)).toContain(fingerprint(oldCa));

      // The second certificate is re-issued: nothing we hold is signed by the old CA any more.
      expect((await ca.answerV4(h.model, rel)).issued).toBe(1);
      const second = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(second);
      expect(await verifies(newCaFile, files.admin)).toBe(true);
      const after = await trusted(h);
      expect(after).toContain(fingerprint(ca.caPem));
      expect(after).not.toContain(fingerprint(oldCa));
      expect(await anchors(h)).toEqual(['myapp.crt']);
      expect(layerState(h).ca.retiring).toBeUndefined();
      expect((await readStatus({ charmDir: h.charmDir, env: {} })).ca.retiring).toBeUndefined();
      expect(await h.updateCalls()).toBe(updates + 1);

      // Steady again: no update, no state change.
      const before = JSON.stringify(layerState(h));
      const steady = await h.hook('update-status');
      expectOk(steady);
      expect(steady.last.result?.filesWritten).toEqual([]);
      expect(await h.updateCalls()).toBe(updates + 1);
      expect(JSON.stringify(layerState(h))).toBe(before);
    });

    for (const deprecated of [false, true]) {
      it(`legacy, new CA and re-signed certificates in one hook: the old CA is withdrawn in that hook, one update${deprecated ? ' (deprecated paths too)' : ''}`, async () => {
        h = await createHarness({});
        const base = standardSpec(h.out);
        const spec = deprecated
          ? {
              ...base,
              options: {
                ...base.options,
                serverCertificatePath: join(h.out, 'legacy', 'server.crt'),
                serverKeyPath: join(h.out, 'legacy', 'server.key'),
              },
            }
          : base;
        await h.setSpec(spec);
        const files = standardFiles(h.out);
        const ca = await EmbeddedCa.create();
        const rel = await connectAndIssue(h, ca);
        const oldCa = ca.caPem;
        const updates = await h.updateCalls();

        await ca.rotate();
        expect((await ca.answer(h.model, rel)).issued).toBe(3);
        const rotated = await h.hook('certificates-relation-changed', { relationId: rel });
        expectOk(rotated);
        const set = await trusted(h);
        expect(set).toContain(fingerprint(ca.caPem));
        expect(set).not.toContain(fingerprint(oldCa));
        expect(await anchors(h)).toEqual(['myapp.crt']);
        expect(layerState(h).ca.retiring).toBeUndefined();
        expect(await h.updateCalls()).toBe(updates + 1);
        for (const cert of [files.serverCert, files.adminCert, files.clientCert])
          expect(await verifies(bundlePath(h), cert)).toBe(true);
        if (deprecated) expect(await verifies(bundlePath(h), join(h.out, 'legacy', 'server.crt'))).toBe(true);
      });
    }

    it('legacy, a certificate the provider has not re-signed yet keeps the old CA until it is', async () => {
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const ca = await EmbeddedCa.create();
      const rel = await connectAndIssue(h, ca);
      const oldCa = ca.caPem;
      const oldAnswer = h.model.remoteUnitData(rel, 'easyrsa/0');

      await ca.rotate();
      await ca.answer(h.model, rel);
      // The provider published the new CA and two re-signed certificates; the client one is still old.
      const fresh = h.model.remoteUnitData(rel, 'easyrsa/0');
      const clientKey = Object.keys(fresh).find((k) => k.endsWith('.processed_client_requests'));
      expect(clientKey).toBeDefined();
      h.model.setRemoteUnitData(rel, 'easyrsa/0', { [clientKey!]: oldAnswer[clientKey!] ?? null });
      // Killed after the trust store changed but before the state was committed: the retry still
      // knows the old CA (from the committed state) and keeps it.
      const killed = await h.hook('certificates-relation-changed', {
        relationId: rel,
        env: { TLS_CLIENT_TEST_KILL_AT: 'before-commit' },
      });
      expect(killed.exitCode).not.toBe(0);
      expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
      expect(layerState(h).ca.retiring?.map((r) => fingerprint(r.pem))).toEqual([fingerprint(oldCa)]);
      expect(await trusted(h)).toContain(fingerprint(oldCa));
      expect(await trusted(h)).toContain(fingerprint(ca.caPem));
      expect(await verifies(bundlePath(h), files.clientCert)).toBe(true);

      h.model.setRemoteUnitData(rel, 'easyrsa/0', { [clientKey!]: fresh[clientKey!] ?? null });
      expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
      expect(await trusted(h)).not.toContain(fingerprint(oldCa));
      expect(await anchors(h)).toEqual(['myapp.crt']);
    });
  },
);

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'provider swap: B certificates written and B trusted, A withdrawn (update-ca-certificates found)',
  () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    async function expectServedByB(h: Harness, pairs: [string, string][], a: EmbeddedCa, b: EmbeddedCa) {
      const aFile = await caFile(h, 'a', a.caPem);
      const bFile = await caFile(h, 'b', b.caPem);
      for (const [cert, key] of pairs) {
        expect(await verifies(bFile, cert), cert).toBe(true);
        expect(await verifies(aFile, cert), cert).toBe(false);
        expect(await pairMatches(cert, key), cert).toBe(true);
      }
      const set = await trusted(h);
      expect(set).toContain(fingerprint(b.caPem));
      expect(set).not.toContain(fingerprint(a.caPem));
      expect(await anchors(h)).toEqual(['myapp.crt']);
      expect(layerState(h).ca.retiring).toBeUndefined();
    }

    const v4Pairs = (out: string): [string, string][] => [
      [join(out, 'server', 'server.crt'), join(out, 'server', 'server.key')],
      [join(out, 'admin', 'admin.crt'), join(out, 'admin', 'admin.key')],
    ];

    it('v4: A withdrawn on relation-broken; B answers, its certificates and CA are written', async () => {
      h = await createHarness({});
      await h.setSpec(v4TwoServers(h.out));
      const a = await EmbeddedCa.create({ commonName: 'CA A' });
      const b = await EmbeddedCa.create({ commonName: 'CA B' });
      const relA = await connectV4(h, a);
      h.model.removeRelation(relA);
      expectOk(await h.hook('certificates-relation-broken', { relationId: relA }));
      expect(await trusted(h)).not.toContain(fingerprint(a.caPem));

      await joinV4(h, b, 'lego');
      await expectServedByB(h, v4Pairs(h.out), a, b);
      expect(await readFile(join(h.out, 'ca', 'ca.crt'), 'utf8')).toContain(b.caPem.trim().split('\n')[1]);
    });

    it('v4 with keepCaOnBroken: A stays trusted after broken and while one A certificate is held, then goes', async () => {
      h = await createHarness({});
      await h.setSpec(v4TwoServers(h.out, { keepCaOnBroken: true }));
      const a = await EmbeddedCa.create({ commonName: 'CA A' });
      const b = await EmbeddedCa.create({ commonName: 'CA B' });
      const relA = await connectV4(h, a);
      h.model.removeRelation(relA);
      expectOk(await h.hook('certificates-relation-broken', { relationId: relA }));
      expect(await trusted(h)).toContain(fingerprint(a.caPem));

      const relB = h.model.addRelation('certificates', 'lego');
      h.model.addRemoteUnit(relB, 'lego/0');
      expectOk(await h.hook('certificates-relation-joined', { relationId: relB }));
      expectOk(await h.hook('certificates-relation-changed', { relationId: relB }));
      await b.answerV4(h.model, relB);
      withholdAnswer(h, relB, 'admin.myapp.internal');
      expectOk(await h.hook('certificates-relation-changed', { relationId: relB }));
      const both = await trusted(h);
      expect(both).toContain(fingerprint(a.caPem));
      expect(both).toContain(fingerprint(b.caPem));

      await b.answerV4(h.model, relB);
      expectOk(await h.hook('certificates-relation-changed', { relationId: relB }));
      await expectServedByB(h, v4Pairs(h.out), a, b);
    });

    it('legacy: A withdrawn on relation-broken; B answers, its certificates and CA are written', async () => {
      h = await createHarness({});
      const spec = standardSpec(h.out);
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const a = await EmbeddedCa.create({ commonName: 'CA A' });
      const b = await EmbeddedCa.create({ commonName: 'CA B' });
      const relA = await connectAndIssue(h, a);
      h.model.removeRelation(relA);
      expectOk(await h.hook('certificates-relation-broken', { relationId: relA }));
      expect(await trusted(h)).not.toContain(fingerprint(a.caPem));

      await joinLegacy(h, b, 'vault');
      await expectServedByB(
        h,
        [
          [files.serverCert, files.serverKey],
          [files.adminCert, files.adminKey],
          [files.clientCert, files.clientKey],
        ],
        a,
        b,
      );
      expect(await readFile(files.caCopy, 'utf8')).toContain(b.caPem.trim().split('\n')[1]);
    });

    it('legacy with keepCaOnBroken: A stays trusted after broken, and goes once B certificates replace it', async () => {
      h = await createHarness({});
      const spec = standardSpec(h.out);
      spec.options = { ...spec.options, keepCaOnBroken: true };
      await h.setSpec(spec);
      const files = standardFiles(h.out);
      const a = await EmbeddedCa.create({ commonName: 'CA A' });
      const b = await EmbeddedCa.create({ commonName: 'CA B' });
      const relA = await connectAndIssue(h, a);
      h.model.removeRelation(relA);
      expectOk(await h.hook('certificates-relation-broken', { relationId: relA }));
      expect(await trusted(h)).toContain(fingerprint(a.caPem));
      expectOk(await h.hook('update-status'));
      expect(await trusted(h)).toContain(fingerprint(a.caPem));

      await joinLegacy(h, b, 'vault');
      await expectServedByB(
        h,
        [
          [files.serverCert, files.serverKey],
          [files.adminCert, files.adminKey],
          [files.clientCert, files.clientKey],
        ],
        a,
        b,
      );
    });
  },
);
