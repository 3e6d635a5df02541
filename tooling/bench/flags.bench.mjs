// @tls-client/flags: the cost of a hook's flag transaction against the floor of the same file I/O.
// Floor = readFileSync + JSON.parse + write temp + fsync + rename of the same bytes, measured here.
import {
  closeSync,
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
import { FlagStore } from '../../packages/flags/dist/index.js';
import { median, report } from './lib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'flags-bench-'));
const runs = Number(process.env.BENCH_RUNS ?? 31);

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

try {
  // Case 1: a store holding 1,000 flags and 100 values; a hook loads it, changes 10 flags, commits.
  const path = join(dir, 'hook', 'flags.json');
  const seed = FlagStore.open({ path });
  for (let i = 0; i < 1000; i++) seed.set(`tls_client.server.cert.host-${i}.example.com.changed`);
  for (let i = 0; i < 100; i++)
    seed.setValue(`layer.tls-client.cert-paths.${i}`, {
      cert: `/etc/app/${i}.crt`,
      key: `/etc/app/${i}.key`,
    });
  await seed.commit();
  let round = 0;
  const hook = async () => {
    const store = FlagStore.open({ path });
    round++;
    for (let i = 0; i < 10; i++)
      store.toggle(`tls_client.server.cert.host-${(round * 10 + i) % 1000}.example.com.changed`);
    await store.commit();
  };
  const hookMs = await median(hook, { runs, warmup: 3 });
  const hookFloor = await median(() => floor(path), { runs, warmup: 3 });
  const size = readFileSync(path).length;

  // Case 2: one transaction sets 10,000 flags, the next clears them, each committed.
  const bigPath = join(dir, 'big', 'flags.json');
  const big = FlagStore.open({ path: bigPath });
  big.set('seed');
  await big.commit();
  let on = false;
  const bulk = async () => {
    on = !on;
    for (let i = 0; i < 10_000; i++) big.toggle(`bulk/${i}:flag.with.dots`, on);
    await big.commit();
  };
  const bulkMs = await median(bulk, { runs, warmup: 2 });
  // The floor on the larger of the two files (all 10,000 flags set).
  if (!on) await bulk();
  const bulkSize = readFileSync(bigPath).length;
  const bulkFloor = await median(() => floor(bigPath), { runs, warmup: 2 });
  // Without the disk: the same transaction's in-memory part only.
  const memory = FlagStore.open({ path: join(dir, 'mem', 'flags.json') });
  let memOn = false;
  const bulkMemoryMs = await median(
    () => {
      memOn = !memOn;
      for (let i = 0; i < 10_000; i++) memory.toggle(`bulk/${i}:flag.with.dots`, memOn);
    },
    { runs, warmup: 2 },
  );
  memory.rollback();

  report('flag store transactions (ratio to the raw read + parse + write-fsync-rename floor)', [
    {
      case: 'open 1,000 flags + 100 values, toggle 10, commit',
      ms: hookMs,
      baselineMs: hookFloor,
      extra: { bytes: size },
    },
    {
      case: 'set or clear 10,000 flags, commit',
      ms: bulkMs,
      baselineMs: bulkFloor,
      extra: { bytes: bulkSize },
    },
    { case: '  of which in memory (set/clear 10,000)', ms: bulkMemoryMs, extra: { bytes: '' } },
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
