// Fault tests with real processes: a writer killed with SIGKILL at random points, and a watcher
// process that polls the directory while we write.
import { type ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCertificate } from '../src/index.js';
import { distEntry, type Fixtures, makeFixtures, removeTempDirs, tempDir, tempFilesIn } from './helpers.js';

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

// The writer: rewrites a cert/key pair in each of its directories, in a loop per directory, until killed.
const WRITER = `
import { readFileSync } from 'node:fs';
const [entry, pairsFile, ...dirs] = process.argv.slice(1);
const { writeCertificate } = await import(entry);
const pairs = JSON.parse(readFileSync(pairsFile, 'utf8'));
process.stdout.write('ready\\n');
// Wait for the go: a pre-started writer must not touch the files while the previous one is checked.
await new Promise((resolve) => process.stdin.once('data', resolve));
await Promise.all(dirs.map(async (dir) => {
  let current = '';
  try { current = readFileSync(dir + '/cert.pem', 'utf8'); } catch {}
  let i = (pairs.findIndex((p) => p.certFile === current) + 1) % pairs.length;
  for (;;) {
    const p = pairs[i];
    await writeCertificate({ cert: p.cert, key: p.key, chain: p.chain, certPath: dir + '/cert.pem', keyPath: dir + '/key.pem' });
    i = (i + 1) % pairs.length;
  }
}));
`;

function startWriter(dirs: string[], pairsFile: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', WRITER, distEntry(), pairsFile, ...dirs],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`writer exited early (${code}): ${stderr.slice(0, 500)}`)));
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The generation (index in `pairs`) of a file's exact content, or -1 for anything else (torn, empty). */
function generation(content: string, field: 'certFile' | 'key'): number {
  return pairs.findIndex((p) => p[field] === content);
}

describe('writeCertificate under SIGKILL', () => {
  // 200 writer processes killed with SIGKILL, each rewriting pairs in 2 directories: 400 pair
  // rewrites cut at independent points. Pre-started writers keep node's start-up cost off the clock.
  it('leaves a whole certificate and key after 200 SIGKILLs of a rewriting process, the key never older than the cert', async () => {
    const chains = 4;
    const killsPerChain = 50;
    const dirsPerWriter = 2;
    const pairsFile = join(tempDir(), 'pairs.json');
    writeFileSync(
      pairsFile,
      JSON.stringify(
        pairs.map((p) => ({ cert: p.cert, key: p.key, chain: f.intermediate.cert, certFile: p.certFile })),
      ),
    );
    let checks = 0;
    let interrupted = 0;
    const allDirs: string[] = [];
    const check = (dir: string) => {
      checks++;
      let cert = '';
      let key = '';
      try {
        cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
        key = readFileSync(join(dir, 'key.pem'), 'utf8');
      } catch (error) {
        // Killed before the very first pair landed: both absent, or only the key.
        expect(cert).toBe('');
        expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
        return;
      }
      const c = generation(cert, 'certFile');
      const k = generation(key, 'key');
      expect(c, 'certificate file is whole').toBeGreaterThanOrEqual(0);
      expect(k, 'key file is whole').toBeGreaterThanOrEqual(0);
      expect(() => new X509Certificate(cert)).not.toThrow();
      expect(() => createPrivateKey(key)).not.toThrow();
      // Key first: the key is the certificate's generation or the one being written after it.
      expect([c, (c + 1) % pairs.length]).toContain(k);
      expect(statSync(join(dir, 'key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'cert.pem')).mode & 0o777).toBe(0o644);
      if (k !== c || tempFilesIn(dir).length > 0) interrupted++;
    };
    const chain = async () => {
      const dirs = Array.from({ length: dirsPerWriter }, () => tempDir('cert-writer-crash-'));
      allDirs.push(...dirs);
      // Each writer starts while its predecessor runs, so node's start-up overlaps the writes.
      let next = startWriter(dirs, pairsFile);
      for (let i = 0; i < killsPerChain; i++) {
        const child = await next;
        if (i + 1 < killsPerChain) next = startWriter(dirs, pairsFile);
        child.stdin!.write('go\n');
        await sleep(5 + Math.random() * 30);
        await killAndWait(child);
        for (const dir of dirs) check(dir);
      }
    };
    await Promise.all(Array.from({ length: chains }, chain));
    expect(checks).toBe(chains * killsPerChain * dirsPerWriter);
    // Most kills land mid-write (a temp file left, or the key already a generation ahead).
    expect(interrupted).toBeGreaterThan(0);
    // The next write in each directory removes whatever the killed writers left behind.
    for (const dir of allDirs) {
      await writeCertificate({
        ...f.leafEc,
        chain: f.intermediate.cert,
        certPath: join(dir, 'cert.pem'),
        keyPath: join(dir, 'key.pem'),
      });
      expect(tempFilesIn(dir)).toEqual([]);
      expect(readFileSync(join(dir, 'cert.pem'), 'utf8')).toBe(pairs[0]!.certFile);
    }
    // ~15 s alone; more when other packages' tests share the two cores.
  }, 180_000);
});

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
      const isKey = name === 'key.pem' || name.startsWith('.key.pem.');
      const limit = isKey ? Number(keyMode) : Number(certMode);
      if (name.endsWith('.tls-client-tmp')) { out.tempsSeen++; if (isKey) process.stdout.write('t'); }
      if ((st.mode & 0o777 & ~limit) !== 0) out.violations.push(name + ' ' + (st.mode & 0o777).toString(8));
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
      for (let i = 0; Date.now() - started < 8_000 && (i < 100 || stdout.length < 20); i++) {
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
