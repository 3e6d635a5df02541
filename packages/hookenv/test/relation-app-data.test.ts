// RelationDataView's application databags against the fake Juju: the remote app's for everyone,
// ours for the leader only, with leadership checked through is-leader before anything is written.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeModel } from '@tls-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HookToolError, HookTools, RelationDataView } from '../src/index.js';

let charmDir: string;
let model: FakeModel;
let rel: string;

beforeEach(async () => {
  charmDir = await mkdtemp(join(tmpdir(), 'hookenv-app-'));
  model = await FakeModel.create({ unit: 'web/1', charmDir, leader: true });
  rel = model.addRelation('certificates', 'vault');
  model.addRemoteUnit(rel, 'vault/0');
  model.setRemoteAppData(rel, { certificates: '[]' });
  model.setLocalAppData(rel, { old: 'value', keep: 'same' });
});

afterEach(async () => {
  await model.cleanup();
  await rm(charmDir, { recursive: true, force: true });
});

function open(hook = 'certificates-relation-changed') {
  const { env, contextId } = model.hookEnv(hook, { relationId: rel });
  const tools = new HookTools({ env, timeoutMs: 20_000 });
  const view = new RelationDataView(tools, { localUnit: 'web/1' });
  return { tools, view, end: (success = true) => model.endHook(contextId, { success }) };
}

describe('RelationDataView application databags', () => {
  it('reads the remote app databag, and ours as leader with unflushed writes', async () => {
    const { view, tools } = open();
    expect(await view.getApp(rel, 'vault')).toEqual({ certificates: '[]' });
    await view.setApp(rel, { csrs: '[{"certificate_signing_request": "x"}]', old: null });
    expect(await view.getApp(rel, 'web')).toEqual({
      csrs: '[{"certificate_signing_request": "x"}]',
      keep: 'same',
    });
    expect(tools.callsByTool['relation-get']).toBe(2);
  });

  it('flushes our app databag with one relation-set --app, only the keys that changed', async () => {
    const { view, end } = open();
    await view.setApp(rel, { keep: 'same', old: '', fresh: 'new' });
    await view.set(rel, { unit_key: 'u' });
    expect(await view.flush()).toEqual({ relationSets: 2 });
    const sets = model.calls().filter((c) => c.tool === 'relation-set');
    expect(sets.map((c) => c.args)).toEqual([
      ['-r', rel, '--file', '-'],
      ['-r', rel, '--app', '--file', '-'],
    ]);
    expect(await view.flush()).toEqual({ relationSets: 0 });
    end(true);
    expect(model.localAppData(rel)).toEqual({ keep: 'same', fresh: 'new' });
    expect(model.localUnitData(rel)).toEqual({ unit_key: 'u' });
  });

  it('refuses a non-leader with ERR_HOOKENV_NOT_LEADER before anything is sent', async () => {
    model.setLeader(false);
    const { view, tools, end } = open();
    const error = await view.setApp(rel, { csrs: '[]' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HookToolError);
    expect((error as HookToolError).code).toBe('ERR_HOOKENV_NOT_LEADER');
    await expect(view.getApp(rel, 'web')).rejects.toMatchObject({ code: 'ERR_HOOKENV_NOT_LEADER' });
    expect(await view.getApp(rel, 'vault')).toEqual({ certificates: '[]' });
    expect(await view.flush()).toEqual({ relationSets: 0 });
    expect(tools.callsByTool['relation-set']).toBeUndefined();
    end(true);
    expect(model.localAppData(rel)).toEqual({ old: 'value', keep: 'same' });
  });

  it('drops app databag writes of a failed hook', async () => {
    const { view, end } = open();
    await view.setApp(rel, { fresh: 'new' });
    await view.flush();
    end(false);
    expect(model.localAppData(rel)).toEqual({ old: 'value', keep: 'same' });
  });
});
