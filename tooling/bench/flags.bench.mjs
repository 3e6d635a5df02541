// @tls-client/flags: the cost of a hook's flag transaction against the floor of the same file I/O.
// Floor = readFileSync + JSON.parse + write temp + fsync + rename of the same bytes, measured in the
// same run and interleaved with the subject, so both see the same disk (fsync times on a shared
// machine drift by several times within seconds).
import {
  closeSync,
  copyFileSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FlagStore } from '../../packages/flags/dist/index.js';
import { writeFileAtomic } from '../../packages/fs-safe/dist/index.js';
import { report } from './lib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'flags-bench-'));
const runs = Number(process.env.BENCH_RUNS ?? 31);

/** Medians of each function, run alternately `runs` times after `warmup` rounds. */
async function interleaved(fns, { warmup = 3 } = {}) {
  const times = fns.map(() => []);
  for (let i = 0; i < warmup + runs; i++) {
    for (const [k, fn] of fns.entries()) {
      const start = performance.now();
      await fn();
      if (i >= warmup) times[k].push(performance.now() - start);
    }
  }
  return times.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]);
}

function floor(path) {
  const text = readFileSync(path, 'utf8');
  JSON.parse(text);
  const temp = `${path}.floor-tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  writeSync(fd, text);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(temp, path);
}

/** A copy of `path` for the floor and for writeFileAtomic alone, so the subject's file is untouched. */
function copies(path, name) {
  const floorPath = join(dir, `${name}-floor.json`);
  copyFileSync(path, floorPath);
  const bytes = readFileSync(path, 'utf8');
  const atomicPath = join(dir, `${name}-atomic.json`);
  let flip = false;
  // Alternating one byte keeps writeFileAtomic from taking its "unchanged" shortcut.
  const atomic = () => {
    flip = !flip;
    return writeFileAtomic(atomicPath, flip ? bytes : `${bytes} `, { mode: 0o600 });
  };
  return { floorPath, atomic, size: bytes.length };
}

try {
  // Case 1: a store holding 1,000 flags and 100 values; a hook opens it, changes 10 flags, commits.
  const path = join(dir, 'hook', 'flags.json');
  const seed = FlagStore.open({ path });
  for (let i = 0; i < 1000; i++) seed.set(`tls_client.server.cert.host-${i}.example.com.changed`);
  for (let i = 0; i < 100; i++) {
    seed.setValue(`layer.tls-client.cert-paths.${i}`, {
      cert: `/etc/app/${i}.crt`,
      key: `/etc/app/${i}.key`,
    });
  }
  await seed.commit();
  const hookFiles = copies(path, 'hook');
  let round = 0;
  const hook = async () => {
    const store = FlagStore.open({ path });
    round++;
    for (let i = 0; i < 10; i++) {
      store.toggle(`tls_client.server.cert.host-${(round * 10 + i) % 1000}.example.com.changed`);
    }
    await store.commit();
  };
  const [hookMs, hookFloor, hookAtomic] = await interleaved([
    hook,
    () => floor(hookFiles.floorPath),
    hookFiles.atomic,
  ]);

  // Case 2: one transaction sets 10,000 flags and commits; the next clears them and commits.
  const bigPath = join(dir, 'big', 'flags.json');
  const big = FlagStore.open({ path: bigPath });
  for (let i = 0; i < 10_000; i++) big.set(`bulk/${i}:flag.with.dots`);
  await big.commit();
  const bigFiles = copies(bigPath, 'big'); // the larger file: all 10,000 set
  let on = true;
  let inMemory = 0;
  const memoryTimes = [];
  const bulk = async () => {
    on = !on;
    const start = performance.now();
    for (let i = 0; i < 10_000; i++) big.toggle(`bulk/${i}:flag.with.dots`, on);
    inMemory = performance.now() - start;
    memoryTimes.push(inMemory);
    await big.commit();
  };
  const [bulkMs, bulkFloor, bulkAtomic] = await interleaved([
    bulk,
    () => floor(bigFiles.floorPath),
    bigFiles.atomic,
  ]);
  memoryTimes.sort((a, b) => a - b);
  const bulkMemory = memoryTimes[Math.floor(memoryTimes.length / 2)];

  report('flag store transactions, ratio to the floor (read + parse + write temp, fsync, rename)', [
    {
      case: 'open 1,000 flags + 100 values, toggle 10, commit',
      ms: hookMs,
      baselineMs: hookFloor,
      extra: { bytes: hookFiles.size },
    },
    {
      case: '  writeFileAtomic of those bytes alone',
      ms: hookAtomic,
      baselineMs: hookFloor,
      extra: { bytes: hookFiles.size },
    },
    {
      case: 'set or clear 10,000 flags, commit',
      ms: bulkMs,
      baselineMs: bulkFloor,
      extra: { bytes: bigFiles.size },
    },
    { case: '  of which set/clear in memory', ms: bulkMemory, extra: { bytes: '' } },
    {
      case: '  writeFileAtomic of those bytes alone',
      ms: bulkAtomic,
      baselineMs: bulkFloor,
      extra: { bytes: bigFiles.size },
    },
  ]);
  console.log(
    'writeFileAtomic adds what the floor leaves out: the directory fsync, a stale-temp sweep, an exact fchmod and stat checks.',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
