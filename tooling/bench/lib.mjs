// Tiny shared bench helpers: every bench measures its subject and a baseline in the same run and
// prints medians and ratios, so numbers compare on whatever machine runs them.
import { performance } from 'node:perf_hooks';

/** Runs `fn` `warmup` times, then `runs` times, and returns the median time in milliseconds. */
export async function median(fn, { runs = 15, warmup = 3 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Prints a table: rows of { case, ms, baselineMs?, extra? } with the ratio to the baseline. */
export function report(title, rows) {
  console.log(`\n## ${title}`);
  const lines = rows.map((r) => ({
    case: r.case,
    'median ms': r.ms.toFixed(3),
    'baseline ms': r.baselineMs === undefined ? '' : r.baselineMs.toFixed(3),
    ratio: r.baselineMs ? `${(r.ms / r.baselineMs).toFixed(2)}x` : '',
    ...(r.extra ?? {}),
  }));
  console.table(lines);
}
