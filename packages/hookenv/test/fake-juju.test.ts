// HookTools and RelationDataView against @tls-client/testing's fake Juju: the real fake hook tools,
// run as subprocesses in an open hook context (FakeModel.hookEnv), committed with endHook.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeModel } from '@tls-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HookToolError, HookTools, RelationDataView } from '../src/index.js';

const CERT = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBszCCAVmgAwIBAgIUQk3n0Xh6bq4mJm0m8mYp2b1bX9gwCgYIKoZIzj0EAwIw',
  'DzENMAsGA1UEAwwEdGVzdDAeFw0yNjAxMDEwMDAwMDBaFw0yNzAxMDEwMDAwMDBa',
  '-----END CERTIFICATE-----',
  '',
].join('\n');
const KEY =
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';

let charmDir: string;
let model: FakeModel;
let rel: string;
let contextId: string;
let env: Record<string, string>;
let tools: HookTools;

beforeEach(async () => {
  charmDir = await mkdtemp(join(tmpdir(), 'hookenv-charm-'));
  model = await FakeModel.create({
    unit: 'myapp/0',
    charmDir,
    leader: true,
    config: { port: 8443, debug: false, 'ca-path': '' },
    publicAddress: '203.0.113.7',
    privateAddress: '10.0.0.5',
  });
  rel = model.addRelation('certificates', 'easyrsa');
  model.addRemoteUnit(rel, 'easyrsa/0', { ca: CERT, 'ingress-address': '10.0.0.9' });
  ({ env, contextId } = model.hookEnv('certificates-relation-changed', { relationId: rel }));
  tools = new HookTools({ env, timeoutMs: 20_000 });
});

afterEach(async () => {
  await model.cleanup();
  await rm(charmDir, { recursive: true, force: true });
});

/** Ends the hook like Juju: commit relation data on success. */
function endHook(success = true): void {
  model.endHook(contextId, { success });
}

async function rejection(promise: Promise<unknown>): Promise<HookToolError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HookToolError) return error;
    throw error;
  }
  throw new Error('expected a HookToolError');
}

describe('HookTools against the fake Juju', () => {
  it('reads relations, units and databags', async () => {
    const other = model.addRelation('certificates', 'vault');
    expect(await tools.relationIds('certificates')).toEqual([rel, other].sort());
    expect(await tools.relationIds('nothing-here')).toEqual([]);
    expect(await tools.relationList(rel)).toEqual(['easyrsa/0']);
    expect(await tools.relationList(other)).toEqual([]);
    expect(await tools.relationRemoteApp(rel)).toBe('easyrsa');
    expect(await tools.relationGet(rel, 'easyrsa/0')).toEqual({ ca: CERT, 'ingress-address': '10.0.0.9' });
    expect(await tools.relationGetKey(rel, 'ca', 'easyrsa/0')).toBe(CERT);
    expect(await tools.relationGetKey(rel, 'missing', 'easyrsa/0')).toBeNull();
  });

  it('reads application databags with --app', async () => {
    model.setRemoteAppData(rel, { 'app-key': 'app-value' });
    expect(await tools.relationGet(rel, 'easyrsa', { app: true })).toEqual({ 'app-key': 'app-value' });
    expect(await tools.relationGetKey(rel, 'app-key', 'easyrsa/0', { app: true })).toBe('app-value');
    await tools.relationSet(rel, { mine: 'leader data' }, { app: true });
    expect(await tools.relationGet(rel, 'myapp', { app: true })).toEqual({ mine: 'leader data' });
    endHook();
    expect(model.localAppData(rel)).toEqual({ mine: 'leader data' });
  });

  it('sees its own writes within the hook and publishes them when the hook succeeds', async () => {
    await tools.relationSet(rel, { common_name: 'myapp.internal' });
    expect(await tools.relationGet(rel, 'myapp/0')).toEqual({ common_name: 'myapp.internal' });
    expect(model.localUnitData(rel)).toEqual({});
    endHook();
    expect(model.localUnitData(rel)).toEqual({ common_name: 'myapp.internal' });
  });

  it("drops a failed hook's relation data", async () => {
    await tools.relationSet(rel, { common_name: 'myapp.internal' });
    endHook(false);
    expect(model.localUnitData(rel)).toEqual({});
  });

  it('deletes keys with null and ""', async () => {
    model.setLocalUnitData(rel, { a: '1', b: '2', c: '3' });
    await tools.relationSet(rel, { a: null, b: '' });
    expect(await tools.relationGetKey(rel, 'a', 'myapp/0')).toBeNull();
    endHook();
    expect(model.localUnitData(rel)).toEqual({ c: '3' });
  });

  const tricky: [string, string, string][] = [
    ['a multi-line PEM bundle', 'chain', `${CERT}${CERT}`],
    ['a private key', 'key', KEY],
    ['CRLF line endings', 'crlf', CERT.replaceAll('\n', '\r\n')],
    ['unicode', 'unicode', 'Zürich — 東京 — שלום — 🔐 — e\u0301'],
    ['line and paragraph separators', 'separators', 'a\u2028b\u2029c'],
    ['HTML-like characters Go escapes', 'html', '<a href="x">&amp;</a>'],
    ['YAML-looking text', 'yaml', '- item\nkey: value\n? complex\n# comment'],
    ['YAML booleans and nulls', 'yes', 'yes'],
    ['a YAML null word', 'null', '~'],
    ['a number-like string', 'number', '1.0'],
    ['an octal-like string', 'octal', '0o17'],
    ['JSON text', 'json', '{"sans": ["a.example", "b.example"], "cert_type": "server"}'],
    ['surrounding whitespace', 'spaces', '  padded\t\n'],
    ['quotes and backslashes', 'quotes', `'single' "double" \\back\\slash \\n`],
    ['control characters', 'control', 'bell\u0007tab\tesc\u001b'],
    ['a key with dots', 'myapp_0.processed_requests', '{"x": 1}'],
    ['a key with slashes', 'myapp/0/server.cert', CERT],
    ['a key with dashes and dots', 'ingress-address.v6', '::1'],
    ['a value of 1 MiB', 'huge', 'A'.repeat(1024 * 1024)],
  ];
  it.each(tricky)('round-trips %s', async (_name, key, value) => {
    await tools.relationSet(rel, { [key]: value });
    expect(await tools.relationGetKey(rel, key, 'myapp/0')).toBe(value);
    expect((await tools.relationGet(rel, 'myapp/0'))[key]).toBe(value);
    endHook();
    expect(model.localUnitData(rel)[key]).toBe(value);
  });

  it('round-trips every tricky value in one relation-set', async () => {
    const all = Object.fromEntries(tricky.map(([, key, value]) => [key, value]));
    await tools.relationSet(rel, all);
    expect(await tools.relationGet(rel, 'myapp/0')).toEqual(all);
    expect(tools.callsByTool['relation-set']).toBe(1);
  });

  it('treats an empty value as a deletion, as Juju does', async () => {
    model.setLocalUnitData(rel, { empty: 'was set' });
    await tools.relationSet(rel, { empty: '' });
    expect(await tools.relationGet(rel, 'myapp/0')).toEqual({});
  });

  it('logs, sets status and version, and reads config, leadership and addresses', async () => {
    await tools.jujuLog('-starts with a dash', 'WARNING');
    await tools.jujuLog('plain');
    expect(model.logs().map((l) => [l.level, l.message])).toEqual([
      ['WARNING', '-starts with a dash'],
      ['INFO', 'plain'],
    ]);
    await tools.statusSet('blocked', '--missing relation');
    expect(model.status()).toEqual({ status: 'blocked', message: '--missing relation' });
    await tools.statusSet('active');
    expect(model.status()).toEqual({ status: 'active', message: '' });
    await tools.statusSet('waiting', 'for units', { application: true });
    expect(model.applicationStatus()).toMatchObject({ status: 'waiting', message: 'for units' });
    await tools.applicationVersionSet('-rc.1');
    expect(model.applicationVersion()).toBe('-rc.1');
    expect(await tools.configGet()).toEqual({ port: 8443, debug: false, 'ca-path': '' });
    expect(await tools.configGet('port')).toBe(8443);
    expect(await tools.configGet('unknown')).toBeNull();
    expect(await tools.isLeader()).toBe(true);
    expect(await tools.unitGet('public-address')).toBe('203.0.113.7');
    expect(await tools.unitGet('private-address')).toBe('10.0.0.5');
  });

  it('writes and reads leader settings, deleting with null', async () => {
    await tools.leaderSet({ shared: 'value', other: 'x' });
    await tools.leaderSet({ other: null });
    expect(await tools.leaderGet()).toEqual({ shared: 'value' });
    expect(model.leaderSettings()).toEqual({ shared: 'value' });
  });

  it('reads the network of an endpoint', async () => {
    const info = await tools.networkGet('certificates', { relationId: rel });
    expect(info.ingressAddresses).toEqual(['10.0.0.5']);
    expect(info.bindAddresses[0]?.addresses[0]?.value).toBe('10.0.0.5');
    expect(info.egressSubnets).toEqual(['10.0.0.5/32']);
  });

  it('never puts a relation value or a leader value into a recorded argv', async () => {
    await tools.relationSet(rel, { key: KEY, cert: CERT });
    await tools.leaderSet({ token: 'leader-secret-token' });
    const calls = model.calls();
    const set = calls.filter((c) => c.tool === 'relation-set');
    expect(set.map((c) => c.args)).toEqual([['-r', rel, '--file', '-']]);
    const recorded = JSON.stringify(calls);
    for (const secret of ['PRIVATE KEY', 'MIGHAgEA', 'leader-secret-token'])
      expect(recorded).not.toContain(secret);
  });
});

describe('HookTools errors against the fake Juju', () => {
  it('gives an unknown relation ERR_HOOKENV_RELATION_NOT_FOUND (exit 2)', async () => {
    const error = await rejection(tools.relationGet('certificates:99', 'easyrsa/0'));
    expect(error).toMatchObject({
      code: 'ERR_HOOKENV_RELATION_NOT_FOUND',
      tool: 'relation-get',
      exitCode: 2,
    });
    expect(error.stderr).toContain('relation not found');
  });

  it('reports a refused write (app data when not leader) as ERR_HOOKENV_TOOL_FAILED (exit 1)', async () => {
    model.setLeader(false);
    const error = await rejection(tools.relationSet(rel, { key: KEY }, { app: true }));
    expect(error).toMatchObject({ code: 'ERR_HOOKENV_TOOL_FAILED', tool: 'relation-set', exitCode: 1 });
    expect(error.stderr).toContain('cannot write relation settings');
    expect(`${error.message}${error.stderr}${error.args?.join(' ')}`).not.toContain('MIGHAgEA');
  });

  it('reports leader-set from a non-leader with its values redacted', async () => {
    model.setLeader(false);
    const error = await rejection(tools.leaderSet({ token: 'leader-secret-token' }));
    expect(error).toMatchObject({
      code: 'ERR_HOOKENV_TOOL_FAILED',
      exitCode: 1,
      args: ['token=<redacted 19 bytes>'],
    });
    expect(`${error.message}${error.stderr}`).not.toContain('leader-secret-token');
  });

  it('reports an unknown unit and an unknown binding as tool failures', async () => {
    expect(await rejection(tools.relationGet(rel, 'easyrsa/7'))).toMatchObject({
      code: 'ERR_HOOKENV_TOOL_FAILED',
      exitCode: 1,
    });
    const network = await rejection(tools.networkGet('no-such-binding'));
    expect(network).toMatchObject({ code: 'ERR_HOOKENV_TOOL_FAILED', exitCode: 1 });
    expect(network.message).toContain('no network config found');
  });

  it('fails every call once the hook context is over', async () => {
    endHook();
    expect(await rejection(tools.isLeader())).toMatchObject({ code: 'ERR_HOOKENV_TOOL_FAILED', exitCode: 1 });
  });

  it('reports missing tools when the fake bin dir is not on PATH', async () => {
    const bare = new HookTools({ env: { ...env, PATH: charmDir } });
    expect(await rejection(bare.relationIds('certificates'))).toMatchObject({
      code: 'ERR_HOOKENV_TOOL_NOT_FOUND',
    });
  });
});

describe('RelationDataView against the fake Juju', () => {
  it('reads each databag once and writes each relation once, only when something changed', async () => {
    model.setLocalUnitData(rel, { common_name: 'myapp.internal', stale: 'x' });
    const view = new RelationDataView(tools, { localUnit: 'myapp/0' });
    expect(await view.get(rel, 'easyrsa/0')).toMatchObject({ ca: CERT });
    expect(await view.get(rel, 'easyrsa/0')).toMatchObject({ ca: CERT });
    await view.set(rel, { common_name: 'myapp.internal' });
    await view.set(rel, { stale: null, sans: '["myapp.internal"]' });
    await view.set(rel, { sans: '["myapp.internal","10.0.0.5"]' });
    expect(await view.get(rel, 'myapp/0')).toEqual({
      common_name: 'myapp.internal',
      sans: '["myapp.internal","10.0.0.5"]',
    });
    expect(await view.flush()).toEqual({ relationSets: 1 });
    expect(await view.flush()).toEqual({ relationSets: 0 });
    expect(tools.callsByTool).toEqual({ 'relation-get': 2, 'relation-set': 1 });
    endHook();
    expect(model.localUnitData(rel)).toEqual({
      common_name: 'myapp.internal',
      sans: '["myapp.internal","10.0.0.5"]',
    });
  });

  it('sends nothing when every write matches what is published', async () => {
    model.setLocalUnitData(rel, { a: '1' });
    const view = new RelationDataView(tools, { localUnit: 'myapp/0' });
    await view.set(rel, { a: '1', never: null });
    expect(await view.flush()).toEqual({ relationSets: 0 });
    expect(model.calls().map((c) => c.tool)).toEqual(['relation-get']);
  });

  it('flushes each relation with changes once', async () => {
    const other = model.addRelation('certificates', 'vault');
    const view = new RelationDataView(tools, { localUnit: 'myapp/0' });
    await view.set(rel, { a: '1' });
    await view.set(other, { b: '2' });
    await view.set(rel, { c: KEY });
    expect(await view.flush()).toEqual({ relationSets: 2 });
    endHook();
    expect(model.localUnitData(rel)).toEqual({ a: '1', c: KEY });
    expect(model.localUnitData(other)).toEqual({ b: '2' });
  });

  it('keeps the writes of a relation whose flush failed', async () => {
    const view = new RelationDataView(tools, { localUnit: 'myapp/0' });
    await view.set('certificates:99', { a: '1' });
    const error = await rejection(view.flush());
    expect(error.code).toBe('ERR_HOOKENV_RELATION_NOT_FOUND');
    await expect(view.flush()).rejects.toBeInstanceOf(HookToolError);
  });
});
