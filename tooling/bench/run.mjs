#!/usr/bin/env node
// `pnpm bench [name…]`: runs tooling/bench/<name>.bench.mjs (all of them by default) against the
// built packages. Benchmarks are not tests: they print numbers and never fail on timing.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace('.bench.mjs', '')))
  .sort();
if (benches.length === 0) {
  console.error(`bench: nothing matches ${wanted.join(', ')}`);
  process.exit(2);
}
let status = 0;
for (const file of benches) {
  console.log(`\n# ${file}`);
  const run = spawnSync(process.execPath, ['--expose-gc', join(dir, file)], { stdio: 'inherit' });
  if (run.status !== 0) status = 1;
}
process.exit(status);
