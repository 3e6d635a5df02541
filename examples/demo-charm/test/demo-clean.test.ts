import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO, outputTail, runDemo } from './run-demo.js';

describe('pnpm demo --clean', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'demo-charm-clean-test-'));

  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs quietly and removes its directory at the end', async () => {
    if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: run pnpm --filter demo-charm build first`);
    const run = await runDemo(tmp, ['--clean', '--quiet']);
    expect(run.stdout, outputTail(run)).toContain('== Result: all checks passed');
    expect(run.exitCode).toBe(0);
    expect(run.dir.startsWith(tmp)).toBe(true);
    expect(existsSync(run.dir)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
    // --quiet leaves out the per-hook detail but keeps the summary.
    expect(run.stdout).not.toContain('[1] install');
    expect(run.stdout).toContain('== Files');
  });

  it('prints its usage with --help and exits 0 without creating anything', async () => {
    const run = await runDemo(tmp, ['--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('--clean');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('rejects an unknown option with exit code 2', async () => {
    const run = await runDemo(tmp, ['--bogus']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--bogus');
    expect(readdirSync(tmp)).toEqual([]);
  });
});
