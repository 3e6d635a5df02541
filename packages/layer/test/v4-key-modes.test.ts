// A watcher process polls the key's directory and the unit state dir's `keys` directory while real
// v4 hooks run through the fake Juju: the first hook (key made, CSR published), the answer (pair
// written), a renewal and a rotateKey. It must never see a key file, or a temp file of one, wider
// than the mode asked for, not even for an instant. The hooks run under umask 0, so a writer that
// creates a file and chmods it afterwards would show 0666 to the watcher.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type CharmSpec, createHarness, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { expectOk } from './scenario.js';

// Polls until stdin ends, then prints one JSON report. Key-related: a regular file in the state
// dir's `keys` directory (keys and their `.…tls-client-tmp` temp files), or one in the key's
// directory, or one level down (a pair's version directories), whose name contains the key file's
// name (the key itself, fs-safe's `.<name>.<pid>.<hex>.tls-client-tmp` temp files). A symlink is
// followed (the key path becomes one into the pair's current version directory), so the file
// behind the user-visible name is checked too.
const WATCHER = `
import { lstatSync, readdirSync, statSync } from 'node:fs';
const [limitText, keyDir, keyName, stateKeys] = process.argv.slice(1);
const limit = Number(limitText);
const out = { polls: 0, samples: 0, keyPathSeen: 0, stateKeysSeen: 0, tempsSeen: 0, wide: [] };
let stop = false;
process.stdin.on('data', () => {});
process.stdin.on('end', () => { stop = true; });
function names(dir) { try { return readdirSync(dir); } catch { return []; } }
function look(path, base, follow) {
  let st;
  try { st = follow ? statSync(path) : lstatSync(path); } catch { return undefined; }
  if (!st.isFile()) return st;
  out.samples++;
  if (base.endsWith('.tls-client-tmp')) out.tempsSeen++;
  const mode = st.mode & 0o777;
  if ((mode & ~limit) !== 0 && out.wide.length < 50) out.wide.push(path + ' ' + mode.toString(8));
  return st;
}
function poll() {
  for (let n = 0; n < 100; n++) {
    out.polls++;
    for (const name of names(keyDir)) {
      const path = keyDir + '/' + name;
      let st;
      try { st = lstatSync(path); } catch { continue; }
      if (st.isDirectory()) {
        for (const inner of names(path)) if (inner.includes(keyName)) look(path + '/' + inner, inner, false);
      } else if (name.includes(keyName)) {
        const seen = look(path, name, st.isSymbolicLink());
        if (name === keyName && seen?.isFile()) out.keyPathSeen++;
      }
    }
    for (const name of names(stateKeys)) {
      if (look(stateKeys + '/' + name, name, false)?.isFile()) out.stateKeysSeen++;
    }
  }
  if (stop) { process.stdout.write(JSON.stringify(out) + '\\n'); process.exit(0); }
  setImmediate(poll);
}
poll();
`;

interface WatchReport {
  polls: number;
  samples: number;
  keyPathSeen: number;
  stateKeysSeen: number;
  tempsSeen: number;
  wide: string[];
}

/** Starts the watcher; `stop()` ends it and returns what it saw. */
function watch(limit: number, keyDir: string, keyName: string, stateKeys: string) {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(
    process.execPath,
    ['--input-type=module', '-e', WATCHER, String(limit), keyDir, keyName, stateKeys],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop(): Promise<WatchReport> {
      child.stdin.end();
      await exited;
      expect(stderr).toBe('');
      return JSON.parse(stdout.trim()) as WatchReport;
    },
  };
}

function spec(out: string, keyMode: number | undefined, extra: Partial<CharmSpec> = {}): CharmSpec {
  return {
    options: { protocol: 'v4', caCertificatePath: join(out, 'ca', 'ca.crt') },
    requests: [
      {
        type: 'server',
        commonName: 'myapp.internal',
        sans: ['myapp.internal', '10.0.0.10'],
        files: {
          certPath: join(out, 'server', 'server.crt'),
          keyPath: join(out, 'server', 'server.key'),
          ...(keyMode === undefined ? {} : { keyMode }),
        },
      },
    ],
    ...extra,
  };
}

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'v4 key files seen by a watcher process (update-ca-certificates found)',
  () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it.each([
      ['0600 (the default)', undefined, 0o600],
      ['keyMode 0640', 0o640, 0o640],
    ])(
      'never wider than %s, from the first key through the answer, a renewal and a rotateKey',
      async (_name, keyMode, limit) => {
        h = await createHarness({});
        await h.setSpec(spec(h.out, keyMode));
        const ca = await EmbeddedCa.create({ keyType: 'rsa' });
        const keyPath = join(h.out, 'server', 'server.key');
        const certPath = join(h.out, 'server', 'server.crt');
        const saved = process.umask(0); // the hooks inherit it
        const watcher = watch(
          limit,
          join(h.out, 'server'),
          'server.key',
          join(h.charmDir, '.tls-client', 'keys'),
        );
        let report: WatchReport;
        const keys: string[] = [];
        try {
          expectOk(await h.hook('install'));
          const rel = h.model.addRelation('certificates', 'self-signed-certificates');
          h.model.addRemoteUnit(rel, 'self-signed-certificates/0');
          // The key is made and written (state dir and keyPath) before the CSR is published.
          expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
          keys.push((await readFile(keyPath, 'utf8')).trim());
          // The answer: certificate and key written as a pair.
          await ca.answerV4(h.model, rel);
          expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
          const first = new X509Certificate(await readFile(certPath, 'utf8'));
          // A renewal by time: a new CSR with the same key, then the new pair.
          const late = new Date(Date.now() + 340 * 86_400_000).toISOString();
          expectOk(await h.hook('update-status', { env: { TLS_CLIENT_TEST_NOW: late } }));
          await ca.answerV4(h.model, rel);
          expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
          const renewed = new X509Certificate(await readFile(certPath, 'utf8'));
          expect(renewed.serialNumber).not.toBe(first.serialNumber);
          keys.push((await readFile(keyPath, 'utf8')).trim());
          // rotateKey: a new key in the state dir, then the pair switches to it.
          await h.setSpec(
            spec(h.out, keyMode, { rotateKey: { type: 'server', commonName: 'myapp.internal' } }),
          );
          expectOk(await h.hook('config-changed'));
          await h.setSpec(spec(h.out, keyMode));
          await ca.answerV4(h.model, rel);
          const rotated = await h.hook('certificates-relation-changed', { relationId: rel });
          expectOk(rotated);
          expect(rotated.last.result?.rotated).toEqual([{ type: 'server', commonName: 'myapp.internal' }]);
          keys.push((await readFile(keyPath, 'utf8')).trim());
        } finally {
          process.umask(saved);
          report = await watcher.stop();
        }
        // The flow did what it says: the same key through the renewal, a new one after rotateKey.
        expect(keys[1]).toBe(keys[0]);
        expect(keys[2]).not.toBe(keys[0]);
        expect(
          new X509Certificate(await readFile(certPath, 'utf8')).checkPrivateKey(createPrivateKey(keys[2]!)),
        ).toBe(true);
        expect((await stat(keyPath)).mode & 0o777).toBe(limit);
        // Not vacuous: the watcher looked, and saw the key at its path and in the state dir.
        expect(report.polls).toBeGreaterThan(0);
        expect(report.samples).toBeGreaterThan(0);
        expect(report.keyPathSeen).toBeGreaterThan(0);
        expect(report.stateKeysSeen).toBeGreaterThan(0);
        expect(report.wide).toEqual([]);
      },
    );
  },
);
