import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaInstaller, CaInstallerError } from '../src/index.js';
// Internal: the runner's capping and redaction are checked directly.
import { redactTail } from '../src/run-update-command.js';
import { makeCa, tempDir, writeStub } from './helpers.js';

async function setup(body: string, options: { timeoutMs?: number } = {}) {
  const dir = await tempDir();
  const bin = join(dir, 'bin');
  const stub = await writeStub(bin, 'update-ca-certificates', body);
  const root = join(dir, 'root');
  // The stub comes first; /usr/bin and /bin give its body `sleep` and friends.
  const installer = new CaInstaller({
    root,
    distro: 'suse',
    env: { PATH: `${bin}:/usr/bin:/bin` },
    ...options,
  });
  const ca = await makeCa(dir, 'Runner CA');
  return { dir, bin, stub, root, installer, ca };
}

describe('update command failures', () => {
  it('carries the command, exit code and stderr of a non-zero exit, and owes the update', async () => {
    const t = await setup("echo 'p11-kit: could not extract' >&2; exit 4");
    const error = await t.installer.install('app', t.ca.pem).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaInstallerError);
    expect(error).toMatchObject({
      code: 'ERR_CA_INSTALLER_UPDATE_FAILED',
      command: ['update-ca-certificates'],
      exitCode: 4,
      stderr: 'p11-kit: could not extract\n',
    });
    expect((error as Error).message).toContain('exited with code 4');
    expect(await t.installer.isUpdateOwed()).toBe(true);
  });

  it('reports a command that is not on PATH as ERR_CA_INSTALLER_UPDATE_NOT_FOUND, and retries later', async () => {
    const dir = await tempDir();
    const bin = join(dir, 'bin');
    const root = join(dir, 'root');
    const ca = await makeCa(dir, 'Missing CA');
    const installer = new CaInstaller({ root, distro: 'rhel', env: { PATH: bin } });
    await expect(installer.install('app', ca.pem)).rejects.toMatchObject({
      code: 'ERR_CA_INSTALLER_UPDATE_NOT_FOUND',
      command: ['update-ca-trust', 'extract'],
    });
    const stub = await writeStub(bin, 'update-ca-trust');
    expect(await installer.install('app', ca.pem)).toMatchObject({ changed: false, updateRan: true });
    expect(await stub.calls()).toEqual([['extract']]);
  });

  it('kills the whole process group after timeoutMs and reports ERR_CA_INSTALLER_UPDATE_TIMEOUT', async () => {
    // The tool starts a child that would write a marker after 3 s; killing the group prevents it.
    const t = await setup(`(sleep 3; : > "$STUB_DIR/child-survived") & sleep 30`, { timeoutMs: 300 });
    const started = Date.now();
    const error = await t.installer.install('app', t.ca.pem).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_CA_INSTALLER_UPDATE_TIMEOUT', signal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(20_000);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(existsSync(join(t.bin, 'child-survived'))).toBe(false);
    expect(await t.installer.isUpdateOwed()).toBe(true);
  });

  it('retries a failed uninstall update on the next call', async () => {
    const t = await setup(
      'if [ -e "$STUB_DIR/fail" ]; then rm "$STUB_DIR/fail"; echo "E: locked" >&2; exit 1; fi',
    );
    await t.installer.install('app', t.ca.pem);
    await writeFile(join(t.bin, 'fail'), '');
    await expect(t.installer.uninstall('app')).rejects.toMatchObject({
      code: 'ERR_CA_INSTALLER_UPDATE_FAILED',
      exitCode: 1,
      stderr: 'E: locked\n',
    });
    expect(await t.installer.list()).toEqual([]);
    expect(await t.installer.isUpdateOwed()).toBe(true);
    // Nothing left to remove, but the update is owed: the next call runs it.
    expect(await t.installer.uninstall('app')).toEqual({ name: 'app', removed: [], updateRan: true });
    expect(await t.installer.applyPendingUpdate()).toBe(false);
    expect((await t.stub.calls()).length).toBe(3);
  });

  it('reports a command killed by a signal', async () => {
    const t = await setup('kill -TERM $$');
    await expect(t.installer.install('app', t.ca.pem)).rejects.toMatchObject({
      code: 'ERR_CA_INSTALLER_UPDATE_FAILED',
      signal: 'SIGTERM',
      exitCode: undefined,
    });
  });

  it('runs the command without a shell: arguments are never interpreted', async () => {
    const dir = await tempDir();
    const bin = join(dir, 'bin');
    const stub = await writeStub(bin, 'update-ca-certificates');
    // A root with shell metacharacters reaches the tool as one literal argument.
    const root = join(dir, 'root $(touch pwned); `x`');
    const ca = await makeCa(dir, 'Literal CA');
    await new CaInstaller({ root, distro: 'debian', updateCommand: stub.path }).install('app', ca.pem);
    const [args] = await stub.calls();
    expect(args?.[1]).toBe(join(root, 'etc/ca-certificates.conf'));
    expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false);
  });

  it('passes the configured environment to the command', async () => {
    const t = await setup('printf %s "$TLS_CLIENT_TRUST_ROOT" > "$STUB_DIR/seen-root"');
    const installer = new CaInstaller({
      distro: 'suse',
      env: { PATH: t.bin, TLS_CLIENT_TRUST_ROOT: t.root },
    });
    await installer.install('app', t.ca.pem);
    expect(await readFile(join(t.bin, 'seen-root'), 'utf8')).toBe(t.root);
    expect(installer.root).toBe(t.root);
  });
});

describe('redactTail', () => {
  it('replaces PEM bodies and keeps only the end of long output', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBsecretbody\n-----END CERTIFICATE-----';
    expect(redactTail(`before ${pem} after`)).toBe('before [PEM CERTIFICATE redacted] after');
    expect(redactTail('-----BEGIN PRIVATE KEY-----\nMIIEtruncated')).toBe('[PEM PRIVATE KEY redacted]');
    const long = redactTail(`${'a'.repeat(5000)}END`);
    expect(long.length).toBe(2048);
    expect(long.endsWith('END')).toBe(true);
  });
});

describe('the record file', () => {
  it('is a typed error when corrupt, naming its path, and nothing is written', async () => {
    const t = await setup('exit 0');
    await mkdir(join(t.root, 'var/lib/tls-client'), { recursive: true });
    await writeFile(t.installer.recordPath, '{"version": 1, "owed": "maybe"');
    await expect(t.installer.install('app', t.ca.pem)).rejects.toMatchObject({
      code: 'ERR_CA_INSTALLER_RECORD_CORRUPT',
      path: t.installer.recordPath,
    });
    await writeFile(t.installer.recordPath, '{"version": 1, "owed": "maybe", "entries": {}}');
    await expect(t.installer.list()).rejects.toMatchObject({ code: 'ERR_CA_INSTALLER_RECORD_CORRUPT' });
    expect(await t.stub.calls()).toEqual([]);
  });

  it('never deletes a file a hand-edited record points outside the anchor directory', async () => {
    const t = await setup('exit 0');
    await t.installer.install('app', t.ca.pem);
    const victim = join(t.dir, 'victim.txt');
    await writeFile(victim, 'keep me');
    const record = JSON.parse(await readFile(t.installer.recordPath, 'utf8'));
    record.entries.app.files.push({ path: victim, sha256: '0'.repeat(64) });
    await writeFile(t.installer.recordPath, JSON.stringify(record));
    const result = await t.installer.uninstall('app');
    expect(result.removed).toEqual([join(t.root, 'etc/pki/trust/anchors/app.crt')]);
    expect(await readFile(victim, 'utf8')).toBe('keep me');
  });

  it('rejects a record holding a name that could never be installed', async () => {
    const t = await setup('exit 0');
    await mkdir(join(t.root, 'var/lib/tls-client'), { recursive: true });
    await writeFile(
      t.installer.recordPath,
      JSON.stringify({ version: 1, owed: 'none', entries: { '../x': {} } }),
    );
    await expect(t.installer.list()).rejects.toMatchObject({ code: 'ERR_CA_INSTALLER_RECORD_CORRUPT' });
  });

  it('can be kept elsewhere with recordPath', async () => {
    const t = await setup('exit 0');
    const recordPath = join(t.dir, 'state', 'cas.json');
    const installer = new CaInstaller({ root: t.root, distro: 'suse', env: { PATH: t.bin }, recordPath });
    await installer.install('app', t.ca.pem);
    expect(JSON.parse(await readFile(recordPath, 'utf8')).entries.app).toBeDefined();
    expect(existsSync(join(t.root, 'var/lib/tls-client/ca-installer.json'))).toBe(false);
  });
});
