#!/usr/bin/env node
// `pnpm check`: publint and @arethetypeswrong/cli on every published package (packages/*).
// We ship ESM only, so attw runs with the esm-only profile (the node10 and CJS resolvers are
// expected to fail for an ESM-only package and are not our users).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const bin = (name) => join(root, 'node_modules/.bin', name);
let failures = 0;
for (const name of readdirSync(join(root, 'packages')).sort()) {
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  for (const [tool, args] of [
    ['publint', ['--strict', dir]],
    ['attw', ['--pack', dir, '--profile', 'esm-only', '--format', 'ascii']],
  ]) {
    const run = spawnSync(bin(tool), args, { encoding: 'utf8', cwd: root });
    const ok = run.status === 0;
    if (!ok) failures += 1;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${tool} ${pkg.name}`);
    if (!ok) console.log(`${run.stdout}${run.stderr}`);
  }
}
if (failures > 0) {
  console.error(`check: ${failures} problem(s)`);
  process.exit(1);
}
