import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const packageDir = resolve(import.meta.dirname, '..');

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'flags-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Compiles src/ to a private directory, so child processes (plain node, which cannot run TS) test
 * this checkout's code rather than a possibly stale dist/. It sits under the package's node_modules
 * so that `@tls-client/cert-writer` resolves as it does for dist/.
 */
export function buildForChildren(): { dir: string; cleanup: () => void } {
  const cache = join(packageDir, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'flags-child-'));
  chmodSync(dir, 0o755); // children that drop to `nobody` must read it
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(
    process.execPath,
    [
      tsc,
      '-p',
      join(packageDir, 'tsconfig.build.json'),
      '--outDir',
      dir,
      '--declaration',
      'false',
      '--declarationMap',
      'false',
      '--sourceMap',
      'false',
    ],
    { stdio: 'pipe' },
  );
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The child fixture script. */
export const childScript = join(import.meta.dirname, 'fixtures', 'child.mjs');
