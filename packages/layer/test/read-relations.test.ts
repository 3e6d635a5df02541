import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHookContext, type HookContext, HookTools, RelationDataView } from '@tls-client/hookenv';
import { FakeModel } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DatabagsNeeded,
  databagsNeeded,
  type RelationHint,
  readRelations,
  relationHint,
} from '../src/read-relations.js';
import { settleDialect } from '../src/v4-dialect.js';
import { UNIT } from './helpers.js';

const ctx = (over: Partial<HookContext>) =>
  ({ hookName: 'update-status', unitName: UNIT, ...over }) as HookContext;
const last = { relationIds: ['certificates:3'], remoteUnits: ['easyrsa/0', 'easyrsa/1'] };

describe('relationHint: the remote application', () => {
  it('is the application of the remembered units outside the relation’s own hooks', () => {
    expect(relationHint(ctx({}), 'certificates', last)?.app).toBe('easyrsa');
  });

  it('is JUJU_REMOTE_APP in a hook of the relation, also for an application-data event', () => {
    const joined = ctx({
      hookName: 'certificates-relation-joined',
      relationId: 'certificates:4',
      remoteUnit: 'vault/0',
      remoteApp: 'vault',
    });
    expect(relationHint(joined, 'certificates', last)).toEqual({
      relationId: 'certificates:4',
      units: ['vault/0'],
      app: 'vault',
    });
    const appChanged = ctx({
      hookName: 'certificates-relation-changed',
      relationId: 'certificates:3',
      remoteApp: 'easyrsa',
    });
    expect(relationHint(appChanged, 'certificates', last)?.app).toBe('easyrsa');
  });

  it('is the unit’s application when the hook context names no remote application', () => {
    const joined = ctx({
      hookName: 'certificates-relation-joined',
      relationId: 'certificates:4',
      remoteUnit: 'vault/0',
    });
    expect(relationHint(joined, 'certificates', last)?.app).toBe('vault');
  });

  it('is none when no remote unit is expected (no application databag is read then)', () => {
    const departed = ctx({
      hookName: 'certificates-relation-departed',
      relationId: 'certificates:3',
      remoteUnit: 'easyrsa/0',
      departingUnit: 'easyrsa/0',
      remoteApp: 'easyrsa',
    });
    const single = { relationIds: ['certificates:3'], remoteUnits: ['easyrsa/0'] };
    expect(relationHint(departed, 'certificates', single)).toEqual({
      relationId: 'certificates:3',
      units: [],
      app: undefined,
    });
    const created = ctx({
      hookName: 'certificates-relation-created',
      relationId: 'certificates:5',
      remoteApp: 'vault',
    });
    expect(relationHint(created, 'certificates', { relationIds: [], remoteUnits: [] })?.app).toBe(undefined);
  });

  it('is never our own application (reading that databag would call is-leader) nor a malformed name', () => {
    const own = ctx({
      hookName: 'certificates-relation-changed',
      relationId: 'certificates:3',
      remoteUnit: 'easyrsa/0',
      remoteApp: 'myapp',
    });
    expect(relationHint(own, 'certificates', last)?.app).toBe(undefined);
    const odd = ctx({
      hookName: 'certificates-relation-changed',
      relationId: 'certificates:3',
      remoteUnit: 'easyrsa/0',
      remoteApp: 'Not An App',
    });
    expect(relationHint(odd, 'certificates', last)?.app).toBe(undefined);
  });
});

describe('databagsNeeded', () => {
  it('reads no application databag for legacy, and no unit databags for a relation settled on v4', () => {
    expect(databagsNeeded('legacy', undefined)).toEqual({ units: true, app: false });
    expect(databagsNeeded('legacy', 'v4')).toEqual({ units: true, app: false });
    expect(databagsNeeded('auto', 'legacy')).toEqual({ units: true, app: false });
    expect(databagsNeeded('auto', 'v4')).toEqual({ units: false, app: true });
    expect(databagsNeeded('v4', 'v4')).toEqual({ units: false, app: true });
    expect(databagsNeeded('auto', 'unknown')).toEqual({ units: true, app: true });
    expect(databagsNeeded('auto', undefined)).toEqual({ units: true, app: true });
    expect(databagsNeeded('v4', undefined)).toEqual({ units: true, app: true });
    // A relation recorded as legacy under a charm now forcing v4 still reads both, as before.
    expect(databagsNeeded('v4', 'legacy')).toEqual({ units: true, app: true });
  });

  it('skips the unit databags only where the dialect is v4 whatever they hold', () => {
    for (const protocol of ['auto', 'legacy', 'v4'] as const) {
      for (const recorded of ['legacy', 'v4', 'unknown', undefined] as const) {
        if (databagsNeeded(protocol, recorded).units) continue;
        for (const detected of ['legacy', 'v4', 'unknown'] as const) {
          expect(settleDialect({ protocol, recorded, detected }), `${protocol}/${recorded}`).toBe('v4');
        }
      }
    }
  });
});

describe('readRelations through the fake Juju', () => {
  let dir: string | undefined;
  let model: FakeModel | undefined;
  afterEach(async () => {
    await model?.cleanup();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    model = undefined;
    dir = undefined;
  });

  /** A model whose relation to `app` has one unit (legacy data) and an app databag (v4 data). */
  async function setUp(app: string) {
    dir = await mkdtemp(join(tmpdir(), 'tls-client-read-relations-'));
    const charmDir = join(dir, 'charm');
    await mkdir(charmDir);
    model = await FakeModel.create({ unit: UNIT, charmDir, dir: join(dir, 'juju'), stateDir: false });
    const rel = model.addRelation('certificates', app);
    model.addRemoteUnit(rel, `${app}/0`, { ca: `${app} unit data` });
    model.setRemoteAppData(rel, { capabilities: `${app} app data` });
    return { model, rel };
  }

  async function read(m: FakeModel, hint: RelationHint | undefined, needs: DatabagsNeeded) {
    const { env, contextId } = m.hookEnv('update-status');
    const tools = new HookTools({ env });
    const ctx = getHookContext(env);
    try {
      return await readRelations(
        {
          tools,
          view: new RelationDataView(tools, { localUnit: ctx.unitName }),
          ctx,
          endpoint: 'certificates',
          tool: (fn) => fn(),
          needs: () => needs,
        },
        hint,
      );
    } finally {
      m.endHook(contextId, { success: true });
    }
  }

  const calls = (m: FakeModel) =>
    m
      .calls()
      .map((c) => `${c.tool} ${c.args.join(' ')} -> ${c.exitCode}`)
      .sort();

  it('settled on v4: lists the units but reads only our databag and the application’s', async () => {
    const { model: m, rel } = await setUp('vault');
    const hint = { relationId: rel, units: ['vault/0'], app: 'vault' };
    const result = await read(m, hint, { units: false, app: true });
    expect(result).toEqual({
      ids: [rel],
      units: [{ relationId: rel, unit: 'vault/0', data: {} }],
      published: {},
      app: { capabilities: 'vault app data' },
    });
    expect(calls(m)).toEqual(
      [
        `relation-get --format=json -r ${rel} --app - vault -> 0`,
        `relation-get --format=json -r ${rel} - myapp/0 -> 0`,
        'relation-ids --format=json certificates -> 0',
        `relation-list --format=json -r ${rel} -> 0`,
      ].sort(),
    );
  });

  it('a wrong remote application in the hint (the provider was swapped) still reads the right databag', async () => {
    const { model: m, rel } = await setUp('vault');
    // The last hook saw another provider on this relation id: its early read fails, is dropped,
    // and the application relation-list names is read for real.
    const hint = { relationId: rel, units: ['easyrsa/0'], app: 'easyrsa' };
    const result = await read(m, hint, { units: true, app: true });
    expect(result.app).toEqual({ capabilities: 'vault app data' });
    expect(result.units).toEqual([{ relationId: rel, unit: 'vault/0', data: { ca: 'vault unit data' } }]);
    const made = calls(m);
    expect(made).toContain(`relation-get --format=json -r ${rel} --app - easyrsa -> 1`);
    expect(made).toContain(`relation-get --format=json -r ${rel} --app - vault -> 0`);
    expect(made).toContain(`relation-get --format=json -r ${rel} - vault/0 -> 0`);
  });

  it('reads no application databag when not needed, and none without a remote unit', async () => {
    const { model: m, rel } = await setUp('easyrsa');
    const legacy = await read(
      m,
      { relationId: rel, units: ['easyrsa/0'], app: 'easyrsa' },
      {
        units: true,
        app: false,
      },
    );
    expect(legacy.app).toEqual({});
    expect(legacy.units).toEqual([{ relationId: rel, unit: 'easyrsa/0', data: { ca: 'easyrsa unit data' } }]);
    expect(calls(m).filter((c) => c.includes('--app'))).toEqual([]);

    m.clearCalls();
    m.removeRemoteUnit(rel, 'easyrsa/0');
    const empty = await read(m, undefined, { units: true, app: true });
    expect(empty).toEqual({ ids: [rel], units: [], published: {}, app: {} });
    expect(calls(m).filter((c) => c.includes('--app'))).toEqual([]);
  });
});
