import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeModel } from '../src/index.js';
import { execTool, removeDir, tempDir } from './helpers.js';

let charmDir: string;
let model: FakeModel;
let rel: string;

beforeEach(async () => {
  charmDir = await tempDir('charm');
  model = await FakeModel.create({
    unit: 'app/0',
    charmDir,
    config: { port: 8080, debug: false, empty: null },
  });
  rel = model.addRelation('certificates', 'easyrsa', { id: 9 });
  model.addRemoteUnit(rel, 'easyrsa/0', { ca: 'CA-PEM', 'ingress-address': '10.0.0.2' });
});

afterEach(async () => {
  await model.cleanup();
  await removeDir(charmDir);
});

/** Runs a tool inside an open hook context of `hook`. */
function inHook(hook = 'certificates-relation-changed') {
  const { env, contextId } = model.hookEnv(hook);
  const run = (tool: string, args: string[], stdin?: string) =>
    execTool(model.binDir, tool, args, env, stdin);
  return { env, contextId, run };
}

describe('relation-ids', () => {
  it('lists live relations of an endpoint sorted as strings', async () => {
    model.addRelation('certificates', 'vault', { id: 10 });
    const gone = model.addRelation('certificates', 'other', { id: 11 });
    model.removeRelation(gone);
    const { run } = inHook('install');
    const out = await run('relation-ids', ['--format=json', 'certificates']);
    expect(out).toEqual({ stdout: '["certificates:10","certificates:9"]\n', stderr: '', exitCode: 0 });
    expect(JSON.parse((await run('relation-ids', ['--format=json', 'nothing'])).stdout)).toEqual([]);
  });

  it('defaults to the endpoint of the current relation hook', async () => {
    const { run } = inHook();
    expect(JSON.parse((await run('relation-ids', ['--format', 'json'])).stdout)).toEqual(['certificates:9']);
  });
});

describe('relation-list', () => {
  it('lists remote units sorted, or the remote app with --app', async () => {
    model.addRemoteUnit(rel, 'easyrsa/10');
    model.addRemoteUnit(rel, 'easyrsa/2');
    const { run } = inHook('update-status');
    expect(JSON.parse((await run('relation-list', ['--format=json', '-r', rel])).stdout)).toEqual([
      'easyrsa/0',
      'easyrsa/10',
      'easyrsa/2',
    ]);
    expect((await run('relation-list', ['--format=json', '--app', '-r', '9'])).stdout).toBe('"easyrsa"\n');
  });
});

describe('relation-get', () => {
  it('returns a whole databag, one key, or null for a missing key', async () => {
    const { run } = inHook();
    expect(
      JSON.parse((await run('relation-get', ['--format=json', '-r', rel, '-', 'easyrsa/0'])).stdout),
    ).toEqual({
      ca: 'CA-PEM',
      'ingress-address': '10.0.0.2',
    });
    expect((await run('relation-get', ['--format=json', '-r', rel, 'ca', 'easyrsa/0'])).stdout).toBe(
      '"CA-PEM"\n',
    );
    expect((await run('relation-get', ['--format=json', '-r', rel, 'nope', 'easyrsa/0'])).stdout).toBe(
      'null\n',
    );
  });

  it('defaults to the remote unit, then the remote app when the hook has no remote unit', async () => {
    model.setRemoteAppData(rel, { shared: 'yes' });
    const withUnit = inHook();
    expect(JSON.parse((await withUnit.run('relation-get', ['--format=json'])).stdout)).toMatchObject({
      ca: 'CA-PEM',
    });
    const { env } = model.hookEnv('certificates-relation-changed', { remoteUnit: '' });
    const out = await execTool(model.binDir, 'relation-get', ['--format=json'], env);
    expect(JSON.parse(out.stdout)).toEqual({ shared: 'yes' });
  });

  it('reads an application databag with --app, converting a unit name to its application', async () => {
    model.setRemoteAppData(rel, { k: 'v' });
    const { run } = inHook();
    expect(
      JSON.parse((await run('relation-get', ['--format=json', '--app', '-', 'easyrsa/0'])).stdout),
    ).toEqual({ k: 'v' });
    const own = await run('relation-get', ['--format=json', '--app', '-', 'app']);
    expect(own.exitCode).toBe(1);
    expect(own.stderr).toContain('permission denied');
  });

  it('escapes <, > and & like Go and prints a YAML or smart format on request', async () => {
    model.setRemoteUnitData(rel, 'easyrsa/0', { html: '<a>&' });
    const { run } = inHook();
    expect((await run('relation-get', ['--format=json', 'html', 'easyrsa/0'])).stdout).toBe(
      '"\\u003ca\\u003e\\u0026"\n',
    );
    expect((await run('relation-get', ['html', 'easyrsa/0'])).stdout).toBe('<a>&\n');
    expect((await run('relation-get', ['--format=yaml', '-', 'easyrsa/0'])).stdout).toContain('html: <a>&');
  });
});

describe('relation-set', () => {
  const tricky = {
    pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    unicode: 'héllo ✓ 😀',
    'key.with.dots': 'a',
    'key/with/slashes': 'b',
    spaces: '  leading and trailing  ',
    numberish: '012',
    yesish: 'yes',
  };

  it('round-trips tricky values sent as JSON on stdin', async () => {
    const { run } = inHook();
    const set = await run('relation-set', ['-r', rel, '--file', '-'], JSON.stringify(tricky));
    expect(set).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    const got = await run('relation-get', ['--format=json', '-r', rel, '-', 'app/0']);
    expect(JSON.parse(got.stdout)).toEqual(tricky);
  });

  it('accepts YAML, deletes on "" and null, and lets key=value arguments override the file', async () => {
    model.setLocalUnitData(rel, { old: 'x', gone: 'y', kept: 'z' });
    const { run } = inHook();
    const yaml = 'old: ""\ngone: null\nnum: 1.50\nflag: true\nover: file\n';
    expect((await run('relation-set', ['--file=-', 'over=arg'], yaml)).exitCode).toBe(0);
    const got = JSON.parse((await run('relation-get', ['--format=json', '-', 'app/0'])).stdout);
    expect(got).toEqual({ kept: 'z', num: '1.50', flag: 'true', over: 'arg' });
  });

  it('treats empty stdin as no change', async () => {
    const { run } = inHook();
    expect((await run('relation-set', ['--file', '-'], '')).exitCode).toBe(0);
  });

  it.each([
    ['a value that is a mapping', '{"a": {"b": "c"}}', 1, 'value of key "a" is not a string'],
    ['a list', '["a"]', 1, 'expected a YAML mapping'],
    ['broken YAML', '{"a": "b"', 1, 'cannot parse settings file'],
  ])('fails with exit 1 for %s without echoing the data', async (_name, input, code, message) => {
    const { run } = inHook();
    const out = await run('relation-set', ['--file', '-'], input);
    expect(out.exitCode).toBe(code);
    expect(out.stderr).toMatch(/^ERROR /);
    expect(out.stderr).toContain(message);
    expect(out.stderr).not.toContain('"c"');
  });

  it('needs leadership for --app', async () => {
    const { run } = inHook();
    const denied = await run('relation-set', ['--app', '--file', '-'], '{"a": "b"}');
    expect(denied).toMatchObject({ exitCode: 1, stderr: 'ERROR cannot write relation settings\n' });
    model.setLeader(true);
    expect((await run('relation-set', ['--app', '--file', '-'], '{"a": "b"}')).exitCode).toBe(0);
    expect(JSON.parse((await run('relation-get', ['--format=json', '--app', '-', 'app'])).stdout)).toEqual({
      a: 'b',
    });
  });

  it('buffers until the hook context ends, then commits on success', async () => {
    const { run, contextId } = inHook();
    await run('relation-set', ['--file', '-'], '{"a": "1"}');
    expect(model.localUnitData(rel)).toEqual({});
    expect(model.endHook(contextId, { success: true })).toBe(true);
    expect(model.localUnitData(rel)).toEqual({ a: '1' });
  });

  it('drops buffered settings when the hook fails', async () => {
    const { run, contextId } = inHook();
    await run('relation-set', ['--file', '-'], '{"a": "1"}');
    expect(model.endHook(contextId, { success: false })).toBe(false);
    expect(model.localUnitData(rel)).toEqual({});
  });

  it('records key=value arguments redacted and never records stdin', async () => {
    const { run } = inHook();
    await run('relation-set', ['-r', rel, 'secret=hunter2', '--file', '-'], '{"key": "PRIVATE-BYTES"}');
    const call = model.calls().at(-1);
    expect(call).toMatchObject({
      tool: 'relation-set',
      args: ['-r', rel, 'secret=<redacted>', '--file', '-'],
      exitCode: 0,
    });
    expect(JSON.stringify(model.calls())).not.toMatch(/hunter2|PRIVATE-BYTES/);
  });

  it('keeps every update when several tools run at once', async () => {
    const { run, contextId } = inHook();
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
    const outs = await Promise.all(
      keys.map((k) => run('relation-set', ['--file', '-'], JSON.stringify({ [k]: k }))),
    );
    expect(outs.every((o) => o.exitCode === 0)).toBe(true);
    model.endHook(contextId, { success: true });
    expect(Object.keys(model.localUnitData(rel)).sort()).toEqual(keys);
    expect(model.calls().filter((c) => c.tool === 'relation-set')).toHaveLength(8);
  });
});

describe('leader tools, config, addresses and versions', () => {
  it('answers is-leader, leader-get and leader-set like Juju', async () => {
    const { run } = inHook('config-changed');
    expect((await run('is-leader', ['--format=json'])).stdout).toBe('false\n');
    expect((await run('leader-set', ['a=b'])).exitCode).toBe(1);
    model.setLeader(true);
    expect((await run('is-leader', ['--format=json'])).stdout).toBe('true\n');
    expect((await run('leader-set', ['a=b', 'c=d'])).exitCode).toBe(0);
    expect((await run('leader-set', ['c='])).exitCode).toBe(0);
    expect(JSON.parse((await run('leader-get', ['--format=json'])).stdout)).toEqual({ a: 'b' });
    expect((await run('leader-get', ['--format=json', 'c'])).stdout).toBe('null\n');
    expect(model.calls().find((c) => c.tool === 'leader-set' && c.exitCode === 0)?.args).toEqual([
      'a=<redacted>',
      'c=<redacted>',
    ]);
  });

  it('returns set config options, all with --all, and one value or null', async () => {
    const { run } = inHook('config-changed');
    expect(JSON.parse((await run('config-get', ['--format=json'])).stdout)).toEqual({
      port: 8080,
      debug: false,
    });
    expect(JSON.parse((await run('config-get', ['--format=json', '--all'])).stdout)).toEqual({
      port: 8080,
      debug: false,
      empty: null,
    });
    expect((await run('config-get', ['--format=json', 'port'])).stdout).toBe('8080\n');
    expect((await run('config-get', ['--format=json', 'nope'])).stdout).toBe('null\n');
  });

  it('answers unit-get, network-get and records status and version immediately', async () => {
    const { run, contextId } = inHook('start');
    expect((await run('unit-get', ['--format=json', 'private-address'])).stdout).toBe('"10.0.0.10"\n');
    const net = JSON.parse((await run('network-get', ['--format=json', 'certificates'])).stdout);
    expect(net['ingress-addresses']).toEqual(['10.0.0.10']);
    expect((await run('network-get', ['--format=json', '--ingress-address', 'certificates'])).stdout).toBe(
      '"10.0.0.10"\n',
    );
    await run('status-set', ['--application=False', 'blocked', '--', '-starts with a dash']);
    await run('application-version-set', ['--', '-1.2']);
    model.endHook(contextId, { success: false });
    expect(model.status()).toEqual({ status: 'blocked', message: '-starts with a dash' });
    expect(model.applicationVersion()).toBe('-1.2');
  });

  it('logs juju-log lines with their level, joining message words', async () => {
    const { run } = inHook('install');
    await run('juju-log', ['--log-level', 'WARNING', '--', 'disk', 'low']);
    await run('juju-log', ['--debug', 'details']);
    expect(model.logs()).toEqual([
      { level: 'WARNING', message: 'disk low', hook: 'install' },
      { level: 'DEBUG', message: 'details', hook: 'install' },
    ]);
  });
});

describe('errors', () => {
  it.each([
    ['relation-get', ['--format=json', '-', 'easyrsa/0'], 2, 'no relation id specified'],
    ['relation-ids', ['--format=json'], 2, 'no endpoint name specified'],
    ['relation-get', ['--format=json', '-r', 'certificates:99', '-', 'easyrsa/0'], 2, 'relation not found'],
    ['relation-get', ['--format=json', '-r', 'other:9', '-', 'easyrsa/0'], 2, 'relation not found'],
    ['relation-get', ['--format=json', '-r', 'x:y', '-', 'easyrsa/0'], 2, 'invalid relation id'],
    ['relation-get', ['--format=json', '-r', '9', '-'], 2, 'no unit or application specified'],
    ['relation-get', ['--format=json', '-r', '9', '-', 'ghost/0'], 1, 'settings not found'],
    ['relation-set', ['-r', '9', 'novalue'], 2, 'expected "key=value"'],
    ['relation-set', ['-r', '9', 'a=1', 'a=2'], 2, 'specified more than once'],
    ['relation-list', ['--format=xml', '-r', '9'], 2, 'unknown format'],
    ['relation-list', ['--bogus', '-r', '9'], 2, 'flag provided but not defined: --bogus'],
    ['relation-list', ['-r'], 2, 'flag needs an argument: -r'],
    ['juju-log', [], 2, 'no message specified'],
    ['status-set', [], 2, 'invalid args'],
    ['status-set', ['error'], 2, 'invalid status "error"'],
    ['status-set', ['--application', 'active'], 1, 'not the leader'],
    ['status-set', ['--application=maybe', 'active'], 2, 'invalid value "maybe"'],
    ['leader-set', ['a=b'], 1, 'cannot write leadership settings'],
    ['leader-get', ['a=b'], 2, 'invalid key "a=b"'],
    ['config-get', ['--all', 'port'], 2, 'cannot use argument --all'],
    ['is-leader', ['extra'], 2, 'unrecognized args: ["extra"]'],
    ['unit-get', [], 2, 'no setting specified'],
    ['unit-get', ['bogus'], 2, 'unknown setting "bogus"'],
    ['network-get', ['--format=json'], 2, 'no arguments specified'],
    ['network-get', ['--format=json', 'nowhere'], 1, 'no network config found for binding "nowhere"'],
    ['application-version-set', [], 2, 'no version specified'],
  ])('%s %j exits %i with "%s"', async (tool, args, code, message) => {
    const { run } = inHook('install');
    const out = await run(tool, args);
    expect(out.exitCode).toBe(code);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^ERROR .*\n$/);
    expect(out.stderr).toContain(message);
  });

  it('refuses to run outside a hook context', async () => {
    const out = await execTool(model.binDir, 'is-leader', ['--format=json'], {
      PATH: process.env.PATH ?? '',
      FAKE_JUJU_STATE: model.stateFile,
    });
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain('JUJU_CONTEXT_ID not set');
  });

  it('refuses a finished hook context', async () => {
    const { run, contextId } = inHook();
    model.endHook(contextId, { success: true });
    const out = await run('relation-set', ['--file', '-'], '{"a": "b"}');
    expect(out.exitCode).toBe(1);
    expect(model.localUnitData(rel)).toEqual({});
  });

  it('shows relation-set --help with the --file option, as charmhelpers checks', async () => {
    const { run } = inHook();
    const out = await run('relation-set', ['--help']);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toContain('--file');
  });
});
