// What every published package ships, read from `npm pack --dry-run` (the file list npm would put
// in the tarball): the built entry points, README, LICENSE and package.json, and nothing else —
// no tests, no fixtures, no TypeScript sources, no source maps pointing at files that are not shipped.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const published = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .filter((dir) => !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private)
  .sort();

function packedFiles(dir: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [entry] = JSON.parse(out) as { files: { path: string }[] }[];
  return (entry?.files ?? []).map((f) => f.path).sort();
}

describe.each(published)('the tarball of %s', (dir) => {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const files = packedFiles(dir);

  it('holds only package.json, README.md, LICENSE, CHANGELOG.md and dist/ (JS and .d.ts)', () => {
    const unexpected = files.filter(
      (f) =>
        !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(f) &&
        !/^dist\/.+\.(js|d\.ts)$/.test(f),
    );
    expect(unexpected).toEqual([]);
  });

  it('carries its LICENSE', () => {
    expect(files).toContain('LICENSE');
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
  });

  it('ships no test, fixture or source map', () => {
    expect(
      files.filter((f) => /(^|\/)(test|tests|fixtures|__tests__)\//.test(f) || f.endsWith('.map')),
    ).toEqual([]);
  });

  it('has every file its exports map and bin point at', () => {
    const targets: string[] = [];
    const walk = (value: unknown): void => {
      if (typeof value === 'string') targets.push(value.replace(/^\.\//, ''));
      else if (value && typeof value === 'object') for (const v of Object.values(value)) walk(v);
    };
    walk(pkg.exports);
    walk(pkg.bin);
    expect(targets.filter((t) => !files.includes(t))).toEqual([]);
  });

  it('declares no fake repository and pins no runtime dependency exactly', () => {
    expect(JSON.stringify(pkg.repository ?? '')).not.toMatch(/example\.invalid/);
    const exact = Object.entries<string>(pkg.dependencies ?? {}).filter(
      ([, range]) => !range.startsWith('workspace:') && /^\d/.test(range),
    );
    expect(exact).toEqual([]);
  });
});
