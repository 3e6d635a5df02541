import { execFile } from 'node:child_process';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FlagStore } from '@tls-client/flags';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult, CliErrorOutput, TlsClientStatus } from '../src/cli/index.js';
import { createHarness, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { connectAndIssue, expectOk, standardFiles, standardSpec } from './scenario.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const run = promisify(execFile);
const LEGEND = 'exit codes: 0 = ok, 1 = warnings, 2 = errors';

/** Runs the built `tls-client` outside any hook: no JUJU_* variables at all. */
async function cli(
  args: string[],
  env: Record<string, string> = {},
  as: { uid?: number; gid?: number } = {},
) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      ...as,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every file and directory under `dir` with its inode, size, mode and mtime: proof nothing was written. */
async function tree(dir: string): Promise<string[]> {
  const rows: string[] = [];
  const walk = async (d: string) => {
    for (const name of (await readdir(d)).sort()) {
      const p = join(d, name);
      const s = await lstat(p);
      rows.push(`${p} ${s.ino} ${s.size} ${s.mode} ${s.mtimeMs}`);
      if (s.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return rows;
}

const NOBODY = { uid: 65534, gid: 65534 };
/** Whether this test (as root) can run the built CLI as nobody: the checkout must be readable to them. */
const nobodyCanRunCli = await (async () => {
  if (process.getuid?.() !== 0) return false;
  try {
    await run(process.execPath, ['-e', `require('fs').readFileSync(${JSON.stringify(CLI)})`], NOBODY);
    return true;
  } catch {
    return false;
  }
})();

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const anchorPath = (h: Harness) => join(h.root, 'usr', 'local', 'share', 'ca-certificates', 'myapp.crt');

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

    const table = await cli(['status', '--charm-dir', h.charmDir, '--trust-root', h.root]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('myapp/0');
    expect(table.stdout).toContain(rel);
    expect(table.stdout).toMatch(
      /server\s+myapp\.internal\s+written\s+\d{4}-\d\d-\d\d\s+expires in 36\d days\s+matches/,
    );
    expect(table.stdout).toMatch(new RegExp(`key: ${escapeRegExp(files.serverKey)}( -> \\S+)? 0600`));
    expect(table.stdout).toContain(`myapp: trusted (anchor ${anchorPath(h)})`);
    expect(table.stdout).toContain('tls_client.certs.saved');
    expect(table.stdout).toContain(`check       OK (exit 0; ${LEGEND})`);
    expect(table.stdout).not.toMatch(/BEGIN|PRIVATE/);

    const json = await cli(['status', '--json'], {
      TLS_CLIENT_STATE_DIR: join(h.charmDir, '.tls-client'),
      TLS_CLIENT_TRUST_ROOT: h.root,
    });
    expect(json.code).toBe(0);
    const status = JSON.parse(json.stdout) as TlsClientStatus;
    expect(status.formatVersion).toBe(1);
    expect(status.unit).toBe('myapp/0');
    expect(status.relation).toMatchObject({
      connected: true,
      relationIds: [rel],
      remoteUnits: ['easyrsa/0'],
    });
    expect(status.ca).toMatchObject({
      name: 'myapp',
      installed: true,
      file: { path: files.caCopy, exists: true },
      anchor: {
        state: 'trusted',
        recordPath: join(h.root, 'var', 'lib', 'tls-client', 'ca-installer.json'),
        files: [{ path: anchorPath(h), exists: true }],
        error: null,
      },
    });
    const server = status.certificates.find((c) => c.commonName === 'myapp.internal');
    expect(server).toMatchObject({
      type: 'server',
      state: 'written',
      rejectionCode: null,
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

    const check = await cli(['check', '--charm-dir', h.charmDir, '--trust-root', h.root]);
    expect(check).toMatchObject({ code: 0 });
    expect(check.stdout).toBe(`OK: 3 certificates, all good (exit 0; ${LEGEND})\n`);
  });

  it('check warns before expiry, fails on readable keys, and gives each finding a remedy', async () => {
    const soon = await EmbeddedCa.create({ validityDays: 10 });
    h = await createHarness({});
    await h.setSpec(standardSpec(h.out));
    await connectAndIssue(h, soon);
    const files = standardFiles(h.out);
    const where = ['--charm-dir', h.charmDir, '--trust-root', h.root];

    const warning = await cli(['check', ...where]);
    expect(warning.code).toBe(1);
    expect(warning.stdout).toMatch(/^WARNING: 3 certificates, 3 findings \(exit 1; exit codes: 0 = ok/);
    expect(warning.stdout).toMatch(/expires in (9|10) days/);
    expect(warning.stdout).toMatch(
      /\n {10}remedy: make sure the provider renews it before \d{4}-\d\d-\d\d\n/,
    );
    expect(await cli(['check', '--warn-days', '5', ...where])).toMatchObject({ code: 0 });

    await chmod(files.adminKey, 0o644);
    const error = await cli(['check', '--json', '--warn-days', '5', ...where]);
    expect(error.code).toBe(2);
    const result = JSON.parse(error.stdout) as CheckResult;
    expect(result.level).toBe('error');
    expect(result.exitCode).toBe(2);
    expect(result.findings).toEqual([
      {
        level: 'error',
        kind: 'key-readable',
        subject: 'server/admin.myapp.internal',
        message: `key file ${files.adminKey} is readable by others (mode 0644)`,
        remedy: `run chmod o-rwx ${files.adminKey} now (the next hook restores the configured mode), then find what widened it`,
        code: null,
      },
    ]);
  });

  it('check fails on an expired certificate, and status says plainly how long ago it expired', async () => {
    const expired = await EmbeddedCa.create({ validityDays: -2 });
    h = await createHarness({});
    await h.setSpec(standardSpec(h.out));
    await connectAndIssue(h, expired);
    const where = ['--charm-dir', h.charmDir, '--trust-root', h.root];

    const check = await cli(['check', ...where]);
    expect(check.code).toBe(2);
    expect(check.stdout).toMatch(/error {3}server\/myapp\.internal: expired 2 days ago \(\d{4}-/);
    expect(check.stdout).toContain('remedy: have the provider renew it');

    const table = await cli(['status', ...where]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/server\s+myapp\.internal\s+written\s+\d{4}-\d\d-\d\d\s+expired 2 days ago/);
    expect(table.stdout).toContain(`check       ERROR (exit 2; ${LEGEND})`);
  });

  it('verifies the trust anchor on disk: a deleted or replaced anchor is an error, and the CLI writes nothing', async () => {
    const ca = await EmbeddedCa.create();
    h = await createHarness({});
    const spec = standardSpec(h.out);
    await h.setSpec(spec);
    await connectAndIssue(h, ca);
    const where = ['--charm-dir', h.charmDir, '--trust-root', h.root];
    expect((await cli(['check', ...where])).code).toBe(0);

    await rm(anchorPath(h));
    const before = [...(await tree(h.root)), ...(await tree(h.charmDir))];
    const table = await cli(['status', ...where]);
    expect(table.stdout).toContain(`myapp: NOT TRUSTED: anchor MISSING (${anchorPath(h)})`);
    expect(table.stdout).not.toContain('installed in the trust store');
    const status = JSON.parse((await cli(['status', '--json', ...where])).stdout) as TlsClientStatus;
    expect(status.ca.anchor).toMatchObject({
      state: 'missing',
      files: [{ path: anchorPath(h), exists: false }],
    });
    const check = await cli(['check', '--json', ...where]);
    expect(check.code).toBe(2);
    expect((JSON.parse(check.stdout) as CheckResult).findings).toEqual([
      expect.objectContaining({
        level: 'error',
        kind: 'anchor-missing',
        subject: 'ca',
        remedy: expect.stringContaining('the next hook of the charm reinstalls it'),
      }),
    ]);
    // Only read: the anchor stays missing, and no file or directory changed.
    expect([...(await tree(h.root)), ...(await tree(h.charmDir))]).toEqual(before);

    // The remedy holds: the next hook reinstalls it.
    expectOk(await h.hook('update-status'));
    expect((await cli(['check', ...where])).code).toBe(0);

    // Other bytes under our name (here another CA) are not the CA we installed.
    await writeFile(anchorPath(h), (await EmbeddedCa.create({ commonName: 'Impostor CA' })).caPem);
    const changed = await cli(['check', '--json', ...where]);
    expect(changed.code).toBe(2);
    expect((JSON.parse(changed.stdout) as CheckResult).findings).toEqual([
      expect.objectContaining({ level: 'error', kind: 'anchor-changed', subject: 'ca' }),
    ]);
  });

  it('reads certificate paths that are symlinks into a versioned directory (an atomic pair swap)', async () => {
    const ca = await EmbeddedCa.create();
    h = await createHarness({});
    await h.setSpec(standardSpec(h.out));
    await connectAndIssue(h, ca);
    const files = standardFiles(h.out);
    if (!(await lstat(files.serverCert)).isSymbolicLink()) {
      // A layer that writes regular files: lay the pair out as an atomic swap would.
      const versioned = join(h.out, 'server', '..2026_12_01_v1');
      await mkdir(versioned);
      for (const name of ['server.crt', 'server.key']) {
        await rename(join(h.out, 'server', name), join(versioned, name));
        await symlink(join('..2026_12_01_v1', name), join(h.out, 'server', name));
      }
    }
    const [certTarget, keyTarget] = [await realpath(files.serverCert), await realpath(files.serverKey)];
    expect(dirname(certTarget)).not.toBe(join(h.out, 'server'));
    const where = ['--charm-dir', h.charmDir, '--trust-root', h.root];

    const status = JSON.parse((await cli(['status', '--json', ...where])).stdout) as TlsClientStatus;
    const server = status.certificates.find((c) => c.commonName === 'myapp.internal');
    expect(server).toMatchObject({ state: 'written', keyMatches: true, subject: 'CN=myapp.internal' });
    expect(server?.files).toEqual([
      expect.objectContaining({
        kind: 'cert',
        path: files.serverCert,
        resolvedPath: certTarget,
        matchesRecorded: true,
      }),
      expect.objectContaining({
        kind: 'key',
        path: files.serverKey,
        resolvedPath: keyTarget,
        mode: '0600',
        matchesRecorded: true,
      }),
    ]);
    const table = await cli(['status', ...where]);
    expect(table.stdout).toContain(`key: ${files.serverKey} -> ${keyTarget} 0600`);
    expect((await cli(['check', ...where])).code).toBe(0);

    // A dangling link is a missing file.
    await rm(keyTarget);
    const check = JSON.parse((await cli(['check', '--json', ...where])).stdout) as CheckResult;
    expect(check.findings).toContainEqual(
      expect.objectContaining({ level: 'error', kind: 'file-missing', subject: 'server/myapp.internal' }),
    );
  });

  it('shows a request blocked by rejected provider data as rejected, with the code, not pending', async () => {
    const ca = await EmbeddedCa.create();
    h = await createHarness({});
    const files = standardFiles(h.out);
    await h.setSpec(standardSpec(h.out));
    expectOk(await h.hook('install'));
    const rel = h.model.addRelation('certificates', 'easyrsa');
    h.model.addRemoteUnit(rel, 'easyrsa/0');
    expectOk(await h.hook('certificates-relation-joined', { relationId: rel }));
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    await ca.answer(h.model, rel, { fault: 'mismatched-key' });
    expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
    const where = ['--charm-dir', h.charmDir, '--trust-root', h.root];

    const status = JSON.parse((await cli(['status', '--json', ...where])).stdout) as TlsClientStatus;
    expect(status.certificates.map((c) => [c.commonName, c.state, c.rejectionCode])).toEqual([
      ['myapp.internal', 'rejected', 'ERR_CERT_WRITER_KEY_MISMATCH'],
      ['admin.myapp.internal', 'rejected', 'ERR_CERT_WRITER_KEY_MISMATCH'],
      ['system:myapp', 'rejected', 'ERR_CERT_WRITER_KEY_MISMATCH'],
    ]);
    await expect(readFile(files.serverKey)).rejects.toMatchObject({ code: 'ENOENT' });

    const table = await cli(['status', ...where]);
    expect(table.stdout).toMatch(/server\s+myapp\.internal\s+rejected \(ERR_CERT_WRITER_KEY_MISMATCH\)/);
    expect(table.stdout).not.toMatch(/\bpending\b/);
    expect(table.stdout).toContain(`key: ${files.serverKey} (not written yet)`);

    const check = await cli(['check', ...where]);
    expect(check.code).toBe(2);
    expect(check.stdout).toContain(
      "error   server/myapp.internal: never written: the provider's answer was rejected (ERR_CERT_WRITER_KEY_MISMATCH)\n" +
        '          remedy: the provider published a key that does not belong to the certificate: have it re-issue the certificate\n',
    );
    expect(check.stdout).not.toMatch(/BEGIN|PRIVATE/);
  });

  it('runs on the unit as `juju exec` runs it: from the charm directory, with bin/tls-client', async () => {
    const ca = await EmbeddedCa.create();
    h = await createHarness({});
    await h.setSpec(standardSpec(h.out));
    await connectAndIssue(h, ca);
    // What the packed charm ships: bin/tls-client running the CLI on the charm's node.
    await mkdir(join(h.charmDir, 'bin'), { recursive: true });
    await writeFile(
      join(h.charmDir, 'bin', 'tls-client'),
      `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`,
      { mode: 0o755 },
    );
    // juju exec runs the command in the charm directory, with JUJU_CHARM_DIR set: no option needed.
    const exec = await h.model.runHook('juju-exec', {
      command: ['bin/tls-client', 'check'],
      env: h.env,
    });
    expect(exec.stderr).toBe('');
    expect(exec.stdout).toBe(`OK: 3 certificates, all good (exit 0; ${LEGEND})\n`);
    expect(exec.exitCode).toBe(0);
  });
});

describe('tls-client CLI without an answer', () => {
  let empty: string;
  afterEach(async () => {
    await rm(empty, { recursive: true, force: true });
  });

  it('--json always prints one JSON error object on stdout, for every way it cannot answer', async () => {
    empty = await mkdtemp(join(tmpdir(), 'tls-client-cli-'));
    const corrupt = join(empty, 'corrupt');
    await mkdir(corrupt);
    await writeFile(join(corrupt, 'flags.json'), '{ not json');
    const cases: [string[], string][] = [
      [['check', '--json', '--state-dir', empty], 'ERR_LAYER_STATE_NOT_FOUND'],
      [['status', '--json', '--state-dir', empty], 'ERR_LAYER_STATE_NOT_FOUND'],
      [['status', '--json'], 'ERR_LAYER_STATE_NOT_FOUND'],
      [['check', '--json', '--state-dir', corrupt], 'ERR_LAYER_STATE_FAILED'],
      [['--json'], 'ERR_LAYER_CLI_USAGE'],
      [['frobnicate', '--json'], 'ERR_LAYER_CLI_USAGE'],
      [['status', '--json', '--bogus'], 'ERR_LAYER_CLI_USAGE'],
      [['check', '--json', '--warn-days', 'soon'], 'ERR_LAYER_CLI_USAGE'],
      [['check', '--json', '--trust-root', 'relative/dir'], 'ERR_LAYER_CLI_USAGE'],
      [['status', 'extra', '--json'], 'ERR_LAYER_CLI_USAGE'],
    ];
    for (const [args, code] of cases) {
      const result = await cli(args, { TLS_CLIENT_STATE_DIR: '' });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toBe('');
      const output = JSON.parse(result.stdout) as CliErrorOutput;
      expect(output, args.join(' ')).toEqual({
        ok: false,
        error: { code, message: expect.any(String), path: output.error.path },
      });
      expect(output.error.path === null || typeof output.error.path === 'string').toBe(true);
    }
    const missing = JSON.parse(
      (await cli(['check', '--json', '--state-dir', empty])).stdout,
    ) as CliErrorOutput;
    expect(missing.error.path).toBe(join(empty, 'flags.json'));
  });

  it('without --json, says what is wrong on stderr with the code, and exits 2', async () => {
    empty = await mkdtemp(join(tmpdir(), 'tls-client-cli-'));
    const missing = await cli(['check', '--state-dir', empty]);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/^tls-client: ERR_LAYER_STATE_NOT_FOUND: no tls-client state at /);
    expect((await cli([])).code).toBe(2);
    expect((await cli(['frobnicate'])).stderr).toContain('unknown command "frobnicate"');
    expect((await cli(['check', '--warn-days', 'soon'])).stderr).toContain(
      '--warn-days must be a whole number',
    );
    expect((await cli(['status', '--bogus'])).code).toBe(2);
  });

  it.skipIf(!nobodyCanRunCli)(
    'tells a user who cannot read the state to run it as root (needs root, and a checkout nobody can read)',
    async () => {
      empty = await mkdtemp(join(tmpdir(), 'tls-client-cli-'));
      await chmod(empty, 0o755);
      const store = FlagStore.open({ charmDir: empty });
      store.set('certificates.available');
      await store.commit();
      const result = await cli(['check', '--json', '--charm-dir', empty], {}, NOBODY);
      expect(result.code).toBe(2);
      expect(JSON.parse(result.stdout)).toEqual({
        ok: false,
        error: {
          code: 'ERR_LAYER_STATE_FAILED',
          message: expect.stringContaining('run tls-client as root, as juju exec does'),
          path: join(empty, '.tls-client', 'flags.json'),
        },
      });
    },
  );

  it('prints help with the exit-code legend as a legend', async () => {
    empty = await mkdtemp(join(tmpdir(), 'tls-client-cli-'));
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: tls-client');
    expect(help.stdout).toContain(LEGEND);
    expect(help.stdout).not.toMatch(/0 ok, 1 warning, 2 error/);
    // --json means JSON, even for help.
    const json = await cli(['--help', '--json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { usage: string }).usage).toContain(LEGEND);
  });
});
