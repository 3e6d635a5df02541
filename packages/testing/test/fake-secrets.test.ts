// The fake secret tools as a charm's hook sees them: Juju's flags and output, owners and labels,
// revisions, grants, the hook's buffered changes, the fake clock, and the secret hooks' variables.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeModel, SECRET_TOOL_NAMES, TestingError } from '../src/index.js';
import { execTool, removeDir, tempDir, writeDispatch } from './helpers.js';

let charmDir: string;
let model: FakeModel;
let rel: string;

beforeEach(async () => {
  charmDir = await tempDir('charm');
  model = await FakeModel.create({ unit: 'web/0', charmDir, leader: true });
  rel = model.addRelation('certificates', 'vault', { id: 3 });
  model.addRemoteUnit(rel, 'vault/0');
});

afterEach(async () => {
  await model.cleanup();
  await removeDir(charmDir);
});

function inHook(hook = 'update-status', options: Parameters<FakeModel['hookEnv']>[1] = {}) {
  const { env, contextId } = model.hookEnv(hook, options);
  const run = (tool: string, args: string[], stdin?: string) =>
    execTool(model.binDir, tool, args, env, stdin);
  return { env, run, end: (success = true) => model.endHook(contextId, { success }) };
}

describe('secret-add and secret-get', () => {
  it('prints the URI, reads back YAML by default or JSON, one key, or one key as base64', async () => {
    const { run } = inHook();
    const add = await run('secret-add', ['--owner', 'unit', 'token=s3cret', 'blob#base64=AAEC']);
    expect(add.exitCode).toBe(0);
    const uri = add.stdout.trim();
    expect(uri).toMatch(/^secret:\/\/[0-9a-f-]{36}\/[0-9a-v]{20}$/);
    expect((await run('secret-get', [uri])).stdout).toBe('blob: "\\0\\x01\\x02"\ntoken: s3cret\n');
    expect(JSON.parse((await run('secret-get', [uri, '--format=json'])).stdout)).toEqual({
      blob: '\u0000\u0001\u0002',
      token: 's3cret',
    });
    expect((await run('secret-get', ['--format=json', uri, 'token'])).stdout).toBe('"s3cret"\n');
    expect((await run('secret-get', ['--format=json', uri, 'blob#base64'])).stdout).toBe('"AAEC"\n');
    expect((await run('secret-get', ['--format=json', `secret:${uri.slice(-20)}`, 'token'])).stdout).toBe(
      '"s3cret"\n',
    );
  });

  it('reads key#file= and --file YAML content exactly, newlines included', async () => {
    const file = join(charmDir, 'value');
    await writeFile(file, 'line 1\nline 2\n');
    await writeFile(join(charmDir, 'content.yaml'), 'api-key: abc\ncert#base64: aGk=\n');
    const { run } = inHook();
    const a = (await run('secret-add', [`pem#file=${file}`])).stdout.trim();
    const b = (await run('secret-add', ['--file', join(charmDir, 'content.yaml')])).stdout.trim();
    expect(JSON.parse((await run('secret-get', ['--format=json', a])).stdout)).toEqual({
      pem: 'line 1\nline 2\n',
    });
    expect(JSON.parse((await run('secret-get', ['--format=json', b])).stdout)).toEqual({
      'api-key': 'abc',
      cert: 'hi',
    });
  });

  it.each([
    [['--owner', 'model', 'token=x'], 2, 'invalid owner'],
    [['ab=x'], 2, 'invalid secret key'],
    [['token#base64=***'], 2, 'not valid base64'],
    [['token=x', 'token=y'], 2, 'more than once'],
    [[], 2, 'missing secret value'],
    [['--expire', 'soon', 'token=x'], 2, 'invalid expire'],
    [['--rotate', 'sometimes', 'token=x'], 2, 'invalid rotate policy'],
  ])('secret-add %j exits %i with "%s"', async (args, exitCode, message) => {
    const out = await inHook().run('secret-add', args);
    expect(out.exitCode).toBe(exitCode);
    expect(out.stderr).toContain(message);
  });

  it('needs leadership for an application secret, and keeps labels unique per owner', async () => {
    const { run } = inHook();
    expect((await run('secret-add', ['--label', 'key', 'token=a'])).exitCode).toBe(0);
    const twice = await run('secret-add', ['--label', 'key', 'token=b']);
    expect([twice.exitCode, twice.stderr]).toEqual([1, 'ERROR secret with label "key" already exists\n']);
    expect((await run('secret-add', ['--owner', 'unit', '--label', 'key', 'token=c'])).exitCode).toBe(0);
    model.setLeader(false);
    const follower = await run('secret-add', ['token=d']);
    expect([follower.exitCode, follower.stderr]).toEqual([1, 'ERROR this unit is not the leader\n']);
  });

  it('says "not found" for unknown ids and labels, and secrets not granted to us', async () => {
    const hidden = model.addSecret({ owner: 'vault', content: { token: 'x' } });
    const { run } = inHook();
    for (const args of [[hidden], ['--label', 'nope'], ['secret:0123456789abcdefghij']]) {
      const out = await run('secret-get', args);
      expect(out.exitCode).toBe(1);
      expect(out.stderr).toMatch(/^ERROR secret ".*" not found\n$/);
    }
  });
});

describe('revisions, consumers and grants', () => {
  it('gives a consumer the tracked revision until --refresh, and --peek just once', async () => {
    const uri = model.addSecret({ owner: 'vault', content: { token: 'v1' }, grant: { relationId: rel } });
    const get = async (run: ReturnType<typeof inHook>['run'], ...flags: string[]) =>
      JSON.parse((await run('secret-get', ['--format=json', uri, ...flags])).stdout).token;
    const first = inHook();
    expect(await get(first.run)).toBe('v1');
    first.end();
    model.setSecretContent(uri, { token: 'v2' });
    const { run, end } = inHook('secret-changed', { secretId: uri });
    expect([await get(run), await get(run, '--peek'), await get(run)]).toEqual(['v1', 'v2', 'v1']);
    expect([await get(run, '--refresh'), await get(run)]).toEqual(['v2', 'v2']);
    end(false);
    expect(model.secret(uri).trackedRevision).toBe(1); // a failed hook's refresh is dropped too
  });

  it('lets the owner see its latest revision, set metadata, and list, grant, revoke and remove', async () => {
    const { run, end } = inHook();
    const uri = (await run('secret-add', ['--label', 'cert', 'certificate=one'])).stdout.trim();
    expect((await run('secret-set', [uri, 'certificate=two', '--description', 'the cert'])).exitCode).toBe(0);
    expect((await run('secret-get', [uri, 'certificate'])).stdout).toBe('two\n');
    const info = JSON.parse((await run('secret-info-get', ['--format=json', '--label', 'cert'])).stdout);
    expect(info).toEqual({
      [uri.slice(-20)]: { revision: 2, label: 'cert', owner: 'application', description: 'the cert' },
    });
    expect(JSON.parse((await run('secret-ids', ['--format=json'])).stdout)).toEqual([uri]);
    expect((await run('secret-grant', [uri, '-r', rel, '--unit', 'vault/0'])).exitCode).toBe(0);
    expect((await run('secret-grant', [uri, '-r', 'certificates:99'])).exitCode).toBe(2);
    expect((await run('secret-grant', [uri, '-r', rel, '--unit', 'vault/7'])).exitCode).toBe(2);
    end();
    expect(model.secret(uri)).toMatchObject({
      latestRevision: 2,
      grants: [{ relationId: rel, unit: 'vault/0' }],
    });

    const next = inHook();
    expect((await next.run('secret-revoke', [uri, '--app', 'vault'])).exitCode).toBe(0);
    expect((await next.run('secret-remove', [uri, '--revision', '9'])).exitCode).toBe(1);
    expect((await next.run('secret-remove', [uri, '--revision', '1'])).exitCode).toBe(0);
    next.end();
    expect(model.secret(uri)).toMatchObject({ grants: [] });
    expect(model.secret(uri).revisions.map((r) => r.revision)).toEqual([2]);
  });

  it('lets only the leader manage an application secret', async () => {
    const uri = model.addSecret({ content: { token: 'x' } });
    model.setLeader(false);
    const { run } = inHook();
    expect((await run('secret-get', [uri, 'token'])).stdout).toBe('x\n');
    const set = await run('secret-set', [uri, 'token=y']);
    expect([set.exitCode, set.stderr]).toEqual([1, 'ERROR this unit is not the leader\n']);
  });

  it('records key=value content redacted and key#file= paths as they are', async () => {
    const { run } = inHook();
    await run('secret-add', ['--label', 'l', 'token=s3cret', 'pem#file=/nonexistent']);
    const [call] = model.calls().filter((c) => c.tool === 'secret-add');
    expect(call?.args).toEqual(['--label', 'l', 'token=<redacted>', 'pem#file=/nonexistent']);
  });
});

describe('rollback, the fake clock and the secret hooks', () => {
  it('drops the secret changes of a failed hook run and keeps those of a good one', async () => {
    await writeDispatch(charmDir, 'secret-add --owner unit --label "$1" token=x >/dev/null && exit "$2"');
    const ok = await model.runHook('install', { command: [join(charmDir, 'dispatch'), 'kept', '0'] });
    const bad = await model.runHook('install', { command: [join(charmDir, 'dispatch'), 'lost', '1'] });
    expect([ok.committed, bad.committed]).toEqual([true, false]);
    expect(model.secrets().map((s) => s.label)).toEqual(['kept']);
  });

  it('computes --expire durations on the fake clock and lists expired revisions', async () => {
    model.setClock(new Date('2030-01-01T00:00:00Z'));
    const { run, end } = inHook();
    const uri = (
      await run('secret-add', ['--owner', 'unit', '--label', 'c', '--expire', '1h30m', 'token=x'])
    ).stdout.trim();
    end();
    expect(model.secret(uri).revisions[0]?.expireAt).toEqual(new Date('2030-01-01T01:30:00Z'));
    model.advanceClock(90 * 60_000 - 1);
    expect(model.expiredSecrets()).toEqual([]);
    model.advanceClock(1);
    expect(model.now()).toEqual(new Date('2030-01-01T01:30:00Z'));
    expect(model.expiredSecrets()).toEqual([
      { uri, id: uri.slice(-20), label: 'c', revision: 1, expireAt: '2030-01-01T01:30:00.000Z' },
    ]);
  });

  it('gives secret hooks JUJU_SECRET_ID, JUJU_SECRET_LABEL and (not for -changed) JUJU_SECRET_REVISION', async () => {
    const ours = model.addSecret({ owner: 'web/0', label: 'mine', content: { token: 'x' }, expire: -1 });
    const theirs = model.addSecret({
      owner: 'vault',
      consumerLabel: 'theirs',
      content: { token: 'y' },
      grant: { relationId: rel },
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
    await writeDispatch(charmDir, 'echo "$JUJU_SECRET_ID|$JUJU_SECRET_LABEL|${JUJU_SECRET_REVISION-unset}"');
    const expired = await model.runHook('secret-expired', { secretId: ours });
    const removed = await model.runHook('secret-remove', { secretId: ours, secretRevision: 1 });
    const changed = await model.runHook('secret-changed', { secretId: theirs });
    expect([expired.stdout, removed.stdout, changed.stdout]).toEqual([
      `${ours}|mine|1\n`,
      `${ours}|mine|1\n`,
      `${theirs}|theirs|unset\n`,
    ]);
    expect(() => model.hookEnv('secret-expired')).toThrow(TypeError);
    expect(() => model.hookEnv('secret-expired', { secretId: 'secret:0123456789abcdefghij' })).toThrow(
      TestingError,
    );
  });

  it('simulates Juju 2.9: no secret tools on PATH', async () => {
    const old = await FakeModel.create({ unit: 'web/0', charmDir, jujuVersion: '2.9.44' });
    await writeDispatch(
      charmDir,
      'command -v secret-add || echo none; command -v relation-get >/dev/null && echo relation-get',
    );
    const run = await old.runHook('install', { env: { PATH: `${old.binDir}:/usr/bin:/bin` } });
    expect(run.stdout).toBe('none\nrelation-get\n');
    expect(SECRET_TOOL_NAMES).toHaveLength(8);
    await old.cleanup();
  });
});
