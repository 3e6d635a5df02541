import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach } from 'vitest';

const run = promisify(execFile);

/** The real Debian tool, when this machine has it. */
export const REAL_UPDATE = ['/usr/sbin/update-ca-certificates', '/usr/bin/update-ca-certificates'].find((p) =>
  existsSync(p),
);

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temp directory, removed after the test. */
export async function tempDir(prefix = 'ca-installer-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export interface TestCa {
  pem: string;
  certPath: string;
  keyPath: string;
}

/** A CA made by `openssl req -x509` with basicConstraints CA:TRUE (EC P-256, valid 2 days). */
export async function makeCa(dir: string, commonName: string): Promise<TestCa> {
  const base = join(dir, commonName.replace(/[^A-Za-z0-9]/g, '_'));
  const certPath = `${base}.ca.pem`;
  const keyPath = `${base}.ca.key`;
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-subj',
    `/CN=${commonName}`,
    '-days',
    '2',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { pem: await readFile(certPath, 'utf8'), certPath, keyPath };
}

/** A leaf certificate (CA:FALSE) signed by `ca`; returns its PEM file path. */
export async function makeLeaf(dir: string, ca: TestCa, commonName: string): Promise<string> {
  const base = join(dir, commonName.replace(/[^A-Za-z0-9]/g, '_'));
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${base}.leaf.key`,
    '-out',
    `${base}.leaf.pem`,
    '-subj',
    `/CN=${commonName}`,
    '-days',
    '1',
    '-CA',
    ca.certPath,
    '-CAkey',
    ca.keyPath,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    `subjectAltName=DNS:${commonName}`,
  ]);
  return `${base}.leaf.pem`;
}

/** A self-signed certificate without the CA flag, and its private key, as PEM. */
export async function makeSelfSignedLeaf(
  dir: string,
  commonName: string,
): Promise<{ pem: string; key: string }> {
  const base = join(dir, `${commonName}.self`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${base}.key`,
    '-out',
    `${base}.pem`,
    '-subj',
    `/CN=${commonName}`,
    '-days',
    '1',
    '-addext',
    'basicConstraints=critical,CA:FALSE',
  ]);
  return { pem: await readFile(`${base}.pem`, 'utf8'), key: await readFile(`${base}.key`, 'utf8') };
}

/** `openssl verify <args> leaf`: true when it verifies. */
export async function verifies(leafPath: string, args: string[]): Promise<boolean> {
  try {
    await run('openssl', ['verify', ...args, leafPath]);
    return true;
  } catch {
    return false;
  }
}

/** Verifies against the sandbox bundle (`-CAfile`) and hash directory (`-CApath`); both must agree. */
export async function trustedBy(
  root: string,
  leafPath: string,
): Promise<{ caFile: boolean; caPath: boolean }> {
  const certs = join(root, 'etc/ssl/certs');
  return {
    caFile: await verifies(leafPath, ['-CAfile', join(certs, 'ca-certificates.crt')]),
    caPath: await verifies(leafPath, ['-CApath', certs]),
  };
}

export interface Stub {
  /** Path of the stub program. */
  path: string;
  /** Directory holding it (to put on PATH). */
  dir: string;
  /** The argv (without argv[0]) of each run so far. */
  calls(): Promise<string[][]>;
}

/**
 * Writes an executable `/bin/sh` stub named `name` into `dir` that records its arguments (one line
 * per run, tab-separated), then runs `body` (default: exit 0). `$STUB_DIR` is set for the body.
 */
export async function writeStub(dir: string, name: string, body = 'exit 0'): Promise<Stub> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  const log = join(dir, `${name}.calls`);
  const script = [
    '#!/bin/sh',
    `STUB_DIR='${dir}'`,
    `for a in "$@"; do printf '%s\\t' "$a"; done >> '${log}'`,
    `printf '\\n' >> '${log}'`,
    body,
    '',
  ].join('\n');
  await writeFile(path, script);
  await chmod(path, 0o755);
  return {
    path,
    dir,
    async calls() {
      if (!existsSync(log)) return [];
      const text = await readFile(log, 'utf8');
      return text
        .split('\n')
        .slice(0, -1)
        .map((line) => (line === '' ? [] : line.slice(0, -1).split('\t')));
    },
  };
}

/** A stub that counts runs and then execs the real Debian tool with the same arguments. */
export async function countingRealUpdate(dir: string, body = ''): Promise<Stub> {
  if (REAL_UPDATE === undefined) throw new Error('update-ca-certificates is not installed');
  return writeStub(dir, 'update-ca-certificates', `${body}\nexec '${REAL_UPDATE}' "$@"`);
}

/** Names of the files in a directory, sorted; [] when it is missing. */
export async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}
