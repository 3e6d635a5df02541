import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FlagStore } from '@tls-client/flags';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult, TlsClientStatus } from '../src/cli/index.js';
import { STATE_KEY } from '../src/state.js';
import { createHarness, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { connectAndIssue, standardSpec } from './scenario.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const run = promisify(execFile);

/** Runs the built `tls-client` outside any hook, as an operator would. */
async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * Rewrites the committed layer state as a v4 requirer leaves it: the relation's dialect, how
 * renewals are triggered, and per certificate its renewal time, a pending renewal or the
 * provider's request errors. The certificates and files on disk stay the real ones of the hooks.
 */
async function recordV4(h: Harness, edit: (state: Record<string, unknown>) => void): Promise<void> {
  const store = FlagStore.open({ charmDir: h.charmDir });
  const state = structuredClone(store.getValue<Record<string, unknown>>(STATE_KEY));
  expect(state).toBeDefined();
  edit(state!);
  store.setValue(STATE_KEY, state);
  await store.commit();
}

/** A `V4RequestRecord` for a recorded certificate, as the v4 requirer keeps one per request. */
function v4Record(relationId: string, recorded: Record<string, unknown>, fields: Record<string, unknown>) {
  return {
    type: recorded.type,
    commonName: recorded.commonName,
    relationId,
    renewAt: null,
    renewalPending: false,
    keyRotationPending: false,
    notAfter: recorded.notAfter,
    requestErrors: [],
    ...fields,
  };
}

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'tls-client CLI on a v4 unit: renewal and request errors',
  () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it('status shows the dialect per relation, the renewal trigger and each renewal time; check is OK before it', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      await h.setSpec(standardSpec(h.out));
      const rel = await connectAndIssue(h, ca);
      const renewAt = new Date(Date.now() + 300 * 86_400_000).toISOString();
      await recordV4(h, (state) => {
        state.relations = { [rel]: { dialect: 'v4' } };
        state.renewalTrigger = 'secret-expiry';
        const certs = state.certificates as Record<string, Record<string, unknown>>;
        state.v4 = Object.fromEntries(
          Object.entries(certs).map(([id, c]) => [id, v4Record(rel, c, { renewAt })]),
        );
      });
      const where = ['--charm-dir', h.charmDir, '--trust-root', h.root];

      const table = await cli(['status', ...where]);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(`relation    ${rel} (v4); remote units: easyrsa/0`);
      expect(table.stdout).toContain(
        'renewal     by secret expiry (a secret per certificate expires at its renewal time',
      );
      expect(table.stdout).toMatch(
        new RegExp(`renewal: at ${renewAt.replace(/\./g, '\\.')} \\(in (299|300) days\\)`),
      );
      expect(table.stdout).not.toMatch(/PRIVATE|BEGIN/);

      const json = JSON.parse((await cli(['status', '--json', ...where])).stdout) as TlsClientStatus;
      expect(json.relation.dialects).toEqual([{ relationId: rel, dialect: 'v4' }]);
      expect(json.relation.renewalTrigger).toBe('secret-expiry');
      const server = json.certificates.find((c) => c.commonName === 'myapp.internal');
      expect(server).toMatchObject({
        renewAt,
        renewalPending: false,
        renewalOverdue: false,
        requestErrors: [],
      });

      expect(await cli(['check', ...where])).toMatchObject({ code: 0 });
    });

    it('check warns when a renewal is overdue, with the remedy for a published request the provider has not answered', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      await h.setSpec(standardSpec(h.out));
      const rel = await connectAndIssue(h, ca);
      const due = new Date(Date.now() - 3 * 3_600_000).toISOString();
      await recordV4(h, (state) => {
        state.relations = { [rel]: { dialect: 'v4' } };
        state.renewalTrigger = 'hook-check';
        const certs = state.certificates as Record<string, Record<string, unknown>>;
        state.v4 = {
          'server/myapp.internal': v4Record(rel, certs['server/myapp.internal']!, {
            renewAt: due,
            renewalPending: true,
          }),
        };
      });
      const where = ['--charm-dir', h.charmDir, '--trust-root', h.root];

      const check = await cli(['check', '--json', ...where]);
      expect(check.code).toBe(1);
      const result = JSON.parse(check.stdout) as CheckResult;
      expect(result.findings).toEqual([
        expect.objectContaining({
          level: 'warning',
          kind: 'renewal-overdue',
          subject: 'server/myapp.internal',
          message: expect.stringMatching(
            /^renewal overdue: due 3 hours ago \(.*\), no new certificate yet; expires in/,
          ),
          remedy: expect.stringContaining('the provider has not answered'),
        }),
      ]);

      const table = await cli(['status', ...where]);
      expect(table.stdout).toContain(
        'renewal     by a check in every hook (update-status included): this model has no secrets (Juju 2.9)',
      );
      expect(table.stdout).toContain(
        `renewal: OVERDUE since ${due} (3 hours ago); pending: a new request is published`,
      );
      expect(table.stdout).toMatch(/warning server\/myapp\.internal: renewal overdue/);
    });

    it('shows a request the provider refused as refused, with its code, name, message and a remedy; check errors', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      await h.setSpec(standardSpec(h.out));
      const rel = await connectAndIssue(h, ca);
      await recordV4(h, (state) => {
        state.relations = { [rel]: { dialect: 'v4' } };
        const certs = state.certificates as Record<string, Record<string, unknown>>;
        const admin = certs['server/admin.myapp.internal']!;
        delete certs['server/admin.myapp.internal'];
        state.v4 = {
          'server/admin.myapp.internal': v4Record(rel, admin, {
            notAfter: null,
            requestErrors: [
              {
                code: 102,
                name: 'DOMAIN_NOT_ALLOWED',
                message: 'admin.myapp.internal\nis not under example.com',
              },
            ],
          }),
          'client/system:myapp': v4Record(rel, certs['client/system:myapp']!, {
            requestErrors: [{ code: 201, name: 'SERVER_NOT_AVAILABLE', message: 'vault sealed' }],
          }),
        };
      });
      const where = ['--charm-dir', h.charmDir, '--trust-root', h.root];

      const check = await cli(['check', '--json', ...where]);
      expect(check.code).toBe(2);
      const result = JSON.parse(check.stdout) as CheckResult;
      expect(result.findings).toEqual([
        {
          level: 'error',
          kind: 'request-error',
          subject: 'server/admin.myapp.internal',
          message:
            'the provider refused the request: 102 DOMAIN_NOT_ALLOWED: admin.myapp.internal is not under example.com; not retried until the request changes',
          remedy: expect.stringContaining("outside the provider's allowed domains"),
          code: 'DOMAIN_NOT_ALLOWED',
        },
        {
          level: 'warning',
          kind: 'request-error',
          subject: 'client/system:myapp',
          message: 'the provider refused the renewal: 201 SERVER_NOT_AVAILABLE: vault sealed',
          remedy: expect.stringContaining('the layer asks again on later hooks'),
          code: 'SERVER_NOT_AVAILABLE',
        },
      ]);

      const table = await cli(['status', ...where]);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/server\s+admin\.myapp\.internal\s+refused \(DOMAIN_NOT_ALLOWED\)/);
      expect(table.stdout).toContain('request error: 201 SERVER_NOT_AVAILABLE: vault sealed (retried)');
      expect(table.stdout).toContain("remedy: a DNS name is outside the provider's allowed domains");
    });
  },
);
