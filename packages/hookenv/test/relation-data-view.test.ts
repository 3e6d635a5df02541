// RelationDataView against recording stand-in tools, to see exactly what each relation-set sends.
// Its behaviour against the fake Juju is in fake-juju.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { HookToolError, HookTools, RelationDataView } from '../src/index.js';
import { ToolSandbox } from './helpers.js';

const REL = 'certificates:4';
let sandbox: ToolSandbox;
afterEach(() => sandbox?.cleanup());

function setup(published: Record<string, Record<string, string>>): {
  tools: HookTools;
  view: RelationDataView;
} {
  sandbox = new ToolSandbox().install('relation-get', 'relation-set');
  const responses: Record<string, { stdout: string }> = {};
  for (const [unit, data] of Object.entries(published)) {
    responses[`relation-get --format=json -r ${REL} - ${unit}`] = { stdout: `${JSON.stringify(data)}\n` };
  }
  sandbox.respond(responses);
  const tools = new HookTools({ env: sandbox.env });
  return { tools, view: new RelationDataView(tools, { localUnit: 'myapp/0' }) };
}

const sets = () =>
  sandbox
    .calls()
    .filter((c) => c.tool === 'relation-set')
    .map((c) => ({ args: c.args, data: JSON.parse(c.stdin) as unknown }));

describe('RelationDataView', () => {
  it('sends only new or changed keys, and deletions only of keys that exist', async () => {
    const { view } = setup({ 'myapp/0': { same: '1', changed: '2', stale: 'x' } });
    await view.set(REL, {
      same: '1',
      changed: '3',
      added: '4',
      stale: null,
      absent: null,
      'also-absent': '',
    });
    expect(await view.flush()).toEqual({ relationSets: 1 });
    expect(sets()).toEqual([
      { args: ['-r', REL, '--file', '-'], data: { changed: '3', added: '4', stale: '' } },
    ]);
  });

  it('lets the last write of a key win, even when it restores the published value', async () => {
    const { view } = setup({ 'myapp/0': { a: '1' } });
    await view.set(REL, { a: '2', b: 'x' });
    await view.set(REL, { a: '1', b: null });
    expect(await view.flush()).toEqual({ relationSets: 0 });
    expect(sets()).toEqual([]);
  });

  it('shares one relation-get between concurrent reads of a unit', async () => {
    const { tools, view } = setup({ 'easyrsa/0': { ca: 'x' } });
    const [a, b] = await Promise.all([view.get(REL, 'easyrsa/0'), view.get(REL, 'easyrsa/0')]);
    expect(a).toEqual({ ca: 'x' });
    expect(b).toEqual({ ca: 'x' });
    expect(tools.callsByTool).toEqual({ 'relation-get': 1 });
  });

  it('returns copies, so editing a result changes nothing', async () => {
    const { view } = setup({ 'easyrsa/0': { ca: 'x' } });
    const first = await view.get(REL, 'easyrsa/0');
    first.ca = 'edited';
    expect(await view.get(REL, 'easyrsa/0')).toEqual({ ca: 'x' });
  });

  it('shows pending writes in our own databag, and the flushed state afterwards without a new read', async () => {
    const { tools, view } = setup({ 'myapp/0': { a: '1', b: '2' } });
    await view.set(REL, { b: null, c: '3' });
    expect(await view.get(REL, 'myapp/0')).toEqual({ a: '1', c: '3' });
    await view.flush();
    expect(await view.get(REL, 'myapp/0')).toEqual({ a: '1', c: '3' });
    expect(tools.callsByTool).toEqual({ 'relation-get': 1, 'relation-set': 1 });
  });

  it('does not cache a failed read', async () => {
    const { tools, view } = setup({});
    sandbox.respond({ 'relation-get': { exitCode: 1, stderr: 'ERROR permission denied\n' } });
    await expect(view.get(REL, 'easyrsa/0')).rejects.toMatchObject({ code: 'ERR_HOOKENV_TOOL_FAILED' });
    sandbox.respond({ 'relation-get': { stdout: '{"ca":"x"}' } });
    expect(await view.get(REL, 'easyrsa/0')).toEqual({ ca: 'x' });
    expect(tools.callsByTool['relation-get']).toBe(2);
  });

  it('keeps writes pending when relation-set fails, and sends them on the next flush', async () => {
    const { view } = setup({ 'myapp/0': {} });
    sandbox.respond({
      'relation-get': { stdout: '{}' },
      'relation-set': { exitCode: 1, stderr: 'ERROR cannot write relation settings\n' },
    });
    await view.set(REL, { a: '1' });
    await expect(view.flush()).rejects.toBeInstanceOf(HookToolError);
    sandbox.respond({ 'relation-get': { stdout: '{}' } });
    expect(await view.flush()).toEqual({ relationSets: 1 });
    expect(sets().map((s) => s.data)).toEqual([{ a: '1' }, { a: '1' }]);
  });

  it('treats "__proto__" as an ordinary key', async () => {
    const { view } = setup({ 'myapp/0': JSON.parse('{"__proto__":"old"}') });
    await view.set(REL, JSON.parse('{"__proto__":"new"}'));
    expect(Object.getPrototypeOf(await view.get(REL, 'myapp/0'))).toBe(Object.prototype);
    expect(await view.flush()).toEqual({ relationSets: 1 });
    expect(sets()[0]?.data).toEqual(JSON.parse('{"__proto__":"new"}'));
  });

  it.each([
    ['a local unit without a number', () => new RelationDataView(new HookTools(), { localUnit: 'myapp' })],
    [
      'no options',
      () => new RelationDataView(new HookTools(), undefined as unknown as { localUnit: string }),
    ],
  ])('rejects %s with TypeError', (_name, make) => {
    expect(make).toThrow(TypeError);
  });

  it('rejects a write to a malformed relation id with TypeError', async () => {
    const { view } = setup({});
    await expect(view.set('certificates', { a: 'b' })).rejects.toBeInstanceOf(TypeError);
  });

  it.each([
    ['a number value', { a: 1 }],
    ['an empty key', { '': 'x' }],
    ['an array', ['x']],
  ])('rejects a write of %s with TypeError', async (_name, data) => {
    const { view } = setup({});
    await expect(view.set(REL, data as unknown as Record<string, string>)).rejects.toBeInstanceOf(TypeError);
  });
});
