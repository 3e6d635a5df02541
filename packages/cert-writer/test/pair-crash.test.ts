// Pairs are atomic under SIGKILL. A child process writes one pair (key, certificate, chain, full
// chain) and is killed with SIGKILL at a moment drawn uniformly across its write phase: a worker
// thread in the child watches hrtime from the instant writeCertificate is called and sends the
// SIGKILL itself, so the kill lands with microsecond aim (a kill from the parent would carry
// milliseconds of scheduling noise). The write phase is measured first, the same way, in fresh
// processes. After every kill the files at the request's paths must be the old pair or the new
// pair, whole, matching each other; no key file anywhere is wider than 0600; and the next write
// must converge and leave no leftovers.
import { type ChildProcess, spawn } from 'node:child_process';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishInterruptedWrite, writeCertificate } from '../src/index.js';
import { distEntry, type Fixtures, makeFixtures, removeTempDirs, tempDir } from './helpers.js';

interface Generation {
  cert: string;
  key: string;
  chain: string;
}

let f: Fixtures;
let gens: Generation[];
let gensFile: string;

beforeAll(() => {
  f = makeFixtures();
  // Three generations with two different chains, so a chain file of the wrong generation shows.
  gens = [
    { cert: f.leafEc.cert, key: f.leafEc.key, chain: f.intermediate.cert },
    { cert: f.otherLeaf.cert, key: f.otherLeaf.key, chain: f.otherRoot.cert },
    { cert: f.leafRsa.cert, key: f.leafRsa.key, chain: f.intermediate.cert },
  ];
  gensFile = join(tempDir(), 'gens.json');
  writeFileSync(gensFile, JSON.stringify(gens));
});
afterAll(removeTempDirs);

interface Layout {
  keyPath: string;
  certPath: string;
  chainPath: string;
  fullchainPath: string;
}

function sameDir(dir: string): Layout {
  return {
    keyPath: join(dir, 'key.pem'),
    certPath: join(dir, 'cert.pem'),
    chainPath: join(dir, 'chain.pem'),
    fullchainPath: join(dir, 'fullchain.pem'),
  };
}

function splitDirs(dir: string): Layout {
  mkdirSync(join(dir, 'private'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'certs'), { recursive: true });
  return {
    keyPath: join(dir, 'private', 'key.pem'),
    certPath: join(dir, 'certs', 'cert.pem'),
    chainPath: join(dir, 'certs', 'chain.pem'),
    fullchainPath: join(dir, 'certs', 'fullchain.pem'),
  };
}

// The child: waits for "go <gen> <delayNs>" (or "time <gen>"), then writes that generation. With a
// delay, a worker thread SIGKILLs the process that many nanoseconds after the call starts.
const CHILD = `
import { readFileSync, writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
const [entry, gensFile, layoutJson] = process.argv.slice(1);
const { writeCertificate } = await import(entry);
const gens = JSON.parse(readFileSync(gensFile, 'utf8'));
const layout = JSON.parse(layoutJson);
const shared = new SharedArrayBuffer(24);
const flag = new Int32Array(shared, 0, 1);
const times = new BigInt64Array(shared, 8, 2);
const worker = new Worker(\`
  import { workerData } from 'node:worker_threads';
  const flag = new Int32Array(workerData, 0, 1);
  const times = new BigInt64Array(workerData, 8, 2);
  Atomics.wait(flag, 0, 0);
  const at = times[0] + times[1];
  while (process.hrtime.bigint() < at) {}
  process.kill(process.pid, 'SIGKILL');
\`, { eval: true, workerData: shared });
worker.unref();
process.stdout.write('ready\\n');
process.stdin.once('data', async (line) => {
  const [verb, g, delay] = String(line).trim().split(' ');
  const p = gens[Number(g)];
  const input = { cert: p.cert, key: p.key, chain: p.chain, ...layout };
  if (verb === 'time') {
    const t0 = process.hrtime.bigint();
    await writeCertificate(input);
    writeSync(1, 'took ' + String(process.hrtime.bigint() - t0) + '\\n');
    process.exit(0);
  }
  times[1] = BigInt(delay);
  times[0] = process.hrtime.bigint();
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  await writeCertificate(input);
  writeSync(1, 'done\\n');
  setTimeout(() => process.exit(3), 10_000);
});
`;

interface Child {
  process: ChildProcess;
  output: string;
  stderr: string;
  exited: Promise<NodeJS.Signals | null>;
}

function startChild(layout: Layout): Promise<Child> {
  const proc = spawn(
    process.execPath,
    ['--input-type=module', '-e', CHILD, distEntry(), gensFile, JSON.stringify(layout)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const child: Child = {
    process: proc,
    output: '',
    stderr: '',
    exited: new Promise((resolve) => proc.once('exit', (_code, signal) => resolve(signal))),
  };
  proc.stderr!.on('data', (d) => {
    child.stderr += d;
  });
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      child.output += d;
      if (child.output.startsWith('ready\n')) resolve(child);
    });
    void child.exited.then(() => reject(new Error(`child exited early: ${child.stderr.slice(0, 500)}`)));
  });
}

/** The generation of each file at the paths (-1: none of them, e.g. absent or torn). */
function generationsAt(layout: Layout): {
  key: number;
  cert: number;
  chain: number;
  fullchain: number;
  matches: boolean;
} {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const key = read(layout.keyPath);
  const cert = read(layout.certPath);
  const g = {
    key: gens.findIndex((x) => x.key === key),
    cert: gens.findIndex((x) => x.cert + x.chain === cert),
    chain: gens.findIndex((x) => x.chain === read(layout.chainPath) && x.key === key),
    fullchain: gens.findIndex((x) => x.cert + x.chain === read(layout.fullchainPath)),
    matches: false,
  };
  if (key !== undefined && cert !== undefined) {
    try {
      const spki = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' });
      g.matches = spki(createPublicKey(key)).equals(spki(new X509Certificate(cert).publicKey));
    } catch {
      g.matches = false;
    }
  }
  return g;
}

/** Every regular file under `dir` holding a private key, with a mode wider than 0600. */
function widerKeys(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const st = lstatSync(full);
    if (st.isDirectory()) out.push(...widerKeys(full));
    else if (st.isFile() && readFileSync(full, 'utf8').includes('PRIVATE KEY') && (st.mode & 0o077) !== 0)
      out.push(full);
  }
  return out;
}

/** Entries a finished write must not leave: old versions, swap links, temp and staged files, a journal. */
function leftovers(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const st = lstatSync(join(dir, name));
    if (st.isDirectory() && !name.includes('.tls-pair.v')) out.push(...leftovers(join(dir, name)));
    if (/\.tls-pair\.link-|\.tls-client-tmp$|\.tls-pair-staged-|\.tls-pair\.journal$/.test(name))
      out.push(name);
  }
  const versions = readdirSync(dir).filter((n) => n.includes('.tls-pair.v'));
  if (versions.length > 1) out.push(...versions);
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measureWindowNs(layout: Layout, samples: number): Promise<number> {
  const durations: number[] = [];
  for (let i = 0; i < samples; i++) {
    const child = await startChild(layout);
    child.process.stdin!.write(`time ${i % gens.length}\n`);
    await child.exited;
    const took = /took (\d+)/.exec(child.output);
    if (took) durations.push(Number(took[1]));
  }
  return median(durations);
}

interface Figures {
  kills: number;
  midWrite: number;
  torn: number;
  tornBeforeRecovery: number;
  wider: number;
  nonConvergent: number;
  windowMs: number;
}

async function killLoop(options: {
  layout: (dir: string) => Layout;
  kills: number;
  chains: number;
  recover: boolean;
  legacyEvery: number;
}): Promise<Figures> {
  const probe = options.layout(tempDir('cert-writer-pair-'));
  await writeCertificate({ ...gens[2]!, ...probe });
  const windowNs = await measureWindowNs(probe, 9);
  const figures: Figures = {
    kills: 0,
    midWrite: 0,
    torn: 0,
    tornBeforeRecovery: 0,
    wider: 0,
    nonConvergent: 0,
    windowMs: windowNs / 1e6,
  };
  const failures: string[] = [];
  const chain = async (c: number) => {
    const perChain = Math.ceil(options.kills / options.chains);
    let root = tempDir('cert-writer-pair-');
    let layout = options.layout(root);
    let state = 0;
    await writeCertificate({ ...gens[state]!, ...layout });
    let next = startChild(layout);
    for (let i = 0; i < perChain && figures.kills < options.kills; i++) {
      const child = await next;
      const target = (state + 1) % gens.length;
      const delay = Math.floor(Math.random() * windowNs);
      child.process.stdin!.write(`go ${target} ${delay}\n`);
      const signal = await child.exited;
      figures.kills++;
      if (signal !== 'SIGKILL')
        failures.push(`kill ${c}/${i}: child ended with ${signal}: ${child.stderr.slice(0, 300)}`);
      if (!child.output.includes('done')) figures.midWrite++;
      // The pair as a workload restarting right now would find it.
      let g = generationsAt(layout);
      const whole = (x: typeof g) =>
        x.key >= 0 &&
        x.key === x.cert &&
        x.cert === x.chain &&
        x.chain === x.fullchain &&
        x.matches &&
        [state, target].includes(x.key);
      if (options.recover && !whole(g)) {
        figures.tornBeforeRecovery++;
        await finishInterruptedWrite(layout.keyPath);
        g = generationsAt(layout);
      }
      if (!whole(g)) {
        figures.torn++;
        failures.push(`kill ${c}/${i} at ${delay} ns: ${JSON.stringify(g)} (old ${state}, new ${target})`);
      }
      const wide = widerKeys(root);
      figures.wider += wide.length;
      if (statSync(layout.keyPath).mode & 0o077) figures.wider++;
      // The next write converges: the generation after, every file, no leftovers.
      state = (target + 1) % gens.length;
      const fresh = options.legacyEvery > 0 && (i + 1) % options.legacyEvery === 0;
      if (fresh) {
        // A user's existing regular files: the next kill lands on their migration.
        root = tempDir('cert-writer-pair-');
        layout = options.layout(root);
        writeFileSync(layout.keyPath, gens[state]!.key, { mode: 0o600 });
        for (const [path, text] of [
          [layout.certPath, gens[state]!.cert + gens[state]!.chain],
          [layout.chainPath, gens[state]!.chain],
          [layout.fullchainPath, gens[state]!.cert + gens[state]!.chain],
        ] as const) {
          writeFileSync(path, text, { mode: 0o644 });
        }
      } else {
        try {
          const r = await writeCertificate({ ...gens[state]!, ...layout });
          const after = generationsAt(layout);
          const rest = leftovers(root);
          if (!whole({ ...after, key: after.key }) || after.key !== state || !r.changed || rest.length > 0) {
            figures.nonConvergent++;
            failures.push(
              `converge after kill ${c}/${i}: ${JSON.stringify(after)} leftovers ${rest.join(', ')}`,
            );
          }
        } catch (error) {
          figures.nonConvergent++;
          failures.push(`converge after kill ${c}/${i}: ${String(error)}`);
        }
      }
      if (i + 1 < perChain) next = startChild(layout);
    }
  };
  await Promise.all(Array.from({ length: options.chains }, (_, c) => chain(c)));
  expect(failures.slice(0, 5)).toEqual([]);
  return figures;
}

describe('writeCertificate under SIGKILL', () => {
  it('keeps the pair whole in one directory: 300 kills aimed uniformly across the write phase', async () => {
    const figures = await killLoop({
      layout: sameDir,
      kills: 300,
      chains: 3,
      recover: false,
      legacyEvery: 10,
    });
    console.log(
      `pair crash test, one directory: ${figures.kills} kills, ${figures.midWrite} landed mid-write, ` +
        `${figures.torn} torn pairs, ${figures.wider} keys wider than 0600, ${figures.nonConvergent} non-convergences ` +
        `(write phase ${figures.windowMs.toFixed(2)} ms, median of 9 fresh processes)`,
    );
    expect(figures.kills).toBe(300);
    expect(figures.torn).toBe(0);
    expect(figures.wider).toBe(0);
    expect(figures.nonConvergent).toBe(0);
    // Aimed inside the measured window; how many land before the write returns depends on how busy
    // the machine is then (the figure is printed above: about 70 % on a quiet machine). Not a timing
    // assertion: it only proves the test is not vacuous.
    expect(figures.midWrite).toBeGreaterThanOrEqual(30);
  }, 600_000);

  it('finishes a journaled pair across directories on the next start: 100 kills', async () => {
    const figures = await killLoop({
      layout: splitDirs,
      kills: 100,
      chains: 2,
      recover: true,
      legacyEvery: 0,
    });
    console.log(
      `pair crash test, key and certificates in different directories: ${figures.kills} kills, ` +
        `${figures.midWrite} landed mid-write, ${figures.tornBeforeRecovery} torn until finishInterruptedWrite ran, ` +
        `${figures.torn} torn after it, ${figures.wider} keys wider than 0600, ${figures.nonConvergent} non-convergences ` +
        `(write phase ${figures.windowMs.toFixed(2)} ms)`,
    );
    expect(figures.torn).toBe(0);
    expect(figures.wider).toBe(0);
    expect(figures.nonConvergent).toBe(0);
  }, 600_000);
});
