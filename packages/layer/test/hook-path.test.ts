import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const FORBID = join(here, 'fixtures', 'forbid-forge.mjs');
const DIST = join(here, '..', 'dist');
const run = promisify(execFile);

/** Imports `code` in a fresh node where any load of node-forge throws. */
async function importWithoutForge(code: string) {
  try {
    const { stdout } = await run(process.execPath, ['--import', FORBID, '--input-type=module', '-e', code], {
      cwd: here,
    });
    return { ok: true, out: stdout };
  } catch (error) {
    return { ok: false, out: String((error as { stderr?: string }).stderr) };
  }
}

describe('the hook path', () => {
  it('never loads node-forge: the layer and its whole dependency graph', async () => {
    const result = await importWithoutForge(
      `await import(${JSON.stringify(join(DIST, 'index.js'))}); console.log('ok');`,
    );
    expect(result).toEqual({ ok: true, out: 'ok\n' });
  });

  it('would notice if it did (the guard catches the testing package, which uses node-forge)', async () => {
    const result = await importWithoutForge(`await import('@tls-client/testing');`);
    expect(result.ok).toBe(false);
    expect(result.out).toContain('node-forge was');
  });
});
