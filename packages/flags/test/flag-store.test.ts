import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlagStore, FlagsError, STATE_FILE_VERSION } from '../src/index.js';
import { tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
let path: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  path = join(dir, 'state', 'flags.json');
});
afterEach(() => cleanup());

function fresh(): FlagStore {
  return FlagStore.open({ path });
}

function thrown(fn: () => unknown): FlagsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FlagsError);
    return error as FlagsError;
  }
  throw new Error('expected a FlagsError');
}

async function rejected(promise: Promise<unknown>): Promise<FlagsError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FlagsError);
    return error as FlagsError;
  }
  throw new Error('expected a FlagsError');
}

describe('FlagStore.open', () => {
  it('puts the state in $JUJU_CHARM_DIR/.tls-client/flags.json by default', () => {
    const store = FlagStore.open({ env: { JUJU_CHARM_DIR: dir, CHARM_DIR: '/elsewhere' } });
    expect(store.path).toBe(join(dir, '.tls-client', 'flags.json'));
  });

  it('falls back to CHARM_DIR when JUJU_CHARM_DIR is unset', () => {
    expect(FlagStore.resolvePath({ env: { CHARM_DIR: dir } })).toBe(join(dir, '.tls-client', 'flags.json'));
  });

  it('prefers path, then stateDir, then TLS_CLIENT_STATE_DIR, then charmDir', () => {
    const env = { TLS_CLIENT_STATE_DIR: join(dir, 'env'), JUJU_CHARM_DIR: join(dir, 'charm') };
    expect(FlagStore.resolvePath({ env })).toBe(join(dir, 'env', 'flags.json'));
    expect(FlagStore.resolvePath({ env, stateDir: join(dir, 'opt') })).toBe(join(dir, 'opt', 'flags.json'));
    expect(FlagStore.resolvePath({ env, stateDir: join(dir, 'opt'), path: join(dir, 'x.json') })).toBe(
      join(dir, 'x.json'),
    );
    expect(FlagStore.resolvePath({ env: {}, charmDir: join(dir, 'c') })).toBe(
      join(dir, 'c', '.tls-client', 'flags.json'),
    );
  });

  it('fails with ERR_FLAGS_NO_STATE_DIR when no location is known', () => {
    const error = thrown(() => FlagStore.open({ env: {} }));
    expect(error.code).toBe('ERR_FLAGS_NO_STATE_DIR');
    expect(error.message).toContain('TLS_CLIENT_STATE_DIR');
  });

  it('starts empty when the file does not exist, and creates nothing until a commit', () => {
    const store = fresh();
    expect(store.list()).toEqual([]);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });
});

describe('flags', () => {
  it('sets, clears, toggles and tests flags', () => {
    const store = fresh();
    store.set('a');
    store.set('b');
    expect(store.isSet('a')).toBe(true);
    expect(store.allSet('a', 'b')).toBe(true);
    expect(store.allSet('a', 'c')).toBe(false);
    expect(store.anySet('c', 'b')).toBe(true);
    expect(store.anySet('c', 'd')).toBe(false);
    store.clear('a');
    expect(store.isSet('a')).toBe(false);
    store.toggle('a');
    expect(store.isSet('a')).toBe(true);
    store.toggle('a', true);
    expect(store.isSet('a')).toBe(true);
    store.toggle('a', false);
    expect(store.isSet('a')).toBe(false);
  });

  it('lists flags sorted, with a prefix filter', () => {
    const store = fresh();
    for (const f of ['tls_client.b', 'certificates.ca.available', 'tls_client.a']) store.set(f);
    expect(store.list()).toEqual(['certificates.ca.available', 'tls_client.a', 'tls_client.b']);
    expect(store.list('tls_client.')).toEqual(['tls_client.a', 'tls_client.b']);
  });

  it('keeps arbitrary flag names as JSON keys, never as file names', async () => {
    const names = [
      'tls_client.server.cert.db.example.com.changed',
      '../../etc/passwd',
      '/absolute/with/slashes',
      'colon:and spaces',
      '__proto__',
      'constructor',
      'ünïcødé 🐍',
      'nul\u0000byte',
      'x'.repeat(5000),
    ];
    const store = fresh();
    for (const f of names) store.set(f);
    await store.commit();
    expect(readdirSync(join(dir, 'state'))).toEqual(['flags.json']);
    expect(fresh().list()).toEqual([...names].sort());
  });

  it('rejects an empty or non-string flag name with a TypeError', () => {
    const store = fresh();
    expect(() => store.set('')).toThrow(TypeError);
    expect(() => store.clear(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('values', () => {
  it('stores plain JSON values and returns copies', async () => {
    const store = fresh();
    const paths = { 'db.example.com': { cert: '/etc/app/db.crt', key: null } };
    store.setValue('layer.tls-client.cert-paths', paths);
    paths['db.example.com'].cert = 'mutated';
    const read = store.getValue<typeof paths>('layer.tls-client.cert-paths');
    expect(read?.['db.example.com']?.cert).toBe('/etc/app/db.crt');
    if (read) read['db.example.com'].cert = 'mutated again';
    expect(store.getValue<typeof paths>('layer.tls-client.cert-paths')?.['db.example.com']?.cert).toBe(
      '/etc/app/db.crt',
    );
    store.setValue('ca-names', ['app']);
    store.setValue('__proto__', { polluted: true });
    await store.commit();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(fresh().getValue('__proto__')).toEqual({ polluted: true });
    const reopened = fresh();
    expect(reopened.getValue('ca-names')).toEqual(['app']);
    expect(reopened.listValues()).toEqual(['__proto__', 'ca-names', 'layer.tls-client.cert-paths']);
    reopened.deleteValue('ca-names');
    expect(reopened.getValue('ca-names')).toBeUndefined();
  });

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a nested bigint', { n: 1n }],
  ])('rejects %s with a TypeError', (_name, value) => {
    expect(() => fresh().setValue('k', value)).toThrow(TypeError);
  });

  it('refuses to persist a private key and does not echo it', () => {
    const secret =
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
    const store = fresh();
    let message = '';
    try {
      store.setValue('paths', { key: secret });
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      message = (error as Error).message;
    }
    expect(message).toContain('private key');
    expect(message).not.toContain('MIIEvQ');
    expect(store.getValue('paths')).toBeUndefined();
  });
});

describe('dataChanged', () => {
  it('is true the first time and when the value changes, false otherwise', () => {
    const store = fresh();
    expect(store.dataChanged('certificates.ca', 'CA1')).toBe(true);
    expect(store.dataChanged('certificates.ca', 'CA1')).toBe(false);
    expect(store.dataChanged('certificates.ca', 'CA2')).toBe(true);
    expect(store.dataChanged('certificates.ca', 'CA2')).toBe(false);
  });

  it('ignores key order, as sorted JSON does', () => {
    const store = fresh();
    store.dataChanged('rec', { cert: 'c', key: 'k', common_name: 'a' });
    expect(store.dataChanged('rec', { key: 'k', common_name: 'a', cert: 'c' })).toBe(false);
  });

  it('stores the md5 of Python json.dumps(sort_keys=True), not the value', async () => {
    const store = fresh();
    const secret = '-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n';
    store.dataChanged('layer.tls-client.server.db', { cert: 'C', key: secret });
    store.dataChanged('vector', { b: 1, a: 'é' });
    await store.commit();
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('SECRETSECRET');
    // python3 -c 'import json,hashlib;print(hashlib.md5(json.dumps({"b":1,"a":"é"},sort_keys=True).encode()).hexdigest())'
    expect(JSON.parse(text).hashes.vector).toBe('63bd157c4ae43cce2e805f6caf010e19');
  });

  it('isDataChanged compares without storing; forgetData re-arms', () => {
    const store = fresh();
    expect(store.isDataChanged('k', [1])).toBe(true);
    expect(store.isDataChanged('k', [1])).toBe(true);
    store.dataChanged('k', [1]);
    expect(store.isDataChanged('k', [1])).toBe(false);
    store.forgetData('k');
    expect(store.dataChanged('k', [1])).toBe(true);
  });

  it('rejects values JSON cannot hold with a TypeError', () => {
    expect(() => fresh().dataChanged('k', { f: () => 1 })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => fresh().dataChanged('k', cyclic)).toThrow(TypeError);
  });
});

describe('registerTrigger', () => {
  it('sets and clears other flags and calls back when a flag becomes set', () => {
    const store = fresh();
    const calls: string[] = [];
    store.set('stale');
    store.registerTrigger({ when: 'certificates.ca.changed', set: 'tls_client.ca.dirty', clear: 'stale' });
    store.registerTrigger({ when: 'certificates.ca.changed', callback: () => calls.push('cb') });
    store.set('certificates.ca.changed');
    expect(store.list()).toEqual(['certificates.ca.changed', 'tls_client.ca.dirty']);
    expect(calls).toEqual(['cb']);
    store.set('certificates.ca.changed'); // already set: not a transition
    expect(calls).toEqual(['cb']);
  });

  it('fires whenNot triggers when a flag is cleared, and chains', () => {
    const store = fresh();
    store.registerTrigger({ whenNot: 'certificates.available', clear: 'tls_client.certs.saved' });
    store.registerTrigger({ whenNot: 'tls_client.certs.saved', set: 'tls_client.needs.cleanup' });
    store.set('certificates.available');
    store.set('tls_client.certs.saved');
    store.clear('certificates.available');
    expect(store.list()).toEqual(['tls_client.needs.cleanup']);
  });

  it('fails with ERR_FLAGS_TRIGGER_LOOP when triggers recurse without end', () => {
    const store = fresh();
    store.registerTrigger({ when: 'a', clear: 'a' });
    store.registerTrigger({ whenNot: 'a', set: 'a' });
    const error = thrown(() => store.set('a'));
    expect(error.code).toBe('ERR_FLAGS_TRIGGER_LOOP');
    expect(error.message).toContain('"a"');
  });

  it('rejects triggers without a condition or an action', () => {
    const store = fresh();
    expect(() => store.registerTrigger({ set: 'b' })).toThrow(TypeError);
    expect(() => store.registerTrigger({ when: 'a', whenNot: 'b', set: 'c' })).toThrow(TypeError);
    expect(() => store.registerTrigger({ when: 'a' })).toThrow(TypeError);
  });
});

describe('FlagStore.commit and rollback', () => {
  it('shows changes at once in-process and writes them only on commit', async () => {
    const store = fresh();
    store.set('a');
    store.setValue('v', 1);
    expect(store.isSet('a')).toBe(true);
    expect(store.dirty).toBe(true);
    expect(existsSync(path)).toBe(false);
    await store.commit();
    expect(store.dirty).toBe(false);
    store.set('b');
    expect(fresh().list()).toEqual(['a']);
    await store.commit();
    expect(fresh().list()).toEqual(['a', 'b']);
  });

  it('rolls back flags, values and hashes to the last commit', async () => {
    const store = fresh();
    store.set('kept');
    store.setValue('v', 'kept');
    store.dataChanged('h', 1);
    await store.commit();
    store.set('dropped');
    store.clear('kept');
    store.setValue('v', 'dropped');
    store.dataChanged('h', 2);
    store.rollback();
    expect(store.list()).toEqual(['kept']);
    expect(store.getValue('v')).toBe('kept');
    expect(store.isDataChanged('h', 1)).toBe(false);
    expect(store.dirty).toBe(false);
  });

  it('does not touch the disk when nothing changed, counting set-then-clear as no change', async () => {
    const store = fresh();
    await store.commit();
    store.set('a');
    store.clear('a');
    store.setValue('v', 1);
    store.deleteValue('v');
    expect(store.dirty).toBe(false);
    await store.commit();
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('runs overlapping commit calls of one store one after the other', async () => {
    const store = fresh();
    store.set('a');
    const first = store.commit();
    store.set('b');
    const second = store.commit();
    await Promise.all([first, second]);
    expect(fresh().list()).toEqual(['a', 'b']);
    expect(store.dirty).toBe(false);
  });

  it('writes a versioned file with mode 0600 in a 0700 directory, whatever the umask', async () => {
    const old = process.umask(0);
    try {
      const store = FlagStore.open({ charmDir: dir });
      store.set('a');
      await store.commit();
      expect(statSync(store.path).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, '.tls-client')).mode & 0o777).toBe(0o700);
      const doc = JSON.parse(readFileSync(store.path, 'utf8'));
      expect(doc).toEqual({ version: STATE_FILE_VERSION, flags: ['a'], values: {}, hashes: {} });
    } finally {
      process.umask(old);
    }
  });

  it('tightens its own .tls-client directory to 0700 but leaves a chosen directory alone', async () => {
    mkdirSync(join(dir, '.tls-client'), { mode: 0o755 });
    chmodSync(join(dir, '.tls-client'), 0o755);
    const own = FlagStore.open({ charmDir: dir });
    own.set('a');
    await own.commit();
    expect(statSync(join(dir, '.tls-client')).mode & 0o777).toBe(0o700);

    const chosen = join(dir, 'chosen');
    mkdirSync(chosen);
    chmodSync(chosen, 0o755);
    const other = FlagStore.open({ stateDir: chosen });
    other.set('a');
    await other.commit();
    expect(statSync(chosen).mode & 0o777).toBe(0o755);
    expect(statSync(join(chosen, 'flags.json')).mode & 0o777).toBe(0o600);
  });

  it("merges onto the latest file, so another store's committed changes survive", async () => {
    const a = fresh();
    const b = fresh();
    a.set('from.a');
    a.setValue('a', 1);
    b.set('from.b');
    b.setValue('b', 2);
    await a.commit();
    await b.commit();
    const merged = fresh();
    expect(merged.list()).toEqual(['from.a', 'from.b']);
    expect([merged.getValue('a'), merged.getValue('b')]).toEqual([1, 2]);
    // b's in-process view catches up with a's commit.
    expect(b.list()).toEqual(['from.a', 'from.b']);
  });

  it('writes only net changes: a set-then-clear does not clear what another store committed', async () => {
    const a = fresh();
    const b = fresh();
    a.set('x');
    await a.commit();
    b.set('x');
    b.clear('x');
    b.set('y');
    await b.commit();
    expect(fresh().list()).toEqual(['x', 'y']);
  });

  it('lets the last committer win on a key both changed', async () => {
    const a = fresh();
    const b = fresh();
    a.setValue('k', 'a');
    b.setValue('k', 'b');
    await a.commit();
    await b.commit();
    expect(fresh().getValue('k')).toBe('b');
  });

  it('refuses to commit over a file that went bad since open, and keeps it', async () => {
    const store = fresh();
    store.set('a');
    await store.commit();
    writeFileSync(path, '{"version":1,"fla');
    store.set('b');
    const error = await rejected(store.commit());
    expect(error.code).toBe('ERR_FLAGS_CORRUPT');
    expect(readFileSync(path, 'utf8')).toBe('{"version":1,"fla');
    expect(store.dirty).toBe(true);
  });

  it('keeps the changes pending when a commit fails, so a later commit can succeed', async () => {
    const store = FlagStore.open({ path: join(dir, 'blocker', 'flags.json') });
    writeFileSync(join(dir, 'blocker'), '');
    store.set('a');
    const error = await rejected(store.commit());
    expect(error.code).toBe('ERR_FLAGS_NOT_WRITABLE');
    expect(error.path).toBe(join(dir, 'blocker'));
    expect(store.dirty).toBe(true);
    expect(store.isSet('a')).toBe(true);
  });
});

describe('FlagStore.open with a bad file', () => {
  const secret = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCSECRET';
  const valid = JSON.stringify({ version: 1, flags: ['a', 'b'], values: { note: secret }, hashes: {} });
  it.each([
    ['garbage', `not json ${secret}`, 'ERR_FLAGS_CORRUPT'],
    ['a truncated file', valid.slice(0, valid.length / 2), 'ERR_FLAGS_CORRUPT'],
    ['an empty file', '', 'ERR_FLAGS_CORRUPT'],
    ['a JSON array', '[]', 'ERR_FLAGS_CORRUPT'],
    ['flags that are not an array', '{"version":1,"flags":{},"values":{},"hashes":{}}', 'ERR_FLAGS_CORRUPT'],
    ['a flag that is not a string', '{"version":1,"flags":[1],"values":{},"hashes":{}}', 'ERR_FLAGS_CORRUPT'],
    [
      'values that are not an object',
      '{"version":1,"flags":[],"values":[],"hashes":{}}',
      'ERR_FLAGS_CORRUPT',
    ],
    [
      'a hash that is not md5 hex',
      '{"version":1,"flags":[],"values":{},"hashes":{"k":"x"}}',
      'ERR_FLAGS_CORRUPT',
    ],
    [
      'another format version',
      '{"version":2,"flags":[],"values":{},"hashes":{}}',
      'ERR_FLAGS_UNSUPPORTED_VERSION',
    ],
    ['version 0', '{"version":0,"flags":[],"values":{},"hashes":{}}', 'ERR_FLAGS_UNSUPPORTED_VERSION'],
    [
      'a version string',
      '{"version":"1","flags":[],"values":{},"hashes":{}}',
      'ERR_FLAGS_UNSUPPORTED_VERSION',
    ],
    ['no version', `{"flags":[],"values":{"k":"${secret}"},"hashes":{}}`, 'ERR_FLAGS_UNSUPPORTED_VERSION'],
  ])('fails on %s with a typed error naming the file', (_name, text, code) => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(path, text, { mode: 0o600 });
    const error = thrown(fresh);
    expect(error.code).toBe(code);
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).not.toContain('SECRET');
  });

  it('says when the file comes from a newer release', () => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(path, '{"version":7}');
    expect(thrown(fresh).message).toMatch(/version 7.*newer release/);
  });

  it('fails with ERR_FLAGS_UNREADABLE for a symlink or a directory at the path', () => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(join(dir, 'elsewhere.json'), valid);
    symlinkSync(join(dir, 'elsewhere.json'), path);
    const link = thrown(fresh);
    expect(link.code).toBe('ERR_FLAGS_UNREADABLE');
    expect(link.message).toContain('symbolic link');

    const asDir = join(dir, 'dir.json');
    mkdirSync(asDir);
    expect(thrown(() => FlagStore.open({ path: asDir })).code).toBe('ERR_FLAGS_UNREADABLE');
  });
});

describe('FlagStore.recover', () => {
  it('moves the bad file aside, keeping its bytes and mode, so open starts empty', async () => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(path, '{"version":1,"fl', { mode: 0o600 });
    expect(thrown(fresh).code).toBe('ERR_FLAGS_CORRUPT');
    const moved = await FlagStore.recover(path);
    expect(moved.startsWith(`${path}.bad-`)).toBe(true);
    expect(readFileSync(moved, 'utf8')).toBe('{"version":1,"fl');
    expect(statSync(moved).mode & 0o777).toBe(0o600);
    expect(fresh().list()).toEqual([]);
  });

  it('fails with ERR_FLAGS_NOT_FOUND when there is no file, or not even its directory', async () => {
    expect((await rejected(FlagStore.recover(path))).code).toBe('ERR_FLAGS_NOT_FOUND');
    mkdirSync(join(dir, 'state'));
    const error = await rejected(FlagStore.recover(path));
    expect(error.code).toBe('ERR_FLAGS_NOT_FOUND');
    expect(error.path).toBe(path);
    expect(readdirSync(join(dir, 'state'))).toEqual([]);
  });
});

describe('the commit lock', () => {
  function writeLock(pid: number): void {
    mkdirSync(join(dir, 'state'), { recursive: true });
    writeFileSync(`${path}.lock`, JSON.stringify({ pid, start: null, host: hostname() }), { mode: 0o600 });
  }

  function deadPid(): number {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    return Number(child.stdout);
  }

  it('breaks a lock left by a process that no longer exists', async () => {
    writeLock(deadPid());
    const store = FlagStore.open({ path, lockTimeoutMs: 2_000 });
    store.set('a');
    await store.commit();
    expect(fresh().list()).toEqual(['a']);
    expect(readdirSync(join(dir, 'state'))).toEqual(['flags.json']);
  });

  it('breaks an unparseable lock file', async () => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(`${path}.lock`, '');
    const store = FlagStore.open({ path, lockTimeoutMs: 2_000 });
    store.set('a');
    await store.commit();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('removes lock temp files left by dead processes', async () => {
    mkdirSync(join(dir, 'state'));
    const pid = deadPid();
    writeFileSync(`${path}.lock.tmp-${pid}-0011aabb`, '{}');
    writeFileSync(`${path}.lock.stale-${pid}-0011aabb`, '{}');
    const store = fresh();
    store.set('a');
    await store.commit();
    expect(readdirSync(join(dir, 'state'))).toEqual(['flags.json']);
  });

  it('waits for a live holder and then fails with ERR_FLAGS_LOCK_TIMEOUT naming its pid', async () => {
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeLock(holder.pid as number);
      const store = FlagStore.open({ path, lockTimeoutMs: 300 });
      store.set('a');
      const started = Date.now();
      const error = await rejected(store.commit());
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(error.code).toBe('ERR_FLAGS_LOCK_TIMEOUT');
      expect(error.path).toBe(`${path}.lock`);
      expect(error.message).toContain(`pid ${holder.pid}`);
      expect(existsSync(path)).toBe(false);
      const exited = new Promise((done) => holder.once('exit', done));
      holder.kill('SIGKILL');
      await exited;
      await store.commit();
      expect(fresh().list()).toEqual(['a']);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('fails with ERR_FLAGS_NOT_WRITABLE when something other than a lock file is at the lock path', async () => {
    mkdirSync(`${path}.lock`, { recursive: true });
    const store = fresh();
    store.set('a');
    const error = await rejected(store.commit());
    expect(error.code).toBe('ERR_FLAGS_NOT_WRITABLE');
    expect(error.message).toContain('not a regular file');
    expect(existsSync(path)).toBe(false);
  });

  it('does not break a lock held by a live process on another host', async () => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: deadPid(), start: null, host: 'some-other-host' }));
    const store = FlagStore.open({ path, lockTimeoutMs: 100 });
    store.set('a');
    const error = await rejected(store.commit());
    expect(error.code).toBe('ERR_FLAGS_LOCK_TIMEOUT');
    expect(error.message).toContain('some-other-host');
  });
});
