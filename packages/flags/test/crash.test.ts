import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagStore } from '../src/index.js';
import { buildForChildren, childScript, tempDir } from './helpers.js';
import { ModeWatcher } from './mode-watcher.js';

let built: { dir: string; cleanup: () => void };
let temp: { dir: string; cleanup: () => void };
beforeAll(() => {
  built = buildForChildren();
  temp = tempDir('flags-crash-');
});
afterAll(async () => {
  // A failed run may leave children behind; they must be gone before their directory is removed.
  await Promise.all(
    [...alive].map((child) => {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGKILL');
      return exited;
    }),
  );
  built?.cleanup();
  temp?.cleanup();
});

const alive = new Set<ChildProcess>();

interface Line {
  ready?: boolean;
  opened?: boolean;
  gen?: number;
  committed?: number;
}

interface Child {
  child: ChildProcess;
  lines: Line[];
  exited: Promise<void>;
  /** Lets the child open the store and start committing; resolves once it opened the store. */
  go: () => Promise<void>;
}

/** Starts a crash-loop child; resolves once it loaded the package and waits for "go". */
function startChild(path: string): Promise<Child> {
  const child = spawn(process.execPath, [childScript, built.dir, path, 'crash-loop'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  let onOpened: () => void = () => {};
  const opened = new Promise<void>((done) => {
    onOpened = done;
  });
  const go = (): Promise<void> => {
    child.stdin?.end('go\n');
    return opened;
  };
  const lines: Line[] = [];
  let buffer = '';
  let stderr = '';
  // 'close', not 'exit': only then has every line the child wrote been read.
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  return new Promise((resolveReady, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = JSON.parse(buffer.slice(0, newline)) as Line;
        buffer = buffer.slice(newline + 1);
        lines.push(line);
        if (line.ready) resolveReady({ child, lines, exited, go });
        if (line.opened) onOpened();
        newline = buffer.indexOf('\n');
      }
    });
    child.once('close', (code, signal) => {
      if (!lines.some((l) => l.ready))
        reject(new Error(`child died before ready: ${code ?? signal} ${stderr}`));
    });
  });
}

/** Loads the state and checks it is one whole generation: its 20 flags, its value and its hash. */
function loadGeneration(path: string): number {
  const store = FlagStore.open({ path });
  const gen = store.getValue<number>('gen') ?? 0;
  const expected = gen === 0 ? [] : Array.from({ length: 20 }, (_, i) => `gen.${gen}/${i}`).sort();
  expect(store.list()).toEqual(expected);
  if (gen > 0) expect(store.isDataChanged('gen.hash', { gen })).toBe(false);
  return gen;
}

describe('FlagStore.commit under SIGKILL', () => {
  // About 15 s on an idle 2-core machine: each kill costs one node start-up.
  // On a machine shared with other builds (load 20+ on 2 cores) the same run takes minutes.
  it('always leaves the old or the new state, never a torn one (210 kills in 6 lanes)', {
    timeout: 480_000,
  }, async () => {
    const lanes = 6;
    const perLane = 35;
    const dirs = Array.from({ length: lanes }, (_, i) => join(temp.dir, `lane${i}`));
    for (const d of dirs) mkdirSync(d, { mode: 0o700 });
    const watcher = new ModeWatcher(dirs);
    let kills = 0;
    let killedHoldingLock = 0;
    let commits = 0;
    try {
      await Promise.all(
        dirs.map(async (dir) => {
          const path = join(dir, 'flags.json');
          let known = 0;
          // The next child loads while the current one runs, so start-up time overlaps.
          let next = startChild(path);
          for (let i = 0; i < perLane; i++) {
            const { child, lines, exited, go } = await next;
            next = i + 1 < perLane ? startChild(path) : (undefined as unknown as Promise<Child>);
            await go();
            expect(lines.find((l) => l.opened)?.gen).toBe(known);
            await new Promise((r) => setTimeout(r, Math.random() * 25));
            child.kill('SIGKILL');
            await exited;
            kills++;
            if (existsSync(`${path}.lock`)) killedHoldingLock++;
            const reported = lines.reduce((max, l) => Math.max(max, l.committed ?? 0), known);
            commits += reported - known;
            const gen = loadGeneration(path);
            // A commit that finished but was not reported yet may be on disk: never more than one.
            expect([reported, reported + 1]).toContain(gen);
            known = gen;
          }
          // A clean commit afterwards breaks the stale lock and sweeps every leftover temp file.
          const store = FlagStore.open({ path });
          store.set('after');
          await store.commit();
          expect(readdirSync(dir)).toEqual(['flags.json']);
        }),
      );
    } finally {
      watcher.stop();
    }
    expect(kills).toBeGreaterThanOrEqual(200);
    expect(commits).toBeGreaterThan(0);
    // Evidence that kills landed inside commits, not only between them.
    expect(killedHoldingLock).toBeGreaterThan(0);
    expect(watcher.seen).toBeGreaterThan(0);
    expect(watcher.violations).toEqual([]);
  });
});
