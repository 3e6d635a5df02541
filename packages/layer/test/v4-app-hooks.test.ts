// v4 APP mode end to end: the fixture charm runs as subprocess hooks through the fake Juju. The fake
// models one local unit, so the leader (myapp/0) and the non-leader (myapp/1) are two FakeModels; the
// test plays Juju's shared state between them with `share()`: the application's own databag, its
// application-owned secrets (by label) and the provider's application databag.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { publicKeyMatches } from '@tls-client/csr';
import { FlagStore } from '@tls-client/flags';
import { decodeProviderAppData, decodeRequirerRequests } from '@tls-client/protocol/v4';
import { EmbeddedCa, type FakeModel } from '@tls-client/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { APP_STATE_KEY } from '../src/v4-app-mode.js';
import { RENEWAL_SECRET_PREFIX } from '../src/v4-run.js';
import { type CharmSpec, createHarness, type Harness, toolNames, UPDATE_CA_CERTIFICATES } from './helpers.js';

const PROVIDER = 'self-signed-certificates';
const SECRET_TOOLS = ['secret-add', 'secret-set', 'secret-get', 'secret-info-get', 'secret-remove'];

function spec(out: string, options: Record<string, unknown> = {}): CharmSpec {
  return {
    options: { protocol: 'v4', caCertificatePath: join(out, 'ca.crt'), ...options },
    requests: [
      {
        type: 'application',
        commonName: 'myapp',
        sans: ['myapp.internal', '10.0.0.100'],
        files: { certPath: join(out, 'app.crt'), keyPath: join(out, 'app.key') },
      },
    ],
  };
}

/** Juju's shared state of one application, copied from one unit's model to another's. */
function share(from: FakeModel, to: FakeModel, rel: string): void {
  for (const secret of from.secrets()) {
    if (secret.ownerKind !== 'application') continue;
    const content = secret.revisions.at(-1)!.content;
    const theirs = to.secrets().find((s) => s.ownerKind === 'application' && s.label === secret.label);
    if (theirs === undefined) to.addSecret({ owner: secret.owner, label: secret.label, content });
    else if (JSON.stringify(theirs.revisions.at(-1)!.content) !== JSON.stringify(content))
      to.setSecretContent(theirs.uri, content);
  }
  to.setLocalAppData(rel, from.localAppData(rel), { replace: true });
  to.setRemoteAppData(rel, from.remoteAppData(rel), { replace: true });
}

/** The one application-owned secret of a model, decoded. */
function appSecret(model: FakeModel): Record<string, string> {
  const secrets = model.secrets().filter((s) => s.ownerKind === 'application');
  expect(secrets).toHaveLength(1);
  return secrets[0]!.revisions.at(-1)!.content;
}

/** The CSRs published in our application databag on `rel`. */
function appCsrs(model: FakeModel, rel: string): string[] {
  return decodeRequirerRequests({
    units: [],
    apps: [{ relationId: rel, app: 'myapp', data: model.localAppData(rel) }],
  }).requests.map((r) => r.certificateSigningRequest);
}

/** What a unit remembers of the application certificates (its committed flag store). */
function appRecords(unit: Harness): unknown {
  return FlagStore.open({ charmDir: unit.charmDir }).getValue(APP_STATE_KEY);
}

/** Renewal secrets (ours, by label) in a model's secret store. */
function renewalSecrets(model: FakeModel) {
  return model.secrets().filter((s) => s.label?.startsWith(RENEWAL_SECRET_PREFIX) === true);
}

function allDatabagText(model: FakeModel, rel: string): string {
  return JSON.stringify([model.localUnitData(rel), model.localAppData(rel)]);
}

// These hooks install the CA with the real update-ca-certificates (in a sandbox root): skipped, with
// the reason in the title, only where the tool is absent.
describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'v4 APP mode: a leader and a non-leader share one application certificate (update-ca-certificates found)',
  () => {
    let ca: EmbeddedCa;
    let leader: Harness;
    let follower: Harness;
    let rel: string;
    beforeAll(async () => {
      ca = await EmbeddedCa.create();
    });
    afterEach(async () => {
      await leader?.cleanup();
      await follower?.cleanup();
    });

    async function setup(): Promise<void> {
      leader = await createHarness({}, { unit: 'myapp/0', leader: true });
      follower = await createHarness({}, { unit: 'myapp/1', leader: false });
      await leader.setSpec(spec(leader.out));
      await follower.setSpec(spec(follower.out));
      rel = leader.model.addRelation('certificates', PROVIDER, { id: 7 });
      follower.model.addRelation('certificates', PROVIDER, { id: 7 });
      leader.model.addRemoteUnit(rel, `${PROVIDER}/0`);
      follower.model.addRemoteUnit(rel, `${PROVIDER}/0`);
    }

    /** The leader publishes, the CA answers, the leader writes; then the non-leader writes. */
    async function converge(): Promise<void> {
      const first = await leader.hook('certificates-relation-changed');
      expect(first.last).toMatchObject({ ok: true });
      await ca.answerV4(leader.model, rel);
      const second = await leader.hook('certificates-relation-changed');
      expect(second.last).toMatchObject({ ok: true });
      share(leader.model, follower.model, rel);
      const third = await follower.hook('certificates-relation-changed');
      expect(third.last).toMatchObject({ ok: true });
    }

    it('the leader keeps the key in an application secret, publishes only the CSR, and every unit writes the pair', async () => {
      await setup();
      const first = await leader.hook('certificates-relation-changed');
      expect(first.last, first.stderr).toMatchObject({ ok: true });
      const secret = appSecret(leader.model);
      expect(Object.keys(secret).sort()).toEqual(['csr', 'private-key', 'request']);
      // The CSR in the app databag is the secret's; no key anywhere in relation data.
      const published = decodeRequirerRequests({
        units: [],
        apps: [{ relationId: rel, app: 'myapp', data: leader.model.localAppData(rel) }],
      }).requests;
      expect(published.map((r) => r.certificateSigningRequest)).toEqual([secret.csr]);
      expect(published[0]!.ca).toBe(false);
      expect(allDatabagText(leader.model, rel)).not.toContain('PRIVATE KEY');
      expect(leader.model.localUnitData(rel)).not.toHaveProperty('certificate_signing_requests');
      expect(toolNames(first)).toContain('secret-add');
      const add = first.calls.find((c) => c.tool === 'secret-add')!;
      expect(add.args.join(' ')).not.toContain('PRIVATE KEY');
      expect(add.args).toContain('--owner=application');

      expect(await ca.answerV4(leader.model, rel)).toMatchObject({ issued: 1, problems: [] });
      const second = await leader.hook('certificates-relation-changed');
      expect(second.last).toMatchObject({ ok: true });
      expect(toolNames(second)).not.toContain('secret-add');
      expect(toolNames(second)).not.toContain('secret-set');
      const cert = await readFile(join(leader.out, 'app.crt'), 'utf8');
      const key = await readFile(join(leader.out, 'app.key'), 'utf8');
      expect((await stat(join(leader.out, 'app.key'))).mode & 0o777).toBe(0o600);
      const leaf = cert.slice(0, cert.indexOf('-----END CERTIFICATE-----') + 25);
      expect(publicKeyMatches(key, leaf)).toBe(true);
      expect(key.trim()).toBe(secret['private-key']!.trim());
      const x509 = new X509Certificate(cert);
      expect(x509.verify(new X509Certificate(ca.caPem).publicKey)).toBe(true);
      expect(x509.subjectAltName).toContain('DNS:myapp.internal');
      expect(second.last.flags).toContain('tls_client.certs.saved');
      expect(second.last.result!.changes).toMatchObject({
        ca: true,
        certificates: [{ type: 'application', commonName: 'myapp' }],
      });

      // The non-leader cannot read its app databag: it finds the certificate by the secret's CSR.
      share(leader.model, follower.model, rel);
      const third = await follower.hook('certificates-relation-changed');
      expect(third.last).toMatchObject({ ok: true });
      // Nothing to the application databag (the unit-mode dialect may write the unit databag once).
      expect(third.calls.filter((c) => c.tool === 'relation-set' && c.args.includes('--app'))).toEqual([]);
      expect(toolNames(third)).not.toContain('secret-add');
      expect(toolNames(third)).not.toContain('secret-set');
      expect(await readFile(join(follower.out, 'app.crt'), 'utf8')).toBe(cert);
      expect(await readFile(join(follower.out, 'app.key'), 'utf8')).toBe(key);
      expect((await stat(join(follower.out, 'app.key'))).mode & 0o777).toBe(0o600);
      expect(third.last.flags).toContain('tls_client.certs.saved');
    });

    it('steady hooks: no secret call, no relation-set, no file written, on either unit', async () => {
      await setup();
      await converge();
      for (const unit of [leader, follower]) {
        const before = await stat(join(unit.out, 'app.key'));
        const updates = await unit.updateCalls();
        const run = await unit.hook('update-status');
        expect(run.last).toMatchObject({ ok: true });
        const tools = toolNames(run);
        expect(tools.filter((t) => SECRET_TOOLS.includes(t))).toEqual([]);
        expect(tools).not.toContain('relation-set');
        expect(run.last.result!.filesWritten).toEqual([]);
        expect(run.last.result!.relationSets).toBe(0);
        expect(await unit.updateCalls()).toBe(updates);
        const after = await stat(join(unit.out, 'app.key'));
        expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
      }
    });

    it('a leadership change keeps the key and the CSR: no new key, no re-issue', async () => {
      await setup();
      await converge();
      const secretBefore = appSecret(leader.model);
      const certBefore = await readFile(join(follower.out, 'app.crt'), 'utf8');
      leader.model.setLeader(false);
      follower.model.setLeader(true);
      for (const hook of ['leader-elected', 'certificates-relation-changed']) {
        const run = await follower.hook(hook);
        expect(run.last).toMatchObject({ ok: true });
        expect(toolNames(run)).not.toContain('secret-add');
        expect(toolNames(run)).not.toContain('secret-set');
        expect(toolNames(run)).not.toContain('relation-set');
      }
      expect(appSecret(follower.model)).toEqual(secretBefore);
      // The provider sees the same CSR: nothing to sign.
      expect(await ca.answerV4(follower.model, rel)).toMatchObject({ issued: 0, kept: 1 });
      const old = await leader.hook('leader-settings-changed');
      expect(old.last).toMatchObject({ ok: true });
      expect(toolNames(old)).not.toContain('relation-set');
      expect(await readFile(join(follower.out, 'app.crt'), 'utf8')).toBe(certBefore);
    });

    it('after a CA rotation every unit ends with the same new certificate and the same key', async () => {
      await setup();
      await converge();
      const keyBefore = await readFile(join(leader.out, 'app.key'), 'utf8');
      const certBefore = await readFile(join(leader.out, 'app.crt'), 'utf8');
      const csrBefore = appSecret(leader.model).csr;
      await ca.rotate();
      expect(await ca.answerV4(leader.model, rel)).toMatchObject({ revoked: 1 });
      // The revoked certificate is renewed at once: a new CSR, the same key.
      const renew = await leader.hook('certificates-relation-changed');
      expect(renew.last).toMatchObject({ ok: true });
      expect(toolNames(renew)).toContain('secret-set');
      const secret = appSecret(leader.model);
      expect(secret.csr).not.toBe(csrBefore);
      expect(secret['private-key']!.trim()).toBe(keyBefore.trim());
      // Until the new certificate arrives, the old pair stays.
      expect(await readFile(join(leader.out, 'app.crt'), 'utf8')).toBe(certBefore);
      expect(await ca.answerV4(leader.model, rel)).toMatchObject({ issued: 1 });
      const providerCsrs = decodeProviderAppData(leader.model.remoteAppData(rel)).certificates.map(
        (c) => c.certificateSigningRequest,
      );
      expect(providerCsrs).toHaveLength(1);
      expect((await leader.hook('certificates-relation-changed')).last).toMatchObject({ ok: true });
      share(leader.model, follower.model, rel);
      expect((await follower.hook('certificates-relation-changed')).last).toMatchObject({ ok: true });

      const cert = await readFile(join(leader.out, 'app.crt'), 'utf8');
      expect(cert).not.toBe(certBefore);
      expect(new X509Certificate(cert).verify(new X509Certificate(ca.caPem).publicKey)).toBe(true);
      for (const unit of [leader, follower]) {
        expect(await readFile(join(unit.out, 'app.crt'), 'utf8')).toBe(cert);
        expect(await readFile(join(unit.out, 'app.key'), 'utf8')).toBe(keyBefore);
        expect(await readFile(join(unit.out, 'ca.crt'), 'utf8')).toBe(`${ca.caPem.trim()}\n`);
      }
    });

    it('a non-leader before the leader made the secret waits: no error, nothing written', async () => {
      await setup();
      const run = await follower.hook('certificates-relation-changed');
      expect(run.last).toMatchObject({ ok: true });
      expect(run.calls.filter((c) => c.tool === 'relation-set' && c.args.includes('--app'))).toEqual([]);
      expect(run.last.result!.filesWritten).toEqual([]);
      expect(follower.model.secrets()).toEqual([]);
    });
    it('a leader killed after making the secret leaves nothing; the next hook makes exactly one key', async () => {
      await setup();
      const killed = await leader.hook('certificates-relation-changed', {
        env: { TLS_CLIENT_TEST_KILL_AT: 'after-writes' },
      });
      expect(killed.signal).toBe('SIGKILL');
      expect(toolNames(killed)).toContain('secret-add');
      // Juju drops a failed hook's secret changes and relation settings together.
      expect(leader.model.secrets()).toEqual([]);
      expect(leader.model.localAppData(rel)).toEqual({});
      const run = await leader.hook('certificates-relation-changed');
      expect(run.last).toMatchObject({ ok: true });
      const secret = appSecret(leader.model);
      const published = decodeRequirerRequests({
        units: [],
        apps: [{ relationId: rel, app: 'myapp', data: leader.model.localAppData(rel) }],
      }).requests;
      expect(published.map((r) => r.certificateSigningRequest)).toEqual([secret.csr]);
    });

    it('bad provider data for the application CSR: the hook succeeds, the old pair stays, a problem is reported', async () => {
      await setup();
      await converge();
      const cert = await readFile(join(leader.out, 'app.crt'), 'utf8');
      for (const fault of ['wrong-key', 'garbage-json'] as const) {
        await ca.answerV4(leader.model, rel, { fault });
        share(leader.model, follower.model, rel);
        for (const unit of [leader, follower]) {
          const run = await unit.hook('certificates-relation-changed');
          expect(run.last, fault).toMatchObject({ ok: true });
          expect(run.last.problems!.length, fault).toBeGreaterThan(0);
          expect(JSON.stringify(run.last.problems)).not.toContain('-----BEGIN');
          expect(run.last.result!.changes.certificates, fault).toEqual([]);
          expect(await readFile(join(unit.out, 'app.crt'), 'utf8')).toBe(cert);
          // Still reported on the next hook, while the data stays bad.
          const again = await unit.hook('update-status');
          expect(again.last.problems!.length, fault).toBeGreaterThan(0);
        }
      }
    });
    it('APP_AND_UNIT: unit certificates in the unit databags and the application certificate in the app databag', async () => {
      await setup();
      for (const unit of [leader, follower]) {
        const base = spec(unit.out);
        await unit.setSpec({
          ...base,
          requests: [
            ...base.requests!,
            {
              type: 'server',
              commonName: `${unit === leader ? 'myapp-0' : 'myapp-1'}.internal`,
              sans: [`${unit === leader ? 'myapp-0' : 'myapp-1'}.internal`],
              files: { certPath: join(unit.out, 'server.crt'), keyPath: join(unit.out, 'server.key') },
            },
          ],
        });
      }
      expect((await leader.hook('certificates-relation-changed')).last).toMatchObject({ ok: true });
      expect((await follower.hook('certificates-relation-changed')).last).toMatchObject({ ok: true });
      const csrsOf = (data: Record<string, string>, where: 'unit' | 'app') =>
        decodeRequirerRequests(
          where === 'unit'
            ? { units: [{ relationId: rel, unit: 'myapp/0', data }] }
            : { units: [], apps: [{ relationId: rel, app: 'myapp', data }] },
        ).requests.map((r) => r.certificateSigningRequest);
      const appCsr = appSecret(leader.model).csr;
      expect(csrsOf(leader.model.localAppData(rel), 'app')).toEqual([appCsr]);
      expect(csrsOf(leader.model.localUnitData(rel), 'unit')).toHaveLength(1);
      expect(csrsOf(follower.model.localUnitData(rel), 'unit')).toHaveLength(1);
      expect(csrsOf(leader.model.localUnitData(rel), 'unit')).not.toContain(appCsr);

      const answer = await ca.answerV4(leader.model, rel, {
        otherUnits: { 'myapp/1': follower.model.localUnitData(rel) },
      });
      expect(answer).toMatchObject({ issued: 3, problems: [] });
      expect((await leader.hook('certificates-relation-changed')).last).toMatchObject({ ok: true });
      share(leader.model, follower.model, rel);
      expect((await follower.hook('certificates-relation-changed')).last).toMatchObject({ ok: true });

      const appCert = await readFile(join(leader.out, 'app.crt'), 'utf8');
      const appKey = await readFile(join(leader.out, 'app.key'), 'utf8');
      expect(await readFile(join(follower.out, 'app.crt'), 'utf8')).toBe(appCert);
      expect(await readFile(join(follower.out, 'app.key'), 'utf8')).toBe(appKey);
      const leaf = (pem: string) => new X509Certificate(pem);
      const servers = await Promise.all(
        [leader, follower].map(async (unit) => ({
          cert: await readFile(join(unit.out, 'server.crt'), 'utf8'),
          key: await readFile(join(unit.out, 'server.key'), 'utf8'),
        })),
      );
      expect(leaf(servers[0]!.cert).subject).toContain('CN=myapp-0.internal');
      expect(leaf(servers[1]!.cert).subject).toContain('CN=myapp-1.internal');
      expect(new Set([appKey, servers[0]!.key, servers[1]!.key]).size).toBe(3);
      expect(leaf(appCert).subject).toContain('CN=myapp');
    });
    it('renewal by time: the leader makes a new CSR with the same key, and every unit gets the new pair', async () => {
      await setup();
      await converge();
      const certBefore = await readFile(join(leader.out, 'app.crt'), 'utf8');
      const keyBefore = await readFile(join(leader.out, 'app.key'), 'utf8');
      const csrBefore = appSecret(leader.model).csr;
      const x509 = new X509Certificate(certBefore);
      const from = Date.parse(x509.validFrom);
      const to = Date.parse(x509.validTo);
      // Before 90 % of the validity: nothing; after it: a renewal.
      const early = await leader.hook('update-status', {
        env: { TLS_CLIENT_TEST_NOW: new Date(from + (to - from) * 0.85).toISOString() },
      });
      expect(toolNames(early)).not.toContain('secret-set');
      const renew = await leader.hook('update-status', {
        env: { TLS_CLIENT_TEST_NOW: new Date(from + (to - from) * 0.95).toISOString() },
      });
      expect(renew.last).toMatchObject({ ok: true });
      expect(toolNames(renew)).toContain('secret-set');
      expect(toolNames(renew)).not.toContain('secret-add');
      const secret = appSecret(leader.model);
      expect(secret.csr).not.toBe(csrBefore);
      expect(secret['private-key']!.trim()).toBe(keyBefore.trim());
      expect(await ca.answerV4(leader.model, rel)).toMatchObject({ issued: 1, removed: 1 });
      expect((await leader.hook('certificates-relation-changed')).last).toMatchObject({ ok: true });
      share(leader.model, follower.model, rel);
      expect((await follower.hook('certificates-relation-changed')).last).toMatchObject({ ok: true });
      const cert = await readFile(join(leader.out, 'app.crt'), 'utf8');
      expect(cert).not.toBe(certBefore);
      for (const unit of [leader, follower]) {
        expect(await readFile(join(unit.out, 'app.crt'), 'utf8')).toBe(cert);
        expect(await readFile(join(unit.out, 'app.key'), 'utf8')).toBe(keyBefore);
      }
    });

    /** relation-broken on both units (the relation removed from both models first). */
    async function breakRelation(): Promise<void> {
      leader.model.removeRelation(rel);
      follower.model.removeRelation(rel);
      for (const unit of [leader, follower]) {
        const broken = await unit.hook('certificates-relation-broken', { relationId: rel });
        expect(broken.last, broken.stderr).toMatchObject({ ok: true });
        // Nothing to write to a relation that is gone, and the key secret is left alone.
        expect(toolNames(broken).filter((t) => t === 'relation-set' || SECRET_TOOLS.includes(t))).toEqual([]);
      }
    }

    /** A new relation to the provider on both units, with its own id. */
    function relateAgain(id: number): string {
      const next = leader.model.addRelation('certificates', PROVIDER, { id });
      follower.model.addRelation('certificates', PROVIDER, { id });
      leader.model.addRemoteUnit(next, `${PROVIDER}/0`);
      follower.model.addRemoteUnit(next, `${PROVIDER}/0`);
      return next;
    }

    it('relation-broken forgets the application CSR on every unit and keeps the key secret; a new relation gets the CSR and a certificate with the same key', async () => {
      await setup();
      await converge();
      const secretBefore = appSecret(leader.model);
      const certBefore = await readFile(join(leader.out, 'app.crt'), 'utf8');
      const keyBefore = await readFile(join(leader.out, 'app.key'), 'utf8');
      expect(appRecords(leader)).toHaveProperty('myapp');
      expect(appRecords(follower)).toHaveProperty('myapp');
      // APP mode renews by the leader's check in every hook: it made no renewal secret.
      expect(renewalSecrets(leader.model)).toEqual([]);

      await breakRelation();
      for (const unit of [leader, follower]) {
        expect(appRecords(unit), unit.model.unit).toBeUndefined();
        expect(renewalSecrets(unit.model)).toEqual([]);
        // Files stay without removeFilesOnBroken.
        expect(await readFile(join(unit.out, 'app.crt'), 'utf8')).toBe(certBefore);
        expect(await readFile(join(unit.out, 'app.key'), 'utf8')).toBe(keyBefore);
      }
      expect(appSecret(leader.model)).toEqual(secretBefore);
      // Later hooks without a relation run as usual.
      expect((await leader.hook('update-status')).last).toMatchObject({ ok: true });

      rel = relateAgain(8);
      const publish = await leader.hook('certificates-relation-changed', { relationId: rel });
      expect(publish.last, publish.stderr).toMatchObject({ ok: true });
      expect(toolNames(publish)).not.toContain('secret-add');
      expect(appCsrs(leader.model, rel)).toEqual([secretBefore.csr]);
      expect(await ca.answerV4(leader.model, rel)).toMatchObject({ issued: 1, problems: [] });
      expect((await leader.hook('certificates-relation-changed', { relationId: rel })).last).toMatchObject({
        ok: true,
      });
      share(leader.model, follower.model, rel);
      expect((await follower.hook('certificates-relation-changed', { relationId: rel })).last).toMatchObject({
        ok: true,
      });
      const cert = await readFile(join(leader.out, 'app.crt'), 'utf8');
      expect(cert).not.toBe(certBefore);
      for (const unit of [leader, follower]) {
        expect(await readFile(join(unit.out, 'app.crt'), 'utf8')).toBe(cert);
        expect(await readFile(join(unit.out, 'app.key'), 'utf8')).toBe(keyBefore);
        expect(appRecords(unit)).toHaveProperty('myapp');
      }
      const leaf = cert.slice(0, cert.indexOf('-----END CERTIFICATE-----') + 25);
      expect(publicKeyMatches(keyBefore, leaf)).toBe(true);
      expect(appSecret(leader.model)).toEqual(secretBefore);
    });

    it('relation-broken with removeFilesOnBroken: every unit removes the application pair, the key secret stays, and a new relation writes the pair again with that key', async () => {
      await setup();
      for (const unit of [leader, follower])
        await unit.setSpec(spec(unit.out, { removeFilesOnBroken: true }));
      await converge();
      const secretBefore = appSecret(leader.model);
      const keyBefore = await readFile(join(leader.out, 'app.key'), 'utf8');

      await breakRelation();
      for (const unit of [leader, follower]) {
        await expect(stat(join(unit.out, 'app.crt'))).rejects.toMatchObject({ code: 'ENOENT' });
        await expect(stat(join(unit.out, 'app.key'))).rejects.toMatchObject({ code: 'ENOENT' });
        expect(appRecords(unit)).toBeUndefined();
      }
      expect(appSecret(leader.model)).toEqual(secretBefore);

      rel = relateAgain(9);
      expect((await leader.hook('certificates-relation-changed', { relationId: rel })).last).toMatchObject({
        ok: true,
      });
      expect(appCsrs(leader.model, rel)).toEqual([secretBefore.csr]);
      expect(await ca.answerV4(leader.model, rel)).toMatchObject({ issued: 1 });
      expect((await leader.hook('certificates-relation-changed', { relationId: rel })).last).toMatchObject({
        ok: true,
      });
      share(leader.model, follower.model, rel);
      expect((await follower.hook('certificates-relation-changed', { relationId: rel })).last).toMatchObject({
        ok: true,
      });
      for (const unit of [leader, follower]) {
        expect(await readFile(join(unit.out, 'app.key'), 'utf8')).toBe(keyBefore);
        expect((await stat(join(unit.out, 'app.key'))).mode & 0o777).toBe(0o600);
        const cert = await readFile(join(unit.out, 'app.crt'), 'utf8');
        expect(new X509Certificate(cert).checkPrivateKey(createPrivateKey(keyBefore))).toBe(true);
      }
    });
  },
);
