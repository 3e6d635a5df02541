import { spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeModel, TestingError } from '../src/index.js';
import { execTool, removeDir, tempDir } from './helpers.js';

let charmDir: string;
let model: FakeModel;

beforeEach(async () => {
  charmDir = await tempDir('state');
  model = await FakeModel.create({ unit: 'app/0', charmDir });
});

afterEach(async () => {
  await model.cleanup();
  await removeDir(charmDir);
});

describe('state file', () => {
  it('is private to its owner and holds no buffered values once the hook ends', async () => {
    expect((await stat(model.stateFile)).mode & 0o777).toBe(0o600);
    const rel = model.addRelation('certificates', 'easyrsa');
    const { env, contextId } = model.hookEnv('install');
    await execTool(
      model.binDir,
      'relation-set',
      ['-r', rel, '--file', '-'],
      env,
      '{"key": "SECRET-KEY-BYTES"}',
    );
    expect(await readFile(model.stateFile, 'utf8')).toContain('SECRET-KEY-BYTES');
    model.endHook(contextId, { success: false });
    expect(await readFile(model.stateFile, 'utf8')).not.toContain('SECRET-KEY-BYTES');
  });

  it('breaks a lock left behind by a process that died', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    // The repo lock's owner record: pid, process start time, host.
    await writeFile(
      `${model.stateFile}.lock`,
      JSON.stringify({ pid: Number(dead.stdout), start: null, host: hostname() }),
    );
    const { env } = model.hookEnv('install');
    const out = await execTool(model.binDir, 'is-leader', ['--format=json'], env);
    expect(out).toEqual({ stdout: 'false\n', stderr: '', exitCode: 0 });
    expect(model.relationIds()).toEqual([]);
  });

  it('reports a corrupt state file as ERR_TESTING_STATE_CORRUPT, in tools and in the model', async () => {
    const { env } = model.hookEnv('install');
    await writeFile(model.stateFile, '{"version": 1,');
    const out = await execTool(model.binDir, 'is-leader', ['--format=json'], env);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain('ERR_TESTING_STATE_CORRUPT');
    expect(() => model.status()).toThrow(TestingError);
    expect(() => model.setLeader(true)).toThrow(
      expect.objectContaining({ code: 'ERR_TESTING_STATE_CORRUPT' }),
    );
  });
});
