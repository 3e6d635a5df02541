import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getHookContext, HookToolError } from '../src/index.js';

const relationHook = {
  JUJU_UNIT_NAME: 'myapp/3',
  JUJU_HOOK_NAME: 'certificates-relation-changed',
  JUJU_DISPATCH_PATH: 'hooks/certificates-relation-changed',
  JUJU_CHARM_DIR: '/var/lib/juju/agents/unit-myapp-3/charm',
  CHARM_DIR: '/legacy',
  JUJU_RELATION: 'certificates',
  JUJU_RELATION_ID: 'certificates:7',
  JUJU_REMOTE_UNIT: 'easyrsa/0',
  JUJU_REMOTE_APP: 'easyrsa',
  JUJU_MODEL_NAME: 'prod',
  JUJU_MODEL_UUID: 'f2a4c6e8-0000-4000-8000-000000000000',
  JUJU_VERSION: '3.6.4',
};

function catchError(fn: () => unknown): HookToolError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HookToolError) return error;
    throw error;
  }
  throw new Error('expected a HookToolError');
}

describe('getHookContext', () => {
  it('reads every value of a relation hook', () => {
    const ctx = getHookContext(relationHook, '/charm/dispatch');
    expect(ctx).toMatchObject({
      unitName: 'myapp/3',
      appName: 'myapp',
      hookName: 'certificates-relation-changed',
      charmDir: '/var/lib/juju/agents/unit-myapp-3/charm',
      relationName: 'certificates',
      relationId: 'certificates:7',
      remoteUnit: 'easyrsa/0',
      remoteApp: 'easyrsa',
      modelName: 'prod',
      modelUuid: 'f2a4c6e8-0000-4000-8000-000000000000',
      jujuVersion: '3.6.4',
      dispatchPath: 'hooks/certificates-relation-changed',
      isRelationHook: true,
    });
  });

  it('falls back from JUJU_HOOK_NAME to JUJU_DISPATCH_PATH to argv0', () => {
    expect(getHookContext({ JUJU_DISPATCH_PATH: 'hooks/config-changed', JUJU_HOOK_NAME: '' }).hookName).toBe(
      'config-changed',
    );
    expect(getHookContext({}, '/var/lib/juju/charm/hooks/install').hookName).toBe('install');
    expect(getHookContext({ JUJU_HOOK_NAME: 'start', JUJU_DISPATCH_PATH: 'hooks/stop' }, 'x').hookName).toBe(
      'start',
    );
  });

  it('treats empty variables as absent', () => {
    const ctx = getHookContext({
      ...relationHook,
      JUJU_REMOTE_UNIT: '',
      JUJU_RELATION_ID: '',
      JUJU_RELATION: '',
    });
    expect(ctx.remoteUnit).toBeUndefined();
    expect(ctx.relationId).toBeUndefined();
    expect(ctx.relationName).toBeUndefined();
    expect(ctx.isRelationHook).toBe(false);
  });

  it('uses CHARM_DIR when JUJU_CHARM_DIR is absent', () => {
    expect(getHookContext({ CHARM_DIR: '/legacy' }).charmDir).toBe('/legacy');
  });

  it('throws for a missing variable only when it is read', () => {
    const ctx = getHookContext({ JUJU_HOOK_NAME: 'install' }, '');
    expect(ctx.hookName).toBe('install');
    expect(ctx.modelName).toBeUndefined();
    const unit = catchError(() => ctx.unitName);
    expect(unit).toMatchObject({ code: 'ERR_HOOKENV_MISSING_ENV', variable: 'JUJU_UNIT_NAME' });
    expect(unit.message).toContain('JUJU_UNIT_NAME');
    expect(catchError(() => ctx.appName)).toMatchObject({ code: 'ERR_HOOKENV_MISSING_ENV' });
    expect(catchError(() => ctx.charmDir)).toMatchObject({
      code: 'ERR_HOOKENV_MISSING_ENV',
      variable: 'CHARM_DIR',
    });
    expect(catchError(() => getHookContext({}, '').hookName)).toMatchObject({
      code: 'ERR_HOOKENV_MISSING_ENV',
      variable: 'JUJU_HOOK_NAME',
    });
  });

  it.each([
    ['no unit number', { JUJU_UNIT_NAME: 'myapp' }, 'unitName', 'JUJU_UNIT_NAME'],
    ['a unit number with a leading zero', { JUJU_UNIT_NAME: 'myapp/01' }, 'unitName', 'JUJU_UNIT_NAME'],
    ['an upper-case app', { JUJU_UNIT_NAME: 'MyApp/0' }, 'unitName', 'JUJU_UNIT_NAME'],
    [
      'a relation id without a number',
      { JUJU_RELATION_ID: 'certificates:x' },
      'relationId',
      'JUJU_RELATION_ID',
    ],
  ] as const)('rejects %s', (_name, env, getter, variable) => {
    const error = catchError(() => getHookContext(env)[getter]);
    expect(error).toMatchObject({ code: 'ERR_HOOKENV_INVALID_ENV', variable });
  });

  it('falls back to the running script for the hook name by default', () => {
    expect(getHookContext({}).hookName).toBe(basename(process.argv[1] ?? ''));
  });

  it('takes a snapshot of the environment', () => {
    const env: NodeJS.ProcessEnv = { JUJU_UNIT_NAME: 'a/0' };
    const ctx = getHookContext(env);
    env.JUJU_UNIT_NAME = 'b/1';
    expect(ctx.unitName).toBe('a/0');
  });

  it('serialises to JSON without throwing for missing values', () => {
    const json = JSON.parse(JSON.stringify(getHookContext({ JUJU_UNIT_NAME: 'a/0' }, '')));
    expect(json).toMatchObject({ unitName: 'a/0', appName: 'a', isRelationHook: false });
    expect(json.hookName).toBeUndefined();
  });
});

describe('getHookContext secret variables', () => {
  it('reads JUJU_SECRET_ID, JUJU_SECRET_LABEL and JUJU_SECRET_REVISION as a number', () => {
    const ctx = getHookContext(
      {
        JUJU_UNIT_NAME: 'web/0',
        JUJU_HOOK_NAME: 'secret-expired',
        JUJU_SECRET_ID: 'secret://8c2a4f5e-1d2b-4c3d-9e8f-0a1b2c3d4e5f/cj8mfv2qv5ic7dm2b7ng',
        JUJU_SECRET_LABEL: 'tls-cert',
        JUJU_SECRET_REVISION: '3',
      },
      '',
    );
    expect([ctx.secretId, ctx.secretLabel, ctx.secretRevision]).toEqual([
      'secret://8c2a4f5e-1d2b-4c3d-9e8f-0a1b2c3d4e5f/cj8mfv2qv5ic7dm2b7ng',
      'tls-cert',
      3,
    ]);
    const bare = getHookContext(
      { JUJU_UNIT_NAME: 'web/0', JUJU_SECRET_ID: 'secret:cj8mfv2qv5ic7dm2b7ng', JUJU_SECRET_LABEL: '' },
      '',
    );
    expect([bare.secretId, bare.secretLabel, bare.secretRevision]).toEqual([
      'secret:cj8mfv2qv5ic7dm2b7ng',
      undefined,
      undefined,
    ]);
  });

  it.each([
    ['JUJU_SECRET_ID', 'not-a-secret'],
    ['JUJU_SECRET_REVISION', '0'],
    ['JUJU_SECRET_REVISION', '2x'],
  ])('throws ERR_HOOKENV_INVALID_ENV for %s=%j when read', (variable, value) => {
    const ctx = getHookContext({ JUJU_UNIT_NAME: 'web/0', [variable]: value }, '');
    const read = () => (variable === 'JUJU_SECRET_ID' ? ctx.secretId : ctx.secretRevision);
    expect(read).toThrow(expect.objectContaining({ code: 'ERR_HOOKENV_INVALID_ENV', variable }));
    expect(JSON.parse(JSON.stringify(ctx))).toMatchObject({ unitName: 'web/0' });
  });
});
