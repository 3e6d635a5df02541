// Import cost of every published package's entry points, each in a fresh `node` process, beside
// `node -e 0` measured in the same run. What a hook pays before it does anything.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, report } from './lib.mjs';

const root = join(import.meta.dirname, '../..');
const runs = Number(process.env.BENCH_RUNS ?? 15);

function timeNode(args, cwd = root) {
  return median(
    () => {
      const run = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
      if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${run.stderr}`);
    },
    { runs, warmup: 2 },
  );
}

/** Entry points of a package: `.` and every other subpath of its exports map but `./package.json`. */
function entries(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) return [];
  const subpaths = Object.keys(pkg.exports ?? { '.': null }).filter((s) => s !== './package.json');
  return subpaths.map((s) => ({
    pkg: pkg.name,
    specifier: s === '.' ? pkg.name : `${pkg.name}${s.slice(1)}`,
    dir,
  }));
}

const baseline = await timeNode(['-e', '0']);
const rows = [{ case: 'node -e 0', ms: baseline, baselineMs: baseline }];
for (const name of readdirSync(join(root, 'packages')).sort()) {
  for (const entry of entries(join(root, 'packages', name))) {
    // Run in the package's folder: a package can import itself by name through its exports map.
    const script = `await import(${JSON.stringify(entry.specifier)})`;
    const ms = await timeNode(['--input-type=module', '-e', script], entry.dir);
    rows.push({ case: `import ${entry.specifier}`, ms, baselineMs: baseline });
  }
}
report('import cost in a fresh process (whole process time, ratio to node -e 0)', rows);
