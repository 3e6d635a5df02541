// v4 renewal on a model without secrets (Juju 2.9: no secret tools on PATH). The renewal secret
// cannot exist there, so the renewal time is checked in every hook: update-status past it
// publishes a new CSR with the same key. Real hooks through a FakeModel on Juju 2.9.44, the real
// `tls-client` CLI, and openssl to check the pair on disk.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EmbeddedCa, FakeModel, type HookRun } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { TlsClientStatus } from '../src/cli/index.js';
import {
  type CharmSpec,
  createHarness,
  FIXTURE_DISPATCH,
  type Harness,
  type LastRun,
  UNIT,
  UPDATE_CA_CERTIFICATES,
} from './helpers.js';
import { expectOk } from './scenario.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const run = promisify(execFile);
const OPENSSL = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p));
const CSRS = 'certificate_signing_requests';
const SECRET_TOOLS = [
  'secret-add',
  'secret-set',
  'secret-get',
  'secret-info-get',
  'secret-remove',
  'secret-ids',
  'secret-grant',
  'secret-revoke',
];

function spec(out: string): CharmSpec {
  return {
    options: { protocol: 'v4', caCertificatePath: join(out, 'ca', 'ca.crt') },
    requests: [
      {
        type: 'server',
        commonName: 'myapp.internal',
        sans: ['myapp.internal', '10.0.0.10'],
        files: { certPath: join(out, 'server', 'server.crt'), keyPath: join(out, 'server', 'server.key') },
      },
    ],
  };
}

/** The unit of a {@link Harness} (its charm dir, trust root and CA installer), on a Juju 2.9 model. */
interface OldJuju {
  model: FakeModel;
  hook(
    name: string,
    options?: { relationId?: string; env?: Record<string, string> },
  ): Promise<HookRun & { last: LastRun }>;
}

async function onJuju29(h: Harness): Promise<OldJuju> {
  const model = await FakeModel.create({
    unit: UNIT,
    charmDir: h.charmDir,
    dir: join(h.dir, 'juju-2.9'),
    stateDir: false,
    jujuVersion: '2.9.44',
  });
  // The harness's PATH, with this model's tools instead of the Juju 3 model's.
  const env = { ...h.env, PATH: h.env.PATH!.replace(h.model.binDir, model.binDir) };
  return {
    model,
    async hook(name, options = {}) {
      await rm(join(h.charmDir, 'last-run.json'), { force: true });
      const result = await model.runHook(name, {
        ...options,
        command: [FIXTURE_DISPATCH],
        env: { ...env, ...(options.env ?? {}) },
      });
      let last: LastRun;
      try {
        last = JSON.parse(await readFile(join(h.charmDir, 'last-run.json'), 'utf8')) as LastRun;
      } catch {
        last = {
          ok: false,
          message: `no last-run.json; exit ${result.exitCode}; ${result.stderr.slice(0, 2000)}`,
        };
      }
      return { ...result, last };
    },
  };
}

/** Runs the built `tls-client` outside any hook, as an operator would. */
async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

async function openssl(args: string[], input?: string): Promise<string> {
  const child = run(OPENSSL!, args);
  if (input !== undefined) child.child.stdin!.end(input);
  return (await child).stdout;
}

const csrsOf = (model: FakeModel, rel: string): string[] =>
  (JSON.parse(model.localUnitData(rel)[CSRS] ?? '[]') as { certificate_signing_request: string }[]).map(
    (e) => e.certificate_signing_request,
  );

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined || OPENSSL === undefined)(
  'v4 renewal on a model without secrets (Juju 2.9; update-ca-certificates and openssl found)',
  () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it('update-status past the renewal time renews with a new CSR and the same key; no secret tool is ever called; status names the hook-time check', async () => {
      h = await createHarness({});
      await h.setSpec(spec(h.out));
      const juju = await onJuju29(h);
      const { model } = juju;
      // The simulation is real: no secret tool on this model's PATH.
      expect(SECRET_TOOLS.filter((t) => existsSync(join(model.binDir, t)))).toEqual([]);
      expect(existsSync(join(model.binDir, 'relation-set'))).toBe(true);
      const ca = await EmbeddedCa.create({ keyType: 'rsa' });
      const runs: HookRun[] = [];
      const hook = async (
        name: string,
        options: { relationId?: string; env?: Record<string, string> } = {},
      ) => {
        const result = await juju.hook(name, options);
        expectOk(result);
        runs.push(result);
        return result;
      };
      const certPath = join(h.out, 'server', 'server.crt');
      const keyPath = join(h.out, 'server', 'server.key');
      const caPath = join(h.out, 'ca', 'ca.crt');
      /** openssl: the certificate chains to the CA and holds the key's public key. */
      const pairOk = async (): Promise<void> => {
        expect(await openssl(['verify', '-CAfile', caPath, certPath])).toContain(': OK');
        const certKey = await openssl(['x509', '-noout', '-pubkey', '-in', certPath]);
        expect(await openssl(['pkey', '-pubout', '-in', keyPath])).toBe(certKey);
      };

      await hook('install');
      const rel = model.addRelation('certificates', 'self-signed-certificates');
      model.addRemoteUnit(rel, 'self-signed-certificates/0');
      await hook('certificates-relation-changed', { relationId: rel });
      const [csr1] = csrsOf(model, rel);
      expect(csr1).toBeDefined();
      expect(await ca.answerV4(model, rel)).toMatchObject({ issued: 1, problems: [] });
      await hook('certificates-relation-changed', { relationId: rel });
      await pairOk();
      const key = await readFile(keyPath, 'utf8');
      const first = new X509Certificate(await readFile(certPath, 'utf8'));

      // Before the renewal time the hook-time check does nothing.
      const from = Date.parse(first.validFrom);
      const to = Date.parse(first.validTo);
      await hook('update-status', {
        env: { TLS_CLIENT_TEST_NOW: new Date(from + (to - from) * 0.85).toISOString() },
      });
      expect(csrsOf(model, rel)).toEqual([csr1]);

      // Past it (renewAt 0.9 of the validity): update-status publishes a new CSR for the same key.
      const renew = await hook('update-status', {
        env: { TLS_CLIENT_TEST_NOW: new Date(from + (to - from) * 0.95).toISOString() },
      });
      expect(renew.calls.map((c) => c.tool)).toContain('relation-set');
      const [csr2] = csrsOf(model, rel);
      expect(csr2).toBeDefined();
      expect(csr2).not.toBe(csr1);
      const csrKey = await openssl(['req', '-noout', '-pubkey'], csr2);
      expect(csrKey).toBe(await openssl(['pkey', '-pubout', '-in', keyPath]));
      // Until the new certificate arrives, the old pair stays.
      expect(new X509Certificate(await readFile(certPath, 'utf8')).serialNumber).toBe(first.serialNumber);

      expect(await ca.answerV4(model, rel)).toMatchObject({ issued: 1, removed: 1 });
      const answered = await hook('certificates-relation-changed', { relationId: rel });
      expect(answered.last.result?.renewed).toEqual([{ type: 'server', commonName: 'myapp.internal' }]);
      const renewed = new X509Certificate(await readFile(certPath, 'utf8'));
      expect(renewed.serialNumber).not.toBe(first.serialNumber);
      expect((await readFile(keyPath, 'utf8')).trim()).toBe(key.trim());
      await pairOk();

      // No secret tool was called in any hook (the fake logs every call; a call to a secret tool,
      // absent here, would also have failed its hook), and the fake's secret store stayed empty.
      const tools = runs.flatMap((r) => r.calls.map((c) => c.tool));
      expect(tools.length).toBeGreaterThan(0);
      expect(tools.filter((t) => t.startsWith('secret-'))).toEqual([]);
      expect(model.secrets()).toEqual([]);

      // The operator sees why: renewals are checked on every hook, since the model has no secrets.
      const where = ['--charm-dir', h.charmDir, '--trust-root', h.root];
      const table = await cli(['status', ...where]);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(
        'renewal     by a check in every hook (update-status included): this model has no secrets (Juju 2.9)',
      );
      expect(table.stdout).not.toContain('secret expiry');
      expect(table.stdout).toMatch(/renewal: at \d{4}-\d\d-\d\dT/);
      const json = JSON.parse((await cli(['status', '--json', ...where])).stdout) as TlsClientStatus;
      expect(json.relation.renewalTrigger).toBe('hook-check');
    });

    it('APP mode without secrets: the hook succeeds, the application certificate is a problem, unit certificates still work', async () => {
      h = await createHarness({});
      const base = spec(h.out);
      await h.setSpec({
        ...base,
        requests: [
          ...(base.requests ?? []),
          {
            type: 'application',
            commonName: 'myapp',
            sans: ['myapp.internal'],
            files: { certPath: join(h.out, 'app', 'app.crt'), keyPath: join(h.out, 'app', 'app.key') },
          },
        ],
      });
      const juju = await onJuju29(h);
      const { model } = juju;
      model.setLeader(true);
      const ca = await EmbeddedCa.create({ keyType: 'rsa' });
      expectOk(await juju.hook('install'));
      const rel = model.addRelation('certificates', 'self-signed-certificates');
      model.addRemoteUnit(rel, 'self-signed-certificates/0');
      const first = await juju.hook('certificates-relation-changed', { relationId: rel });
      expectOk(first);
      expect(first.last.problems).toEqual([
        expect.objectContaining({
          code: 'ERR_LAYER_APP_MODE_NEEDS_SECRETS',
          type: 'application',
          commonName: 'myapp',
          severity: 'error',
        }),
      ]);
      expect(first.calls.filter((c) => c.tool.startsWith('secret-'))).toEqual([]);
      expect(model.localAppData(rel)[CSRS]).toBeUndefined();
      expect(csrsOf(model, rel)).toHaveLength(1);
      await ca.answerV4(model, rel);
      const answered = await juju.hook('certificates-relation-changed', { relationId: rel });
      expectOk(answered);
      expect(await readFile(join(h.out, 'server', 'server.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
      expect(existsSync(join(h.out, 'app', 'app.crt'))).toBe(false);
      // The unit log and the CLI say it is the model, not the provider's data.
      expect(
        model
          .logs()
          .filter((l) => l.message.includes('ERR_LAYER_APP_MODE_NEEDS_SECRETS'))
          .map((l) => l.message),
      ).toEqual([
        expect.stringContaining('tls-client: not possible on this model: ERR_LAYER_APP_MODE_NEEDS_SECRETS'),
      ]);
      const table = await cli(['status', '--charm-dir', h.charmDir, '--trust-root', h.root]);
      expect(table.stdout).toContain('not possible on this model');
      expect(table.stdout).toContain('Juju 3.1 or later');
    });
  },
);
