import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeModel, TestingError } from '../src/index.js';
import { removeDir, tempDir, writeDispatch } from './helpers.js';

let charmDir: string;
let model: FakeModel;

beforeEach(async () => {
  charmDir = await tempDir('charm');
  model = await FakeModel.create({ unit: 'my-app/3', charmDir, leader: true });
});

afterEach(async () => {
  await model.cleanup();
  await removeDir(charmDir);
});

describe('FakeModel.runHook', () => {
  it('starts dispatch in the charm directory with the environment Juju gives a relation hook', async () => {
    const rel = model.addRelation('certificates', 'easyrsa', { id: 5 });
    model.addRemoteUnit(rel, 'easyrsa/1');
    model.addRemoteUnit(rel, 'easyrsa/0');
    await writeDispatch(charmDir, 'pwd; env');
    const run = await model.runHook('certificates-relation-changed', {
      env: { TLS_CLIENT_TRUST_ROOT: '/tmp/x' },
    });
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(charmDir);
    const env = Object.fromEntries(
      lines.slice(1).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      JUJU_UNIT_NAME: 'my-app/3',
      JUJU_CHARM_DIR: charmDir,
      CHARM_DIR: charmDir,
      JUJU_DISPATCH_PATH: 'hooks/certificates-relation-changed',
      JUJU_HOOK_NAME: 'certificates-relation-changed',
      JUJU_MODEL_NAME: 'test-model',
      JUJU_VERSION: '3.6.4',
      JUJU_CONTEXT_ID: run.contextId,
      JUJU_AGENT_SOCKET_NETWORK: 'unix',
      JUJU_RELATION: 'certificates',
      JUJU_RELATION_ID: 'certificates:5',
      JUJU_REMOTE_UNIT: 'easyrsa/0',
      JUJU_REMOTE_APP: 'easyrsa',
      FAKE_JUJU_STATE: model.stateFile,
      TLS_CLIENT_TRUST_ROOT: '/tmp/x',
    });
    expect(env.JUJU_MODEL_UUID).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.JUJU_AGENT_SOCKET_ADDRESS).toContain('unit-my-app-3');
    expect(env.PATH?.split(':')[0]).toBe(model.binDir);
  });

  it('gives -relation-broken no remote unit and non-relation hooks no relation variables', async () => {
    const rel = model.addRelation('certificates', 'easyrsa');
    model.addRemoteUnit(rel, 'easyrsa/0');
    model.removeRelation(rel);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
    await writeDispatch(charmDir, 'echo "[$JUJU_RELATION_ID][$JUJU_REMOTE_UNIT][${JUJU_RELATION-unset}]"');
    expect((await model.runHook('certificates-relation-broken')).stdout).toBe(`[${rel}][][certificates]\n`);
    expect((await model.runHook('update-status')).stdout).toBe('[][][unset]\n');
  });

  it('gives -relation-departed the departed unit, whose data stays readable', async () => {
    const rel = model.addRelation('certificates', 'easyrsa');
    model.addRemoteUnit(rel, 'easyrsa/0');
    model.addRemoteUnit(rel, 'easyrsa/1', { ca: 'old' });
    model.removeRemoteUnit(rel, 'easyrsa/1');
    await writeDispatch(
      charmDir,
      'echo "$JUJU_REMOTE_UNIT $JUJU_DEPARTING_UNIT $(relation-list --format=json) $(relation-get ca easyrsa/1)"',
    );
    const run = await model.runHook('certificates-relation-departed');
    expect(run.stdout).toBe('easyrsa/1 easyrsa/1 ["easyrsa/0"] old\n');
  });

  it('commits relation settings of a hook that exits 0', async () => {
    const rel = model.addRelation('certificates', 'easyrsa');
    await writeDispatch(
      charmDir,
      `printf '{"unit_name": "my-app_3"}' | relation-set -r ${rel} --file -
printf '{"shared": "yes"}' | relation-set -r ${rel} --app --file -`,
    );
    const run = await model.runHook('install');
    expect(run).toMatchObject({ exitCode: 0, committed: true });
    expect(run.calls.map((c) => c.tool)).toEqual(['relation-set', 'relation-set']);
    expect(model.localUnitData(rel)).toEqual({ unit_name: 'my-app_3' });
    expect(model.localAppData(rel)).toEqual({ shared: 'yes' });
  });

  it('drops relation settings of a failed hook but keeps status, version and leader settings', async () => {
    const rel = model.addRelation('certificates', 'easyrsa');
    await writeDispatch(
      charmDir,
      `printf 'a: b' | relation-set -r ${rel} --file -
status-set maintenance -- working
application-version-set -- 1.0
leader-set k=v
exit 3`,
    );
    const run = await model.runHook('install');
    expect(run).toMatchObject({ exitCode: 3, committed: false });
    expect(model.localUnitData(rel)).toEqual({});
    expect(model.status()).toEqual({ status: 'maintenance', message: 'working' });
    expect(model.applicationVersion()).toBe('1.0');
    expect(model.leaderSettings()).toEqual({ k: 'v' });
  });

  it('kills a hook that runs past its timeout and drops its settings', async () => {
    const rel = model.addRelation('certificates', 'easyrsa');
    await writeDispatch(charmDir, `printf 'a: b' | relation-set -r ${rel} --file -\nexec sleep 30`);
    const run = await model.runHook('install', { timeoutMs: 1500 });
    expect(run).toMatchObject({ exitCode: -1, signal: 'SIGKILL', timedOut: true, committed: false });
    expect(model.localUnitData(rel)).toEqual({});
  });

  it('runs any command instead of dispatch', async () => {
    const run = await model.runHook('start', { command: ['sh', '-c', 'is-leader --format=json'] });
    expect(run.stdout).toBe('true\n');
    expect(model.calls()).toHaveLength(1);
    model.clearCalls();
    expect(model.calls()).toHaveLength(0);
  });

  it('reports a command that cannot start as ERR_TESTING_HOOK_SPAWN', async () => {
    await expect(model.runHook('install')).rejects.toMatchObject({ code: 'ERR_TESTING_HOOK_SPAWN' });
  });
});

describe('FakeModel state', () => {
  it('tracks relations, remote units and their data', () => {
    const a = model.addRelation('certificates', 'easyrsa');
    const b = model.addRelation('certificates', 'vault', { id: 10 });
    model.addRemoteUnit(a, 'easyrsa/0', { x: '1' });
    model.setRemoteUnitData(a, 'easyrsa/0', { y: '2', x: '' });
    expect(model.remoteUnitData(a, 'easyrsa/0')).toEqual({ y: '2' });
    model.setRemoteUnitData(a, 'easyrsa/0', { z: '3' }, { replace: true });
    expect(model.remoteUnitData(a, 'easyrsa/0')).toEqual({ z: '3' });
    expect(model.relationIds('certificates')).toEqual([b, a].sort());
    model.removeRemoteUnit(a, 'easyrsa/0');
    expect(model.remoteUnits(a)).toEqual([]);
    expect(model.remoteUnitData(a, 'easyrsa/0')).toEqual({ z: '3' });
  });

  it.each([
    [
      'an unknown relation',
      (m: FakeModel) => m.localUnitData('certificates:42'),
      'ERR_TESTING_UNKNOWN_RELATION',
    ],
    [
      'an unknown unit',
      (m: FakeModel) => m.remoteUnitData(m.addRelation('db', 'pg'), 'pg/0'),
      'ERR_TESTING_UNKNOWN_UNIT',
    ],
  ])('throws a TestingError for %s', (_name, fn, code) => {
    expect(() => fn(model)).toThrow(TestingError);
    expect(() => fn(model)).toThrow(expect.objectContaining({ code }));
  });

  it('rejects a unit of another application', () => {
    const rel = model.addRelation('certificates', 'easyrsa');
    expect(() => model.addRemoteUnit(rel, 'vault/0')).toThrow(TypeError);
  });
});
