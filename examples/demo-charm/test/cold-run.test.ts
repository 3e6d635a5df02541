import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packCharm, unpackCharm } from '@tls-client/charm-pack';
import { EmbeddedCa, FakeModel, type HookRun, prepareDebianRoot } from '@tls-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARM_SOURCE, unitNetwork } from '../src/charm-dir.js';
import { bundleContains } from '../src/inspect.js';

const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const NODE_NAMES = /^(node|nodejs|npm|npx|pnpm|pnpx|corepack|yarn|bun|deno)(\d.*)?$/;

/**
 * A folder of links to the system's programs minus every JavaScript runtime, so the hooks find
 * update-ca-certificates and its helpers on PATH but no `node` other than the charm's own.
 */
function systemToolsWithoutNode(dir: string): string {
  mkdirSync(dir);
  for (const from of SYSTEM_DIRS) {
    if (!existsSync(from)) continue;
    for (const name of readdirSync(from)) {
      if (NODE_NAMES.test(name) || existsSync(join(dir, name))) continue;
      symlinkSync(join(from, name), join(dir, name));
    }
  }
  return dir;
}

// What ships, cold: the packed .charm unzipped into an empty folder (modes from the zip), hooks run
// by the fake Juju with only its tools and the system's non-JavaScript programs on PATH.
describe('the packed demo charm, cold', () => {
  let tmp: string;
  let charmDir: string;
  let trustRoot: string;
  let model: FakeModel;
  let ca: EmbeddedCa;
  let relationId: string;
  let env: Record<string, string>;
  let unzipTool: string;
  const runs = new Map<string, HookRun>();

  const hook = async (label: string, name: string) => {
    const run = await model.runHook(name, {
      ...(name === 'install'
        ? {}
        : { relationId, ...(name.endsWith('-broken') ? {} : { remoteUnit: 'easyrsa/0' }) }),
      env,
    });
    runs.set(label, run);
    return run;
  };
  const certs = () => join(charmDir, 'certs');
  const bundle = () => readFileSync(join(trustRoot, 'etc/ssl/certs/ca-certificates.crt'), 'utf8');
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'demo-charm-cold-'));
    const { charms } = await packCharm(CHARM_SOURCE, { outDir: join(tmp, 'out') });
    charmDir = join(tmp, 'unit', 'charm');
    mkdirSync(charmDir, { recursive: true });
    const unzip = spawnSync('unzip', ['-q', charms[0]!.path, '-d', charmDir], { encoding: 'utf8' });
    if (unzip.error === undefined && unzip.status === 0) {
      unzipTool = 'unzip';
    } else {
      // No Info-ZIP unzip here: unpack as the Juju agent does, with the zip's modes.
      rmSync(charmDir, { recursive: true, force: true });
      await unpackCharm(charms[0]!.path, charmDir);
      unzipTool = 'charm-pack unpack';
    }
    trustRoot = join(tmp, 'trust-root');
    await prepareDebianRoot(trustRoot);
    model = await FakeModel.create({
      unit: 'demo/0',
      charmDir,
      dir: join(tmp, 'juju'),
      publicAddress: '203.0.113.10',
      privateAddress: '10.0.0.10',
    });
    model.setNetwork('certificates', unitNetwork('203.0.113.10', '10.0.0.10'));
    const tools = systemToolsWithoutNode(join(tmp, 'system-tools'));
    env = { PATH: `${model.binDir}:${tools}`, TLS_CLIENT_TRUST_ROOT: trustRoot, TLS_CLIENT_DISTRO: 'debian' };
    ca = await EmbeddedCa.create({ commonName: 'cold-run CA' });

    await hook('install', 'install');
    relationId = model.addRelation('certificates', 'easyrsa');
    model.addRemoteUnit(relationId, 'easyrsa/0');
    await hook('joined', 'certificates-relation-joined');
    await ca.answer(model, relationId, { providerUnit: 'easyrsa/0' });
    await hook('answered', 'certificates-relation-changed');
  }, 300_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('is unpacked from the zip with its modes, and has no node_modules', () => {
    expect({
      tool: unzipTool,
      dispatch: mode(join(charmDir, 'dispatch')),
      node: mode(join(charmDir, 'bin/node')),
    }).toEqual({
      tool: unzipTool,
      dispatch: '755',
      node: '755',
    });
    expect(mode(join(charmDir, 'lib/charm.mjs'))).toBe('644');
    expect(existsSync(join(charmDir, 'node_modules'))).toBe(false);
    expect(spawnSync(join(charmDir, 'bin/node'), ['--version'], { encoding: 'utf8' }).stdout.trim()).toBe(
      'v24.22.3',
    );
  });

  it("gives the hooks no node on PATH but the charm's own", () => {
    const which = spawnSync('/bin/sh', ['-c', 'command -v node || command -v nodejs'], {
      env: { PATH: env.PATH! },
    });
    expect(which.status).not.toBe(0);
  });

  it('runs install, relation-joined and relation-changed with the CA answer, each exit 0', () => {
    for (const label of ['install', 'joined', 'answered']) {
      const run = runs.get(label)!;
      expect(run.exitCode, `${label}: ${run.stderr}`).toBe(0);
    }
    expect(runs.get('joined')!.calls.some((c) => c.tool === 'relation-set')).toBe(true);
  });

  it('writes the files with their modes and trusts the CA', () => {
    expect(model.status()).toEqual({ status: 'active', message: 'certificates ready' });
    expect(mode(join(certs(), 'server.key'))).toBe('600');
    expect(mode(join(certs(), 'client.key'))).toBe('600');
    expect(mode(join(certs(), 'server.crt'))).toBe('644');
    expect(mode(join(certs(), 'ca.crt'))).toBe('644');
    // The fake gives every hook a sandboxed 0700 state dir (TLS_CLIENT_STATE_DIR), as the layer wants it.
    expect(mode(model.stateDir!)).toBe('700');
    expect(bundleContains(bundle(), ca.caPem)).toBe(true);
  });

  it('keeps a steady relation-changed lean: no write, no relation-set, no status-set, no INFO log', async () => {
    // The visible names are symlinks into the pair's version directory (cert-writer's atomic pair
    // swap): compare what they show, and the directory listing, which a new version would change.
    const snapshot = () => {
      const names = readdirSync(certs()).sort();
      return {
        names,
        content: names.filter((f) => !f.startsWith('.')).map((f) => readFileSync(join(certs(), f), 'utf8')),
      };
    };
    const before = snapshot();
    const run = await hook('steady', 'certificates-relation-changed');
    expect(run.exitCode, run.stderr).toBe(0);
    const tools = run.calls.map((c) => c.tool);
    expect(tools).not.toContain('relation-set');
    expect(tools).not.toContain('status-set');
    // Config and addresses were read in install and are current until config-changed.
    expect(tools).not.toContain('config-get');
    expect(tools).not.toContain('network-get');
    expect(run.calls.filter((c) => c.tool === 'juju-log' && !c.args.includes('DEBUG'))).toEqual([]);
    // Issue 10: at most 6 calls for the whole charm and 4 for the layer; the demo makes none of its own
    // in a steady hook, and the relation settled on legacy needs no read of the provider's app databag.
    expect(run.calls.map((c) => c.tool).sort()).toEqual([
      'relation-get',
      'relation-get',
      'relation-ids',
      'relation-list',
    ]);
    expect(snapshot()).toEqual(before);
  });

  it('follows a CA rotation: new files, new CA trusted, old one gone', async () => {
    const oldCa = ca.caPem;
    const oldCert = readFileSync(join(certs(), 'server.crt'), 'utf8');
    await ca.rotate();
    await ca.answer(model, relationId, { providerUnit: 'easyrsa/0' });
    const run = await hook('rotated', 'certificates-relation-changed');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(readFileSync(join(certs(), 'server.crt'), 'utf8')).not.toBe(oldCert);
    expect(mode(join(certs(), 'server.key'))).toBe('600');
    expect(bundleContains(bundle(), ca.caPem)).toBe(true);
    expect(bundleContains(bundle(), oldCa)).toBe(false);
  });

  it('runs relation-broken: blocked again, the CA no longer trusted', async () => {
    model.removeRelation(relationId);
    const run = await hook('broken', 'certificates-relation-broken');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(model.status().status).toBe('blocked');
    expect(bundleContains(bundle(), ca.caPem)).toBe(false);
  });

  it("ships the operator CLI as bin/tls-client on the charm's own node", async () => {
    const run = await model.runHook('juju-exec', {
      command: [join(charmDir, 'bin/tls-client'), 'status'],
      env,
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('demo/0');
  });
});
