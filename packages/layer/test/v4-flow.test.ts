import { X509Certificate } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type CharmSpec, createHarness, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { expectOk } from './scenario.js';

const CSRS = 'certificate_signing_requests';

function v4Spec(
  out: string,
  sans: string[] = ['myapp.internal', '10.0.0.10'],
  extra: Partial<CharmSpec> = {},
): CharmSpec {
  return {
    options: { protocol: 'v4', caCertificatePath: join(out, 'ca', 'ca.crt') },
    requests: [
      {
        type: 'server',
        commonName: 'myapp.internal',
        sans,
        files: { certPath: join(out, 'server', 'server.crt'), keyPath: join(out, 'server', 'server.key') },
      },
    ],
    ...extra,
  };
}

const csrsOf = (h: Harness, rel: string): string[] => {
  const raw = h.model.localUnitData(rel)[CSRS];
  return raw === undefined
    ? []
    : (JSON.parse(raw) as { certificate_signing_request: string }[]).map(
        (e) => e.certificate_signing_request,
      );
};

/** install → relation to a v4 provider → CSR published → answered → certificate written. */
async function connectV4(h: Harness, ca: EmbeddedCa): Promise<string> {
  expectOk(await h.hook('install'));
  const rel = h.model.addRelation('certificates', 'self-signed-certificates');
  h.model.addRemoteUnit(rel, 'self-signed-certificates/0');
  expectOk(await h.hook('certificates-relation-joined', { relationId: rel }));
  expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
  await ca.answerV4(h.model, rel);
  expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
  return rel;
}

async function pairMatches(h: Harness): Promise<{ cert: X509Certificate; key: string }> {
  const certPem = await readFile(join(h.out, 'server', 'server.crt'), 'utf8');
  const key = await readFile(join(h.out, 'server', 'server.key'), 'utf8');
  const cert = new X509Certificate(certPem);
  const { createPrivateKey } = await import('node:crypto');
  expect(cert.checkPrivateKey(createPrivateKey(key))).toBe(true);
  return { cert, key };
}

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)('v4 unit mode, end to end', () => {
  let h: Harness;
  afterEach(async () => h?.cleanup());

  it('publishes a CSR (never a key), accepts the answer, writes the pair and the CA, then idles', async () => {
    h = await createHarness({});
    await h.setSpec(v4Spec(h.out));
    const ca = await EmbeddedCa.create({ keyType: 'rsa' });
    expectOk(await h.hook('install'));
    const rel = h.model.addRelation('certificates', 'self-signed-certificates');
    h.model.addRemoteUnit(rel, 'self-signed-certificates/0');
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    const published = h.model.localUnitData(rel);
    expect(csrsOf(h, rel)).toHaveLength(1);
    expect(JSON.stringify(published)).not.toMatch(/PRIVATE KEY/);
    expect(published.cert_requests).toBeUndefined();
    // The key is on disk with 0600 before the CSR went out.
    expect((await stat(join(h.out, 'server', 'server.key'))).mode & 0o777).toBe(0o600);
    const firstKey = await readFile(join(h.out, 'server', 'server.key'), 'utf8');

    await ca.answerV4(h.model, rel);
    const run = await h.hook('certificates-relation-changed', { relationId: rel });
    expectOk(run);
    const { cert, key } = await pairMatches(h);
    // The key file written before the CSR went out already had the pair's exact bytes.
    expect(key).toBe(firstKey);
    expect(cert.subject).toContain('CN=myapp.internal');
    expect(await readFile(join(h.out, 'ca', 'ca.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(run.last.flags).toEqual(
      expect.arrayContaining([
        'tls_client.certs.saved',
        'tls_client.server.cert.myapp.internal.changed',
        'tls_client.ca.saved',
        'tls_client.ca_installed',
      ]),
    );
    expect(run.last.result?.changes.certificates).toEqual([
      { type: 'server', commonName: 'myapp.internal', kind: 'new' },
    ]);

    // A steady hook: no relation-set, no secret call, no write, no update-ca-certificates.
    const updates = await h.updateCalls();
    // The CSR package (and node-forge under it) is not even loaded: any load of node-forge throws.
    const forbid = join(import.meta.dirname, 'fixtures', 'forbid-forge.mjs');
    const steady = await h.hook('certificates-relation-changed', {
      relationId: rel,
      env: { NODE_OPTIONS: `--import ${forbid}` },
    });
    expectOk(steady);
    expect(steady.last.result?.dialects).toEqual({ [rel]: 'v4' });
    const tools = steady.calls.map((c) => c.tool);
    expect(tools.filter((t) => t === 'relation-set')).toEqual([]);
    expect(tools.filter((t) => t.startsWith('secret-'))).toEqual([]);
    expect(steady.last.result?.filesWritten).toEqual([]);
    expect(await h.updateCalls()).toBe(updates);
  });

  it('keeps files already at the paths (an earlier pair) untouched until the new certificate arrives, then writes both', async () => {
    h = await createHarness({});
    await h.setSpec(v4Spec(h.out));
    // An earlier pair at the paths, e.g. from a legacy provider or a previous unit.
    const old = await EmbeddedCa.create({ keyType: 'ec' });
    const issued = await old.issue({
      type: 'server',
      commonName: 'myapp.internal',
      sans: ['myapp.internal'],
    });
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(h.out, 'server'), { recursive: true });
    await writeFile(join(h.out, 'server', 'server.crt'), issued.cert);
    await writeFile(join(h.out, 'server', 'server.key'), issued.key, { mode: 0o600 });
    const ca = await EmbeddedCa.create({ keyType: 'rsa' });
    expectOk(await h.hook('install'));
    const rel = h.model.addRelation('certificates', 'self-signed-certificates');
    h.model.addRemoteUnit(rel, 'self-signed-certificates/0');
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    expect(csrsOf(h, rel)).toHaveLength(1);
    // The new key did not replace the old one: the old pair still matches.
    expect(await readFile(join(h.out, 'server', 'server.key'), 'utf8')).toBe(issued.key);
    await pairMatches(h);
    await ca.answerV4(h.model, rel);
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    const { cert, key } = await pairMatches(h);
    expect(key).not.toBe(issued.key);
    expect(cert.checkIssued(new X509Certificate(ca.caPem))).toBe(true);
  });

  it('a SAN change sends a new CSR with the same key, and removes the old one', async () => {
    h = await createHarness({});
    await h.setSpec(v4Spec(h.out));
    const ca = await EmbeddedCa.create({ keyType: 'rsa' });
    const rel = await connectV4(h, ca);
    const before = csrsOf(h, rel);
    const { key } = await pairMatches(h);
    await h.setSpec(v4Spec(h.out, ['myapp.internal', 'other.internal']));
    expectOk(await h.hook('config-changed'));
    const after = csrsOf(h, rel);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    await ca.answerV4(h.model, rel);
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    const now = await pairMatches(h);
    expect(now.key).toBe(key);
    expect(now.cert.subjectAltName).toContain('other.internal');
  });

  it('renews through secret-expired: same key, a different CSR, a new certificate', async () => {
    h = await createHarness({});
    await h.setSpec(v4Spec(h.out));
    const ca = await EmbeddedCa.create({ keyType: 'rsa' });
    const rel = await connectV4(h, ca);
    const first = await pairMatches(h);
    const csr1 = csrsOf(h, rel);
    h.model.advanceClock(400 * 86_400_000);
    const [expired] = h.model.expiredSecrets();
    expect(expired?.label).toMatch(/^tls-client-renew-/);
    expectOk(
      await h.hook('secret-expired', {
        secretId: expired!.uri,
        secretLabel: expired!.label!,
        secretRevision: expired!.revision,
      }),
    );
    const csr2 = csrsOf(h, rel);
    expect(csr2[0]).not.toBe(csr1[0]);
    await ca.answerV4(h.model, rel);
    const run = await h.hook('certificates-relation-changed', { relationId: rel });
    expectOk(run);
    const second = await pairMatches(h);
    expect(second.key).toBe(first.key);
    expect(second.cert.fingerprint256).not.toBe(first.cert.fingerprint256);
    expect(run.last.result?.renewed).toEqual([{ type: 'server', commonName: 'myapp.internal' }]);
    expect(run.last.result?.changes.certificates).toEqual([
      { type: 'server', commonName: 'myapp.internal', kind: 'renewed' },
    ]);
  });

  it('a revoked certificate (CA rotation) is renewed at once, and the new CA installed', async () => {
    h = await createHarness({});
    await h.setSpec(v4Spec(h.out));
    const ca = await EmbeddedCa.create({ keyType: 'rsa' });
    const rel = await connectV4(h, ca);
    const csr1 = csrsOf(h, rel);
    const caBefore = await readFile(join(h.out, 'ca', 'ca.crt'), 'utf8');
    ca.rotate();
    await ca.answerV4(h.model, rel); // marks revoked
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    expect(csrsOf(h, rel)[0]).not.toBe(csr1[0]);
    await ca.answerV4(h.model, rel);
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    await pairMatches(h);
    expect(await readFile(join(h.out, 'ca', 'ca.crt'), 'utf8')).not.toBe(caBefore);
  });

  for (const fault of [
    'other-csr',
    'wrong-key',

    'garbage-json',
    'truncated-pem',
    'expired',
  ] as const) {
    it(`fault "${fault}": the hook succeeds, the old files stay, a problem, no changed flag`, async () => {
      h = await createHarness({});
      await h.setSpec(v4Spec(h.out));
      const ca = await EmbeddedCa.create({ keyType: 'rsa' });
      const rel = await connectV4(h, ca);
      const certBefore = await readFile(join(h.out, 'server', 'server.crt'), 'utf8');
      await h.setSpec({ ...v4Spec(h.out), clearChanged: true });
      expectOk(await h.hook('update-status'));
      await h.setSpec(v4Spec(h.out));
      await ca.answerV4(h.model, rel, { fault });
      const run = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(run);
      expect(await readFile(join(h.out, 'server', 'server.crt'), 'utf8')).toBe(certBefore);
      expect(run.last.problems?.length ?? 0).toBeGreaterThan(0);
      expect(run.last.flags?.filter((f) => f.startsWith('tls_client.') && f.endsWith('.changed'))).toEqual(
        [],
      );
    });
  }

  for (const fault of ['missing-chain', 'reversed-chain', 'reserialised-csr', 'duplicate-entry'] as const) {
    it(`fault "${fault}": accepted, written leaf first as a matching pair`, async () => {
      h = await createHarness({});
      await h.setSpec(v4Spec(h.out));
      const ca = await EmbeddedCa.create({ keyType: 'rsa' });
      expectOk(await h.hook('install'));
      const rel = h.model.addRelation('certificates', 'self-signed-certificates');
      h.model.addRemoteUnit(rel, 'self-signed-certificates/0');
      expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
      await ca.answerV4(h.model, rel, { fault });
      const run = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(run);
      const { cert } = await pairMatches(h);
      expect(cert.ca).toBe(false);
      expect(run.last.result?.changes.certificates).toEqual([
        { type: 'server', commonName: 'myapp.internal', kind: 'new' },
      ]);
      // Steady afterwards: the same answer again changes nothing (no flapping between duplicates).
      const again = await h.hook('certificates-relation-changed', { relationId: rel });
      expect(again.last.result?.filesWritten).toEqual([]);
    });
  }

  it('auto against a legacy provider settles on legacy and withdraws the CSRs', async () => {
    h = await createHarness({});
    await h.setSpec({
      ...v4Spec(h.out),
      options: { protocol: 'auto', caCertificatePath: join(h.out, 'ca', 'ca.crt') },
    });
    const ca = await EmbeddedCa.create();
    expectOk(await h.hook('install'));
    const rel = h.model.addRelation('certificates', 'easyrsa');
    h.model.addRemoteUnit(rel, 'easyrsa/0');
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    expect(csrsOf(h, rel)).toHaveLength(1);
    expect(Object.keys(h.model.localUnitData(rel)).filter((k) => k !== CSRS).length).toBeGreaterThan(0);
    await ca.answer(h.model, rel);
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    expect(csrsOf(h, rel)).toEqual([]);
    await pairMatches(h);
  });

  it('auto against a v4 provider settles on v4 and withdraws the legacy keys', async () => {
    h = await createHarness({});
    await h.setSpec({
      ...v4Spec(h.out),
      options: { protocol: 'auto', caCertificatePath: join(h.out, 'ca', 'ca.crt') },
    });
    const ca = await EmbeddedCa.create({ keyType: 'rsa' });
    const rel = await connectV4(h, ca);
    expect(h.model.localUnitData(rel).cert_requests).toBeUndefined();
    expect(csrsOf(h, rel)).toHaveLength(1);
    await pairMatches(h);
  });

  it('relation-broken: the CSR goes, the renewal secret is removed, the CA withdrawn, the key stays', async () => {
    h = await createHarness({});
    await h.setSpec(v4Spec(h.out));
    const ca = await EmbeddedCa.create({ keyType: 'rsa' });
    const rel = await connectV4(h, ca);
    expect(h.model.secrets().filter((s) => s.ownedByUs)).toHaveLength(1);
    h.model.removeRelation(rel);
    const run = await h.hook('certificates-relation-broken', { relationId: rel });
    expectOk(run);
    expect(h.model.secrets().filter((s) => s.ownedByUs)).toEqual([]);
    expect(run.last.flags).not.toContain('tls_client.ca_installed');
    await stat(join(h.out, 'server', 'server.key'));
  });

  for (const point of ['after-key', 'before-commit'] as const) {
    it(`SIGKILL at ${point} while making the key and CSR: the next hook converges with one key`, async () => {
      h = await createHarness({});
      await h.setSpec(v4Spec(h.out));
      const ca = await EmbeddedCa.create({ keyType: 'rsa' });
      expectOk(await h.hook('install'));
      const rel = h.model.addRelation('certificates', 'self-signed-certificates');
      h.model.addRemoteUnit(rel, 'self-signed-certificates/0');
      const killed = await h.hook('certificates-relation-changed', {
        relationId: rel,
        env: { TLS_CLIENT_TEST_KILL_AT: point },
      });
      expect(killed.exitCode).not.toBe(0);
      expect(csrsOf(h, rel)).toEqual([]);
      expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
      const keys = await readdir(join(h.charmDir, '.tls-client', 'keys'));
      expect(keys).toHaveLength(1);
      await ca.answerV4(h.model, rel);
      expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
      await pairMatches(h);
    });
  }

  it('SIGKILL during the certificate write: the next hook converges to a matching pair', async () => {
    h = await createHarness({});
    await h.setSpec(v4Spec(h.out));
    const ca = await EmbeddedCa.create({ keyType: 'rsa' });
    expectOk(await h.hook('install'));
    const rel = h.model.addRelation('certificates', 'self-signed-certificates');
    h.model.addRemoteUnit(rel, 'self-signed-certificates/0');
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    await ca.answerV4(h.model, rel);
    const killed = await h.hook('certificates-relation-changed', {
      relationId: rel,
      env: { TLS_CLIENT_TEST_KILL_AT: 'after-writes' },
    });
    expect(killed.exitCode).not.toBe(0);
    const run = await h.hook('certificates-relation-changed', { relationId: rel });
    expectOk(run);
    await pairMatches(h);
    expect(run.last.result?.changes.certificates).toEqual([
      { type: 'server', commonName: 'myapp.internal', kind: 'new' },
    ]);
  });

  it('a provider swap: B (another CA) issues, its certificate and CA are written, A is forgotten', async () => {
    h = await createHarness({});
    await h.setSpec(v4Spec(h.out));
    const a = await EmbeddedCa.create({ keyType: 'rsa', commonName: 'CA A' });
    const b = await EmbeddedCa.create({ keyType: 'rsa', commonName: 'CA B' });
    const relA = await connectV4(h, a);
    const caA = await readFile(join(h.out, 'ca', 'ca.crt'), 'utf8');
    h.model.removeRelation(relA);
    expectOk(await h.hook('certificates-relation-broken', { relationId: relA }));
    const relB = h.model.addRelation('certificates', 'lego');
    h.model.addRemoteUnit(relB, 'lego/0');
    expectOk(await h.hook('certificates-relation-changed', { relationId: relB }));
    await b.answerV4(h.model, relB);
    const run = await h.hook('certificates-relation-changed', { relationId: relB });
    expectOk(run);
    const { cert } = await pairMatches(h);
    expect(cert.issuer).toContain('CA B');
    expect(await readFile(join(h.out, 'ca', 'ca.crt'), 'utf8')).not.toBe(caA);
    expect(run.last.result?.dialects).toEqual({ [relB]: 'v4' });
  });

  it('rotateKey: the old pair stays until the new certificate arrives, then both switch together', async () => {
    h = await createHarness({});
    await h.setSpec(v4Spec(h.out));
    const ca = await EmbeddedCa.create({ keyType: 'rsa' });
    const rel = await connectV4(h, ca);
    const old = await pairMatches(h);
    await h.setSpec({ ...v4Spec(h.out), rotateKey: { type: 'server', commonName: 'myapp.internal' } });
    expectOk(await h.hook('config-changed'));
    await h.setSpec(v4Spec(h.out));
    const still = await pairMatches(h);
    expect(still.key).toBe(old.key);
    await ca.answerV4(h.model, rel);
    const run = await h.hook('certificates-relation-changed', { relationId: rel });
    expectOk(run);
    const now = await pairMatches(h);
    expect(now.key).not.toBe(old.key);
    expect(run.last.result?.rotated).toEqual([{ type: 'server', commonName: 'myapp.internal' }]);
    expect(run.last.result?.changes.certificates).toEqual([
      { type: 'server', commonName: 'myapp.internal', kind: 'rotated' },
    ]);
  });

  it('a request_errors entry for our CSR is a problem with the provider code, name and message', async () => {
    h = await createHarness({});
    await h.setSpec(v4Spec(h.out));
    const ca = await EmbeddedCa.create({ keyType: 'rsa', refuseIpSans: true });
    expectOk(await h.hook('install'));
    const rel = h.model.addRelation('certificates', 'lego');
    h.model.addRemoteUnit(rel, 'lego/0');
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    await ca.answerV4(h.model, rel);
    const run = await h.hook('certificates-relation-changed', { relationId: rel });
    expectOk(run);
    expect(run.last.problems).toEqual([
      expect.objectContaining({
        code: 'ERR_LAYER_REQUEST_REFUSED',
        key: 'request_errors',
        severity: 'error',
      }),
    ]);
    expect(run.last.problems?.[0]?.message).toContain('IP_NOT_ALLOWED (101)');
    expect(h.model.logs().some((l) => l.level === 'ERROR' && l.message.includes('IP_NOT_ALLOWED'))).toBe(
      true,
    );
    // Not retried (101 is not SERVER_NOT_AVAILABLE): the same CSR stays until the request changes,
    // however long it waits.
    const csr = csrsOf(h, rel);
    expectOk(await h.hook('update-status'));
    const day = new Date(Date.now() + 86_400_000).toISOString();
    expectOk(await h.hook('update-status', { env: { TLS_CLIENT_TEST_NOW: day } }));
    expect(csrsOf(h, rel)).toEqual(csr);
  });

  it('SERVER_NOT_AVAILABLE (201) is retried with a new CSR (same key) once its backoff passed', async () => {
    h = await createHarness({});
    await h.setSpec(v4Spec(h.out));
    const ca = await EmbeddedCa.create({ keyType: 'rsa' });
    expectOk(await h.hook('install'));
    const rel = h.model.addRelation('certificates', 'vault');
    h.model.addRemoteUnit(rel, 'vault/0');
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    const key = await readFile(join(h.out, 'server', 'server.key'), 'utf8');
    const csr1 = csrsOf(h, rel);
    expect((await ca.answerV4(h.model, rel, { unavailable: true })).refused).toBe(1);
    const refused = await h.hook('certificates-relation-changed', { relationId: rel });
    expectOk(refused);
    expect(refused.last.problems?.[0]?.message).toContain('SERVER_NOT_AVAILABLE (201)');
    expect(refused.last.problems?.[0]?.message).toContain('retried on later hooks');
    // Within the first backoff (5 minutes) nothing is resent: update-status every 5 minutes must
    // not churn CSRs at a provider that is down.
    const soon = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    expectOk(await h.hook('update-status', { env: { TLS_CLIENT_TEST_NOW: soon(2) } }));
    expect(csrsOf(h, rel)).toEqual(csr1);
    const retry = await h.hook('update-status', { env: { TLS_CLIENT_TEST_NOW: soon(6) } });
    expectOk(retry);
    const csr2 = csrsOf(h, rel);
    expect(csr2).toHaveLength(1);
    expect(csr2[0]).not.toBe(csr1[0]);
    expect(retry.last.result?.relationSets).toBe(1);
    // Still down: the next retry waits twice as long (10 minutes after the second CSR).
    await ca.answerV4(h.model, rel, { unavailable: true });
    expectOk(
      await h.hook('certificates-relation-changed', {
        relationId: rel,
        env: { TLS_CLIENT_TEST_NOW: soon(7) },
      }),
    );
    expectOk(await h.hook('update-status', { env: { TLS_CLIENT_TEST_NOW: soon(12) } }));
    expect(csrsOf(h, rel)).toEqual(csr2);
    expectOk(await h.hook('update-status', { env: { TLS_CLIENT_TEST_NOW: soon(17) } }));
    const csr3 = csrsOf(h, rel);
    expect(csr3[0]).not.toBe(csr2[0]);
    // The backend is back: the certificate arrives for the key made at the start.
    await ca.answerV4(h.model, rel);
    const run = await h.hook('certificates-relation-changed', {
      relationId: rel,
      env: { TLS_CLIENT_TEST_NOW: soon(18) },
    });
    expectOk(run);
    expect(run.last.problems).toEqual([]);
    const pair = await pairMatches(h);
    expect(pair.key.trim()).toBe(key.trim());
  });

  it('while a renewal is pending, the certificate on disk stays available and nothing is rewritten', async () => {
    h = await createHarness({});
    await h.setSpec(v4Spec(h.out));
    const ca = await EmbeddedCa.create({ keyType: 'rsa' });
    const rel = await connectV4(h, ca);
    const before = await pairMatches(h);
    const held = [
      'certificates.available',
      'certificates.server.certs.available',
      'certificates.ca.available',
      'tls_client.certs.saved',
    ];
    const late = new Date(Date.now() + 340 * 86_400_000).toISOString();
    const renewing = await h.hook('update-status', { env: { TLS_CLIENT_TEST_NOW: late } });
    expectOk(renewing);
    expect(renewing.last.flags).toEqual(expect.arrayContaining(held));
    // The provider drops the entry of the old CSR and cannot answer the new one yet.
    expect((await ca.answerV4(h.model, rel, { unavailable: true })).removed).toBe(1);
    const pending = await h.hook('certificates-relation-changed', {
      relationId: rel,
      env: { TLS_CLIENT_TEST_NOW: late },
    });
    expectOk(pending);
    expect(pending.last.flags).toEqual(expect.arrayContaining(held));
    expect(pending.last.result?.filesWritten).toEqual([]);
    expect(pending.last.result?.changes.any).toBe(false);
    const still = await pairMatches(h);
    expect(still.cert.fingerprint256).toBe(before.cert.fingerprint256);
  });
});
