import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { TlsClientStatus } from '../src/index.js';
import { createHarness, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { connectAndIssue, standardFiles, standardSpec } from './scenario.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const run = promisify(execFile);

/** Runs the built `tls-client` outside any hook: no JUJU_* variables at all. */
async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)('tls-client CLI (update-ca-certificates found)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('status prints a table and stable JSON; check exits 0 when all is well', async () => {
    const ca = await EmbeddedCa.create();
    h = await createHarness(standardSpec('/placeholder'));
    await h.setSpec(standardSpec(h.out));
    const rel = await connectAndIssue(h, ca);
    const files = standardFiles(h.out);

    const table = await cli(['status', '--charm-dir', h.charmDir]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('myapp/0');
    expect(table.stdout).toContain(rel);
    expect(table.stdout).toMatch(/server\s+myapp\.internal\s+written\s+\d{4}-\d\d-\d\d\s+\d+\s+matches/);
    expect(table.stdout).toContain(`key: ${files.serverKey} 0600`);
    expect(table.stdout).toContain('tls_client.certs.saved');
    expect(table.stdout).not.toMatch(/BEGIN|PRIVATE/);

    const json = await cli(['status', '--json'], { TLS_CLIENT_STATE_DIR: join(h.charmDir, '.tls-client') });
    expect(json.code).toBe(0);
    const status = JSON.parse(json.stdout) as TlsClientStatus;
    expect(status.formatVersion).toBe(1);
    expect(status.unit).toBe('myapp/0');
    expect(status.relation).toEqual({ connected: true, relationIds: [rel], remoteUnits: ['easyrsa/0'] });
    expect(status.ca).toMatchObject({
      name: 'myapp',
      installed: true,
      file: { path: files.caCopy, exists: true },
    });
    const server = status.certificates.find((c) => c.commonName === 'myapp.internal');
    expect(server).toMatchObject({
      type: 'server',
      state: 'written',
      requestedSans: ['myapp.internal', '10.0.0.10'],
      keyMatches: true,
      paths: { cert: files.serverCert, key: files.serverKey },
      problems: [],
    });
    expect(server?.files.find((f) => f.kind === 'key')).toMatchObject({
      mode: '0600',
      uid: process.getuid?.(),
      matchesRecorded: true,
    });
    expect(server?.daysLeft).toBeGreaterThan(300);
    expect(server?.issuer).toContain('Embedded Test CA');

    const check = await cli(['check', '--charm-dir', h.charmDir]);
    expect(check).toMatchObject({ code: 0 });
    expect(check.stdout).toMatch(/^OK: 3 certificates, all good/);
  });

  it('check warns before expiry, fails on expired certificates and readable keys', async () => {
    const soon = await EmbeddedCa.create({ validityDays: 10 });
    h = await createHarness({});
    await h.setSpec(standardSpec(h.out));
    await connectAndIssue(h, soon);
    const files = standardFiles(h.out);

    const warning = await cli(['check', '--charm-dir', h.charmDir]);
    expect(warning.code).toBe(1);
    expect(warning.stdout).toMatch(/^WARNING/);
    expect(warning.stdout).toMatch(/expires in 9 days|expires in 10 days/);
    expect(await cli(['check', '--warn-days', '5', '--charm-dir', h.charmDir])).toMatchObject({ code: 0 });

    await chmod(files.adminKey, 0o644);
    const error = await cli(['check', '--json', '--warn-days', '5', '--charm-dir', h.charmDir]);
    expect(error.code).toBe(2);
    const result = JSON.parse(error.stdout) as {
      level: string;
      findings: { level: string; subject: string }[];
    };
    expect(result.level).toBe('error');
    expect(result.findings).toContainEqual(
      expect.objectContaining({ level: 'error', subject: 'server/admin.myapp.internal' }),
    );
  });

  it('check fails on an expired certificate', async () => {
    const expired = await EmbeddedCa.create({ validityDays: 0 });
    h = await createHarness({});
    await h.setSpec(standardSpec(h.out));
    await connectAndIssue(h, expired);
    const check = await cli(['check', '--charm-dir', h.charmDir]);
    expect(check.code).toBe(2);
    expect(check.stdout).toContain('expired on');
  });

  it('exits 2 with a clear message when there is no state or the arguments are wrong', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tls-client-cli-'));
    try {
      const missing = await cli(['check', '--state-dir', empty]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('ERR_LAYER_STATE_NOT_FOUND');
      const nowhere = await cli(['status']);
      expect(nowhere.code).toBe(2);
      expect(nowhere.stderr).toContain('ERR_LAYER_STATE_NOT_FOUND');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
    expect((await cli([])).code).toBe(2);
    expect((await cli(['frobnicate'])).stderr).toContain('unknown command "frobnicate"');
    expect((await cli(['check', '--warn-days', 'soon'])).stderr).toContain(
      '--warn-days must be a whole number',
    );
    expect((await cli(['status', '--bogus'])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: tls-client');
  });
});
