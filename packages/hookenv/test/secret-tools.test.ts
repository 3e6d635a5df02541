// The secret tools of HookTools against @tls-client/testing's fake Juju, as real subprocesses. The
// fake logs the kernel's view of each tool's argv (/proc/self/cmdline) to FAKE_JUJU_CMDLINE_LOG, so
// these tests can show that no secret value ever reached a command line.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeModel } from '@tls-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getHookContext, HookToolError, HookTools, parseSecretUri } from '../src/index.js';

const KEY_PEM = [
  '-----BEGIN PRIVATE KEY-----',
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRETSECRET',
  'line three of the key, with "quotes", $dollars, `backticks` and \\ backslashes',
  '-----END PRIVATE KEY-----',
  '',
].join('\n');
/** 64 KiB of text with newlines, so a missed file form would also blow the argv limit. */
const BIG = Array.from({ length: 1024 }, (_, i) => `line ${String(i).padStart(4, '0')} ${'x'.repeat(52)}`)
  .join('\n')
  .padEnd(64 * 1024, 'y');

let workDir: string;
let charmDir: string;
let contentDir: string;
let cmdlineLog: string;
let model: FakeModel;
let rel: string;

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'hookenv-secrets-'));
  charmDir = await mkdtemp(join(workDir, 'charm-'));
  contentDir = await mkdtemp(join(workDir, 'tmp-'));
  cmdlineLog = join(workDir, 'cmdlines.jsonl');
  model = await FakeModel.create({ unit: 'web/0', charmDir, leader: true, dir: join(workDir, 'juju') });
  rel = model.addRelation('certificates', 'vault');
  model.addRemoteUnit(rel, 'vault/0');
});

afterEach(async () => {
  await model.cleanup();
  await rm(workDir, { recursive: true, force: true });
});

/** Opens a hook context and returns HookTools for it, logging every tool's argv. */
function inHook(hook = 'update-status', options: Parameters<FakeModel['hookEnv']>[1] = {}) {
  const { env, contextId } = model.hookEnv(hook, {
    ...options,
    env: { FAKE_JUJU_CMDLINE_LOG: cmdlineLog, ...(options.env ?? {}) },
  });
  const tools = new HookTools({ env, timeoutMs: 20_000, tmpDir: contentDir });
  return { env, tools, end: (success = true) => model.endHook(contextId, { success }) };
}

async function cmdlines(): Promise<string[][]> {
  const text = await readFile(cmdlineLog, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { cmdline: string[] }).cmdline);
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

describe('HookTools.secretAdd', () => {
  it('returns secret://<model-uuid>/<id> on Juju 3.1+ and commits the secret when the hook succeeds', async () => {
    const { tools, env, end } = inHook();
    const uri = await tools.secretAdd({ 'private-key': KEY_PEM }, { owner: 'unit', label: 'tls-key' });
    expect(uri).toMatch(new RegExp(`^secret://${env.JUJU_MODEL_UUID}/[0-9a-v]{20}$`));
    expect(parseSecretUri(uri)).toEqual({ id: uri.slice(-20), modelUuid: env.JUJU_MODEL_UUID });
    expect(model.secrets()).toEqual([]); // buffered until the hook ends
    end(true);
    const [secret] = model.secrets();
    expect(secret).toMatchObject({
      uri,
      ownerKind: 'unit',
      owner: 'web/0',
      label: 'tls-key',
      latestRevision: 1,
    });
    expect(secret?.revisions[0]?.content).toEqual({ 'private-key': KEY_PEM });
  });

  it('accepts the short secret:<id> that Juju 3.0 prints', async () => {
    await model.cleanup();
    model = await FakeModel.create({ unit: 'web/0', charmDir, leader: true, jujuVersion: '3.0.3' });
    const { tools } = inHook();
    const uri = await tools.secretAdd({ token: 'abc' });
    expect(uri).toMatch(/^secret:[0-9a-v]{20}$/);
    expect(await tools.secretGet({ id: uri })).toEqual({ token: 'abc' });
  });

  it('never puts content in argv: 64 KiB with newlines goes through key#file= and the files are gone after', async () => {
    const { tools, end } = inHook();
    const uri = await tools.secretAdd({ 'private-key': KEY_PEM, bundle: BIG }, { owner: 'unit' });
    await tools.secretSet(uri, { content: { 'private-key': `${KEY_PEM}v2`, bundle: `${BIG}v2` } });
    expect(await tools.secretGet({ id: uri })).toEqual({ 'private-key': `${KEY_PEM}v2`, bundle: `${BIG}v2` });
    end(true);
    expect(model.secret(uri).revisions.map((r) => r.revision)).toEqual([1, 2]);

    const lines = await cmdlines();
    const writes = lines.filter((argv) => argv.includes('secret-add') || argv.includes('secret-set'));
    expect(writes).toHaveLength(2);
    for (const argv of lines) {
      const joined = argv.join('\0');
      expect(joined).not.toContain('SECRETSECRET');
      expect(joined).not.toContain('line 0001');
    }
    for (const argv of writes) {
      const content = argv.filter((a) => a.includes('=') && !a.startsWith('--'));
      expect(content.map((a) => a.slice(0, a.indexOf('#file=')))).toEqual(['private-key', 'bundle']);
      for (const arg of content) expect(arg).toMatch(/#file=\//);
    }
    // The fake's call log keeps the file form and no value either.
    const logged = model.calls().filter((c) => c.tool.startsWith('secret-'));
    expect(JSON.stringify(logged)).not.toContain('SECRETSECRET');
    expect(await readdir(contentDir)).toEqual([]);
  });

  it('removes the content files when the tool fails, and says who must do it', async () => {
    model.setLeader(false);
    const { tools } = inHook();
    const error = await rejection(tools.secretAdd({ 'private-key': KEY_PEM }));
    expect(error.code).toBe('ERR_HOOKENV_TOOL_FAILED');
    expect(error.message).toContain('not the leader');
    expect(error.message).not.toContain('SECRET');
    expect(JSON.stringify(error.args)).not.toContain('SECRET');
    expect(await readdir(contentDir)).toEqual([]);
  });

  it('refuses bad keys, content and ids before running anything', async () => {
    const { tools } = inHook();
    await expect(tools.secretAdd({ ab: 'x' })).rejects.toThrow(TypeError);
    await expect(tools.secretAdd({ Key: 'x' })).rejects.toThrow(TypeError);
    await expect(tools.secretAdd({})).rejects.toThrow(TypeError);
    await expect(tools.secretAdd({ token: 'x' }, { expire: 'tomorrow' })).rejects.toThrow(TypeError);
    await expect(tools.secretGet({ id: '--format=yaml' })).rejects.toThrow(TypeError);
    await expect(tools.secretGet({ id: 'secret:x', refresh: true, peek: true })).rejects.toThrow(TypeError);
    expect(tools.callCount).toBe(0);
  });
});

describe('HookTools.secretGet', () => {
  it('finds a secret by label, and tracks revisions of a secret we consume (refresh, peek)', async () => {
    const uri = model.addSecret({ owner: 'vault', content: { token: 'one' }, grant: { relationId: rel } });
    const first = inHook();
    expect(await first.tools.secretGet({ id: uri, label: 'vault-token' })).toEqual({ token: 'one' });
    first.end(true);
    expect(model.secret(uri)).toMatchObject({ consumerLabel: 'vault-token', trackedRevision: 1 });

    model.setSecretContent(uri, { token: 'two' });
    const { tools, end } = inHook('secret-changed', { secretId: uri });
    expect(await tools.secretGet({ label: 'vault-token' })).toEqual({ token: 'one' });
    expect(await tools.secretGet({ label: 'vault-token', peek: true })).toEqual({ token: 'two' });
    expect(await tools.secretGet({ label: 'vault-token' })).toEqual({ token: 'one' });
    expect(await tools.secretGet({ label: 'vault-token', refresh: true })).toEqual({ token: 'two' });
    expect(await tools.secretGet({ label: 'vault-token' })).toEqual({ token: 'two' });
    end(true);
    expect(model.secret(uri).trackedRevision).toBe(2);
  });

  it('reports an unknown or ungranted secret as ERR_HOOKENV_SECRET_NOT_FOUND', async () => {
    const hidden = model.addSecret({ owner: 'vault', content: { token: 'x' } });
    const { tools } = inHook();
    expect((await rejection(tools.secretGet({ id: hidden }))).code).toBe('ERR_HOOKENV_SECRET_NOT_FOUND');
    expect((await rejection(tools.secretGet({ label: 'nothing' }))).code).toBe(
      'ERR_HOOKENV_SECRET_NOT_FOUND',
    );
  });
});

describe('HookTools secret metadata, ids, grants and removal', () => {
  it('reads secret-info-get, lists secret-ids, grants, revokes and removes like Juju', async () => {
    const { tools, end } = inHook();
    const expire = new Date(Date.now() + 3_600_000);
    const uri = await tools.secretAdd(
      { certificate: 'CERT' },
      { label: 'cert', description: 'a certificate', expire, rotate: 'monthly' },
    );
    const info = await tools.secretInfoGet({ label: 'cert' });
    expect(info).toMatchObject({
      id: parseSecretUri(uri)?.id,
      revision: 1,
      label: 'cert',
      description: 'a certificate',
      owner: 'application',
      rotation: 'monthly',
    });
    expect(Math.abs((info.expiry?.getTime() ?? 0) - expire.getTime())).toBeLessThan(1000);
    expect(info.rotates).toBeInstanceOf(Date);
    expect(await tools.secretInfoGet({ id: uri })).toEqual(info);
    expect(await tools.secretIds()).toEqual([uri]);

    await tools.secretGrant(uri, rel, { unit: 'vault/0' });
    await tools.secretSet(uri, { content: { certificate: 'CERT2' } });
    expect((await tools.secretInfoGet({ id: uri })).revision).toBe(2);
    end(true);
    expect(model.secret(uri).grants).toEqual([{ relationId: rel, unit: 'vault/0' }]);

    const next = inHook();
    await next.tools.secretRevoke(uri, { relationId: rel });
    await next.tools.secretRemove(uri, { revision: 1 });
    next.end(true);
    expect(model.secret(uri)).toMatchObject({ grants: [], latestRevision: 2 });
    expect(model.secret(uri).revisions.map((r) => r.revision)).toEqual([2]);

    const last = inHook();
    await last.tools.secretRemove(uri);
    expect((await rejection(last.tools.secretGet({ id: uri }))).code).toBe('ERR_HOOKENV_SECRET_NOT_FOUND');
    last.end(true);
    expect(model.secrets()).toEqual([]);
  });

  it('drops every secret change of a failed hook', async () => {
    const setup = inHook();
    const uri = await setup.tools.secretAdd({ token: 'kept' }, { owner: 'unit', label: 'kept' });
    setup.end(true);

    const { tools, end } = inHook();
    await tools.secretAdd({ token: 'lost' }, { owner: 'unit', label: 'lost' });
    await tools.secretSet(uri, { content: { token: 'changed' }, label: 'renamed' });
    await tools.secretGrant(uri, rel);
    end(false);
    expect(model.secrets()).toHaveLength(1);
    expect(model.secret(uri)).toMatchObject({ label: 'kept', latestRevision: 1, grants: [] });
    expect(model.secret(uri).revisions[0]?.content).toEqual({ token: 'kept' });
  });
});

describe('secret expiry and secret hooks', () => {
  it('lists expired revisions on the fake clock and gives secret-expired its JUJU_SECRET_* variables', async () => {
    const { tools, end } = inHook();
    const uri = await tools.secretAdd(
      { certificate: 'CERT' },
      { owner: 'unit', label: 'cert', expire: '1h' },
    );
    end(true);
    expect(model.expiredSecrets()).toEqual([]);
    model.advanceClock(2 * 3_600_000);
    expect(model.expiredSecrets()).toMatchObject([{ uri, label: 'cert', revision: 1 }]);

    const hook = inHook('secret-expired', { secretId: uri });
    const ctx = getHookContext(hook.env, '');
    expect([ctx.hookName, ctx.secretId, ctx.secretLabel, ctx.secretRevision]).toEqual([
      'secret-expired',
      uri,
      'cert',
      1,
    ]);
    await hook.tools.secretRemove(uri, { revision: ctx.secretRevision! });
    hook.end(true);
    expect(model.secrets()).toEqual([]);
  });
});

describe('HookTools.supportsSecrets', () => {
  it('is true on Juju 3 and false on Juju 2.9, where a secret call is ERR_HOOKENV_SECRETS_UNSUPPORTED', async () => {
    expect(inHook().tools.supportsSecrets()).toBe(true);
    await model.cleanup();
    model = await FakeModel.create({ unit: 'web/0', charmDir, leader: true, jujuVersion: '2.9.44' });
    const { tools } = inHook();
    expect(tools.supportsSecrets()).toBe(false);
    const error = await rejection(tools.secretAdd({ token: 'x' }));
    expect(error.code).toBe('ERR_HOOKENV_SECRETS_UNSUPPORTED');
    expect(error.tool).toBe('secret-add');
    expect(await readdir(contentDir)).toEqual([]);
  });
});

describe('parseSecretUri', () => {
  it.each([
    ['secret:cj8mfv2qv5ic7dm2b7ng', { id: 'cj8mfv2qv5ic7dm2b7ng', modelUuid: undefined }],
    [
      'secret://8c2a4f5e-1d2b-4c3d-9e8f-0a1b2c3d4e5f/cj8mfv2qv5ic7dm2b7ng',
      { id: 'cj8mfv2qv5ic7dm2b7ng', modelUuid: '8c2a4f5e-1d2b-4c3d-9e8f-0a1b2c3d4e5f' },
    ],
    ['cj8mfv2qv5ic7dm2b7ng', { id: 'cj8mfv2qv5ic7dm2b7ng', modelUuid: undefined }],
    ['secret:abc-1', { id: 'abc-1', modelUuid: undefined }],
  ])('parses %s', (text, expected) => {
    expect(parseSecretUri(text)).toEqual(expected);
  });

  it.each(['', 'secret:', 'secret:-x', '--label=x', 'secret://uuid/', 'secret:a b', 'SECRET:abc'])(
    'refuses %j',
    (text) => {
      expect(parseSecretUri(text)).toBeUndefined();
    },
  );
});
