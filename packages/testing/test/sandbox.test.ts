// Safe by default: every hook gets a sandboxed trust root, distro and state directory (or opts out),
// so a test cannot change the host's trust store or write into the charm's source tree.
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeModel, prepareDebianRoot } from '../src/index.js';
import { removeDir, tempDir, writeDispatch } from './helpers.js';

let charmDir: string;
let models: FakeModel[] = [];

beforeEach(async () => {
  charmDir = await tempDir('charm');
  await writeDispatch(
    charmDir,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
    'echo "${TLS_CLIENT_TRUST_ROOT-unset}|${TLS_CLIENT_DISTRO-unset}|${TLS_CLIENT_STATE_DIR-unset}|$JUJU_CHARM_DIR|$PWD"',
  );
});

afterEach(async () => {
  for (const model of models) await model.cleanup();
  models = [];
  await removeDir(charmDir);
});

async function create(options: Partial<Parameters<typeof FakeModel.create>[0]> = {}): Promise<FakeModel> {
  const model = await FakeModel.create({ unit: 'web/0', charmDir, ...options });
  models.push(model);
  return model;
}

describe('the hook sandbox', () => {
  it('gives every hook a prepared Debian trust root, the debian distro and a private state directory', async () => {
    const model = await create();
    const run = await model.runHook('install');
    const trustRoot = join(model.dir, 'trust-root');
    const stateDir = join(model.dir, 'charm-state');
    expect(run.stdout).toBe(`${trustRoot}|debian|${stateDir}|${charmDir}|${charmDir}\n`);
    expect([model.trustRoot, model.stateDir]).toEqual([trustRoot, stateDir]);
    expect(await readFile(join(trustRoot, 'etc/os-release'), 'utf8')).toContain('ID=debian');
    for (const dir of ['etc/ssl/certs', 'usr/local/share/ca-certificates', 'var/lib/tls-client']) {
      expect((await stat(join(trustRoot, dir))).isDirectory()).toBe(true);
    }
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
  });

  it('lets a test opt out of each part, or bring its own', async () => {
    const own = await tempDir('own-root');
    const model = await create({ trustRoot: own, distro: 'alpine', stateDir: false });
    expect((await model.runHook('install')).stdout).toBe(`${own}|alpine|unset|${charmDir}|${charmDir}\n`);
    expect(await readdir(own)).toEqual([]); // a root given by the test is used as it is
    const host = await create({ trustRoot: false, distro: false });
    expect((await host.runHook('install')).stdout).toMatch(/^unset\|unset\|.*charm-state\|/);
    const overridden = await host.runHook('install', { env: { TLS_CLIENT_TRUST_ROOT: own } });
    expect(overridden.stdout.startsWith(`${own}|`)).toBe(true);
    await removeDir(own);
  });

  it('runs hooks in a temporary copy of the charm directory on request, leaving the source tree alone', async () => {
    await writeDispatch(charmDir, 'echo "$JUJU_CHARM_DIR|$PWD"; touch written-by-hook');
    const model = await create({ copyCharmDir: true });
    const run = await model.runHook('install');
    const copy = join(model.dir, 'charm');
    expect(run.stdout).toBe(`${copy}|${copy}\n`);
    expect(existsSync(join(copy, 'written-by-hook'))).toBe(true);
    expect(existsSync(join(charmDir, 'written-by-hook'))).toBe(false);
    await model.cleanup();
    expect(existsSync(copy)).toBe(false);
  });
});

describe('prepareDebianRoot', () => {
  it('lays out a Debian trust store and keeps files that exist', async () => {
    const root = await tempDir('root');
    await writeFile(join(root, 'keep'), 'x');
    await prepareDebianRoot(root);
    await writeFile(join(root, 'etc/ca-certificates.conf'), 'mine\n');
    await prepareDebianRoot(root);
    expect(await readFile(join(root, 'etc/ca-certificates.conf'), 'utf8')).toBe('mine\n');
    expect((await readdir(join(root, 'etc'))).sort()).toEqual([
      'ca-certificates',
      'ca-certificates.conf',
      'os-release',
      'ssl',
    ]);
    await removeDir(root);
  });

  it('refuses "/" and relative paths', async () => {
    await expect(prepareDebianRoot('/')).rejects.toThrow(TypeError);
    await expect(prepareDebianRoot('relative/root')).rejects.toThrow(TypeError);
  });

  it('reports what it cannot create as ERR_TESTING_IO', async () => {
    const root = await tempDir('root');
    await writeFile(join(root, 'etc'), 'a file where a directory belongs');
    await expect(prepareDebianRoot(root)).rejects.toMatchObject({ code: 'ERR_TESTING_IO' });
    await removeDir(root);
  });
});
