// A watcher process that polls the directory while we write (the SIGKILL test is pair-crash.test.ts).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCertificate } from '../src/index.js';
import { type Fixtures, makeFixtures, removeTempDirs, tempDir } from './helpers.js';

let f: Fixtures;
/** Three generations written in a cycle, so "key is the same or the next generation" is checkable. */
let pairs: { cert: string; key: string; certFile: string }[];

beforeAll(() => {
  f = makeFixtures();
  pairs = [f.leafEc, f.leafRsa, f.leafEd25519].map((leaf) => ({
    cert: leaf.cert,
    key: leaf.key,
    certFile: leaf.cert + f.intermediate.cert,
  }));
});
afterAll(removeTempDirs);

const WATCHER = `
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
const [dir, keyMode, certMode, known] = process.argv.slice(1);
const knownContents = new Set(JSON.parse(readFileSync(known, 'utf8')));
const out = { polls: 0, tempsSeen: 0, violations: [], torn: 0, reads: 0 };
let stop = false;
process.on('SIGTERM', () => { stop = true; });
process.stdin.on('data', () => {});
process.stdin.on('end', () => { stop = true; });
function poll() {
  for (let n = 0; n < 200; n++) {
    out.polls++;
    let names = [];
    try { names = readdirSync(dir); } catch { continue; }
    for (const name of names) {
      let st;
      try { st = lstatSync(dir + '/' + name); } catch { continue; }
      // Symlink modes mean nothing; the files behind them (in version directories) are checked.
      if (st.isSymbolicLink()) continue;
      const inner = st.isDirectory() ? (() => { try { return readdirSync(dir + '/' + name).map((n) => [n, dir + '/' + name + '/' + n]); } catch { return []; } })() : [[name, dir + '/' + name]];
      if (st.isDirectory()) { out.tempsSeen++; }
      for (const [base, full] of inner) {
        let fst;
        try { fst = lstatSync(full); } catch { continue; }
        const isKey = base === 'key.pem' || base.startsWith('.key.pem.');
        const limit = isKey ? Number(keyMode) : Number(certMode);
        if (base.endsWith('.tls-client-tmp') && isKey) process.stdout.write('t');
        if (!fst.isSymbolicLink() && (fst.mode & 0o777 & ~limit) !== 0 && out.violations.length < 20) out.violations.push(base + ' ' + (fst.mode & 0o777).toString(8));
      }
    }
    for (const name of ['key.pem', 'cert.pem']) {
      try { const text = readFileSync(dir + '/' + name, 'utf8'); out.reads++; if (!knownContents.has(text)) out.torn++; } catch {}
    }
  }
  if (stop) { process.stdout.write('\\n' + JSON.stringify(out) + '\\n'); process.exit(0); }
  setImmediate(poll);
}
poll();
`;

describe('writeCertificate seen by a watcher process', () => {
  it.each([
    ['0600', 0o600, undefined],
    ['0640 with a group', 0o640, 0],
  ])('never shows the key or its temp file wider than %s, nor a torn file', async (_name, keyMode, group) => {
    const dir = tempDir('cert-writer-watch-');
    const known = join(tempDir(), 'known.json');
    writeFileSync(known, JSON.stringify(pairs.flatMap((p) => [p.certFile, p.key])));
    const saved = process.umask(0); // with umask 0, a create-then-chmod writer would show 0666
    const watcher = spawn(
      process.execPath,
      ['--input-type=module', '-e', WATCHER, dir, String(keyMode), '420', known],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    watcher.stdout.on('data', (d) => {
      stdout += d;
    });
    watcher.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<void>((resolve) => watcher.once('exit', () => resolve()));
    try {
      const started = Date.now();
      // Write until the watcher has caught key temp files in flight many times (bounded in time).
      for (let i = 0; Date.now() - started < 8_000 && i < 150; i++) {
        const p = pairs[i % pairs.length]!;
        await writeCertificate({
          cert: p.cert,
          key: p.key,
          chain: f.intermediate.cert,
          certPath: join(dir, 'cert.pem'),
          keyPath: join(dir, 'key.pem'),
          keyMode,
          ...(group === undefined ? {} : { group }),
        });
      }
    } finally {
      process.umask(saved);
      watcher.stdin.end();
      await exited;
    }
    expect(stderr).toBe('');
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as {
      polls: number;
      tempsSeen: number;
      violations: string[];
      torn: number;
      reads: number;
    };
    expect(report.violations).toEqual([]);
    expect(report.torn).toBe(0);
    expect(report.reads).toBeGreaterThan(0);
    expect(report.polls).toBeGreaterThan(100);
  });
});
