// The workspace scripts a charm author meets first: `test:only` never tests a stale build, and the
// bootstrap lets a new charm under examples/ in without a hand-edited lockfile (but never in CI).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// A plain .mjs script (no types): the tooling tests are not type-checked.
import { stalePackages } from '../scripts/stale-builds.mjs';

const root = join(import.meta.dirname, '../..');
let dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function writeJson(path: string, value: unknown) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

describe('stalePackages (what test:only rebuilds first)', () => {
  it('lists a package whose src is newer than its dist, and its dependencies first', () => {
    const ws = tempDir('stale-');
    writeJson(join(ws, 'packages/a/package.json'), { name: 'a', scripts: { build: 'tsc' } });
    writeJson(join(ws, 'examples/web/package.json'), {
      name: 'web',
      scripts: { build: 'tsc' },
      dependencies: { a: '*' },
    });
    for (const p of ['packages/a', 'examples/web']) {
      mkdirSync(join(ws, p, 'src'), { recursive: true });
      writeFileSync(join(ws, p, 'src/index.ts'), 'export {};\n');
      mkdirSync(join(ws, p, 'dist'), { recursive: true });
      writeFileSync(join(ws, p, 'dist/index.js'), 'export {};\n');
    }
    const old = new Date(Date.now() - 60_000);
    for (const p of ['packages/a', 'examples/web']) {
      utimesSync(join(ws, p, 'src/index.ts'), old, old);
      utimesSync(join(ws, p, 'src'), old, old);
      utimesSync(join(ws, p, 'package.json'), old, old);
    }
    expect(stalePackages(ws).map((p: { name: string }) => p.name)).toEqual([]);
    // The author edits src/charm.ts after the last build: the build is stale.
    writeFileSync(join(ws, 'examples/web/src/charm.ts'), 'export const edited = true;\n');
    expect(stalePackages(ws).map((p: { name: string }) => p.name)).toEqual(['web']);
    writeFileSync(join(ws, 'packages/a/src/index.ts'), 'export const x = 1;\n');
    expect(stalePackages(ws).map((p: { name: string }) => p.name)).toEqual(['a', 'web']);
  });

  it('lists a package that was never built', () => {
    const ws = tempDir('stale-');
    writeJson(join(ws, 'packages/a/package.json'), { name: 'a', scripts: { build: 'tsc' } });
    expect(stalePackages(ws).map((p: { name: string }) => p.name)).toEqual(['a']);
  });
});

describe('bootstrap.sh with a new charm under examples/', () => {
  /** A tiny workspace with one package, its lockfile, and a new example the lockfile does not know. */
  function workspace(): string {
    const ws = tempDir('bootstrap-');
    mkdirSync(join(ws, 'tooling/scripts'), { recursive: true });
    cpSync(join(root, 'tooling/scripts/bootstrap.sh'), join(ws, 'tooling/scripts/bootstrap.sh'));
    writeJson(join(ws, 'package.json'), { name: 'ws', private: true, packageManager: 'pnpm@12.4.2' });
    writeFileSync(join(ws, 'pnpm-workspace.yaml'), "packages:\n  - 'packages/*'\n  - 'examples/*'\n");
    writeJson(join(ws, 'packages/lib/package.json'), {
      name: '@ws/lib',
      version: '0.1.0',
      scripts: { build: 'node -e 0' },
    });
    const first = spawnSync('pnpm', ['install', '--reporter=silent'], { cwd: ws, encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    writeJson(join(ws, 'examples/web-charm/package.json'), {
      name: 'web-charm',
      private: true,
      dependencies: { '@ws/lib': 'workspace:^' },
    });
    return ws;
  }
  const bootstrap = (ws: string, ci: boolean) =>
    spawnSync('bash', [join(ws, 'tooling/scripts/bootstrap.sh')], {
      cwd: ws,
      encoding: 'utf8',
      env: { ...process.env, CI: ci ? 'true' : '' },
    });

  it('adds the new charm to pnpm-lock.yaml outside CI, and says to commit it', () => {
    const ws = workspace();
    const run = bootstrap(ws, false);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('commit pnpm-lock.yaml with your package');
    expect(readFileSync(join(ws, 'pnpm-lock.yaml'), 'utf8')).toContain('examples/web-charm');
  });

  it('keeps the lockfile frozen in CI and fails', () => {
    const ws = workspace();
    const before = readFileSync(join(ws, 'pnpm-lock.yaml'), 'utf8');
    const run = bootstrap(ws, true);
    expect(run.status).not.toBe(0);
    expect(readFileSync(join(ws, 'pnpm-lock.yaml'), 'utf8')).toBe(before);
  });
});
