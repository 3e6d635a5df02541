import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CharmPackError, checkCharm, packCharm, readZip, runCli, unpackCharm } from '../src/index.js';
import { makeProject } from './helpers.js';

const dirs: string[] = [];
const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function refusal(project: string, options: Parameters<typeof packCharm>[1] = {}) {
  const out = temp('charm-pack-out-');
  let caught: unknown;
  try {
    await packCharm(project, { ...options, outDir: out });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CharmPackError);
  // Nothing written, not even a temp file.
  expect(readdirSync(out)).toEqual([]);
  return caught as CharmPackError;
}

describe('packCharm refuses bad input, naming the file, and writes nothing', () => {
  it('a charm folder without metadata.yaml', async () => {
    const project = makeProject({ 'metadata.yaml': null });
    dirs.push(project);
    const error = await refusal(project);
    expect(error.code).toBe('ERR_CHARM_PACK_MISSING_FILE');
    expect(error.message).toContain(join(project, 'metadata.yaml'));
  });

  it.each(['name', 'summary', 'description'])('metadata without %s', async (field) => {
    const lines = { name: 'name: tiny', summary: 'summary: Tiny.', description: 'description: Tiny charm.' };
    const text = Object.entries(lines)
      .filter(([k]) => k !== field)
      .map(([, l]) => l)
      .join('\n');
    const project = makeProject({ 'metadata.yaml': `${text}\n` });
    dirs.push(project);
    const error = await refusal(project);
    expect(error.code).toBe('ERR_CHARM_PACK_INVALID_METADATA');
    expect(error.message).toContain(join(project, 'metadata.yaml'));
    expect(error.message).toContain(`has no ${field}`);
  });

  it('metadata with series', async () => {
    const project = makeProject({
      'metadata.yaml': 'name: tiny\nsummary: s\ndescription: d\nseries: [jammy]\n',
    });
    dirs.push(project);
    const error = await refusal(project);
    expect(error.message).toMatch(/metadata\.yaml has "series"/);
  });

  it('an entry module that does not exist', async () => {
    const project = makeProject();
    dirs.push(project);
    const error = await refusal(project, { entry: 'src/missing.ts' });
    expect(error.code).toBe('ERR_CHARM_PACK_MISSING_FILE');
    expect(error.message).toContain(join(project, 'src/missing.ts'));
  });

  it('a bundle that still has an unresolved import', async () => {
    const project = makeProject({
      'src/hook.ts': "import 'no-such-package-anywhere';\nexport const hookName = () => 'x';\n",
    });
    dirs.push(project);
    const error = await refusal(project);
    expect(error.code).toBe('ERR_CHARM_PACK_BUNDLE_FAILED');
    expect(error.message).toContain('no-such-package-anywhere');
    expect(error.message).toContain('src/charm.ts');
  });

  it('test tooling reaching the bundle (the fake Juju and its throwaway CA)', async () => {
    const project = makeProject({
      'src/hook.ts':
        "import { FakeModel } from '@tls-client/testing';\nexport const hookName = () => String(FakeModel);\n",
      'node_modules/@tls-client/testing/package.json':
        '{ "name": "@tls-client/testing", "version": "1.0.0", "main": "index.js" }\n',
      'node_modules/@tls-client/testing/index.js': 'module.exports = { FakeModel: {} };\n',
    });
    dirs.push(project);
    const error = await refusal(project);
    expect(error.code).toBe('ERR_CHARM_PACK_BUNDLE_FAILED');
    expect(error.message).toContain('node_modules/@tls-client/testing/index.js (@tls-client/testing)');
  });

  it('an unknown architecture', async () => {
    const project = makeProject();
    dirs.push(project);
    const error = await refusal(project, { architectures: ['amd64', 'sparc'] });
    expect(error.code).toBe('ERR_CHARM_PACK_UNKNOWN_ARCHITECTURE');
    expect(error.message).toContain('"sparc"');
    expect(error.message).toContain(join(project, 'metadata.yaml'));
  });
});

describe('packCharm', () => {
  let project: string;
  let first: Awaited<ReturnType<typeof packCharm>>;
  let second: Awaited<ReturnType<typeof packCharm>>;

  beforeAll(async () => {
    project = makeProject({ 'actions.yaml': 'greet:\n  description: Says hello.\n' });
    dirs.push(project);
    first = await packCharm(project, { outDir: temp('charm-pack-a-') });
    second = await packCharm(project, { outDir: temp('charm-pack-b-') });
  }, 300_000);

  it('writes <name>_<arch>.charm, and the same inputs give the same bytes', () => {
    expect(first.charms.map((c) => c.path.split('/').pop())).toEqual(['tiny_amd64.charm']);
    expect(second.charms[0]!.sha256).toBe(first.charms[0]!.sha256);
    const bytes = readFileSync(first.charms[0]!.path);
    expect(bytes.equals(readFileSync(second.charms[0]!.path))).toBe(true);
  });

  it('keeps a dynamic import lazy, as a chunk inside the charm', () => {
    expect(first.bundle.map((b) => b.path)).toEqual([
      'lib/charm.mjs',
      expect.stringMatching(/^lib\/lazy-[\w-]+\.mjs$/),
    ]);
  });

  it('writes Unix modes: 0755 for dispatch and bin/node, 0644 for the rest, no folder or symlink', async () => {
    const zip = await readZip(readFileSync(first.charms[0]!.path));
    const modes = Object.fromEntries(
      zip.entries.map((e) => [e.path, [e.creator, e.kind, e.mode.toString(8)]]),
    );
    zip.close();
    expect(modes).toEqual({
      'bin/node': [3, 'file', '755'],
      'bin/node.LICENSE': [3, 'file', '644'],
      'actions.yaml': [3, 'file', '644'],
      'config.yaml': [3, 'file', '644'],
      dispatch: [3, 'file', '755'],
      'lib/charm.mjs': [3, 'file', '644'],
      [first.bundle[1]!.path]: [3, 'file', '644'],
      'manifest.yaml': [3, 'file', '644'],
      'metadata.yaml': [3, 'file', '644'],
    });
  });

  it('writes modes zipinfo reads as Unix ones', (context) => {
    const run = spawnSync('zipinfo', [first.charms[0]!.path], { encoding: 'utf8' });
    if (run.error) {
      context.skip('zipinfo is not installed (apt-get install unzip)');
      return;
    }
    expect(run.stdout).toMatch(/^-rwxr-xr-x .* unx .* dispatch$/m);
    expect(run.stdout).toMatch(/^-rwxr-xr-x .* unx .* bin\/node$/m);
    expect(run.stdout).toMatch(/^-rw-r--r-- .* unx .* metadata\.yaml$/m);
  });

  it('passes the checker: bases ubuntu 22.04 and 24.04 for amd64', async () => {
    const result = await checkCharm(first.charms[0]!.path);
    expect(result.faults).toEqual([]);
    expect(result.name).toBe('tiny');
    expect(result.architectures).toEqual(['amd64']);
    const manifest = spawnSync('unzip', ['-p', first.charms[0]!.path, 'manifest.yaml'], { encoding: 'utf8' });
    if (!manifest.error) {
      expect(manifest.stdout).toContain("channel: '22.04'");
      expect(manifest.stdout).toContain("channel: '24.04'");
    }
  });

  it('unpacks into a charm that runs on its own Node, with no node_modules', async () => {
    const dir = join(temp('charm-pack-run-'), 'charm');
    await unpackCharm(first.charms[0]!.path, dir);
    expect(statSync(join(dir, 'dispatch')).mode & 0o777).toBe(0o755);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const run = spawnSync(join(dir, 'dispatch'), [], {
      cwd: dir,
      env: { PATH: '/nonexistent', JUJU_CHARM_DIR: dir, JUJU_DISPATCH_PATH: 'hooks/install' },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readFileSync(join(dir, 'ran.txt'), 'utf8')).toBe('hook install on node v24.22.3\n');
  });

  it('prints the path of each .charm as the last lines of the CLI output', async () => {
    const out = temp('charm-pack-cli-');
    let stdout = '';
    let stderr = '';
    const code = await runCli([project, '--out', out], {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    });
    expect(code, stderr).toBe(0);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(join(out, 'tiny_amd64.charm'));
    expect(stderr).toContain('sha256');
  });

  it('derives JUJU_DISPATCH_PATH from the name it was run as, for agents before 2.8', async () => {
    const dir = join(temp('charm-pack-old-'), 'charm');
    await unpackCharm(first.charms[0]!.path, dir);
    const hooks = join(dir, 'hooks');
    spawnSync('mkdir', [hooks]);
    spawnSync('cp', ['-p', join(dir, 'dispatch'), join(hooks, 'start')]);
    const run = spawnSync(join(hooks, 'start'), [], {
      cwd: dir,
      env: { JUJU_CHARM_DIR: dir },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(readFileSync(join(dir, 'ran.txt'), 'utf8')).toMatch(/^hook start /);
  });
});
