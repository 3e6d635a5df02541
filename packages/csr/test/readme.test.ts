// The README's example, kept runnable: it is extracted, pointed at dist/ and run with node, and
// each `console.log` must print what its comment says.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('runs the README example and prints what its comments say', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*?)(?::.*)?$/gm)].map((m) => m[1]);
  const dist = new URL('../dist/index.js', import.meta.url).href;
  const dir = mkdtempSync(join(tmpdir(), 'csr-readme-'));
  try {
    const file = join(dir, 'example.mjs');
    writeFileSync(file, code.replace("'@tls-client/csr'", JSON.stringify(dist)));
    const run = spawnSync(process.execPath, [file], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual(expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
