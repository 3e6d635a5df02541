// Test helpers: real keys (node:crypto) and real certificates (openssl ca), temp directories,
// and a probe for what this machine lets us do (tmpfs mounts, chattr).
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyType = 'rsa' | 'ec' | 'ed25519';

/** A certificate and its private key, both PEM. */
export interface Issued {
  cert: string;
  key: string;
  name: string;
}

const dirs: string[] = [];

/** A fresh temp directory, removed by {@link removeTempDirs}. */
export function tempDir(prefix = 'cert-writer-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Removes every temp directory made by {@link tempDir} (unmounting and un-chattring as needed). */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) {
    spawnSync('chattr', ['-R', '-i', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

export function generateKey(type: KeyType): string {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function stamp(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

const CONFIG = `[ ca ]
default_ca = CA_default
[ CA_default ]
database = index.txt
new_certs_dir = newcerts
serial = serial
default_md = default
policy = policy_any
unique_subject = no
email_in_dn = no
[ policy_any ]
commonName = supplied
[ ext_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ext_leaf ]
basicConstraints = CA:FALSE
subjectAltName = $ENV::SAN
`;

/** A tiny openssl CA in a temp directory: issues real X.509 certificates with any dates. */
export class TestPki {
  readonly dir: string;
  private counter = 0;

  constructor(dir = tempDir('cert-writer-pki-')) {
    this.dir = dir;
    mkdirSync(join(dir, 'newcerts'));
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '1000\n');
    writeFileSync(join(dir, 'ca.cnf'), CONFIG);
  }

  /**
   * Issues a certificate for `name`. Without `issuer` it is a self-signed root. `days` may be
   * negative offsets through `notBefore`/`notAfter`.
   */
  issue(
    name: string,
    options: {
      issuer?: Issued;
      keyType?: KeyType;
      ca?: boolean;
      key?: string;
      notBefore?: Date;
      notAfter?: Date;
      sans?: string;
    } = {},
  ): Issued {
    const n = ++this.counter;
    const key = options.key ?? generateKey(options.keyType ?? 'ec');
    const keyFile = join(this.dir, `k${n}.pem`);
    const csrFile = join(this.dir, `r${n}.csr`);
    const certFile = join(this.dir, `c${n}.pem`);
    writeFileSync(keyFile, key, { mode: 0o600 });
    const env = { ...process.env, SAN: options.sans ?? `DNS:${name}.test,IP:127.0.0.1` };
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: this.dir, env, stdio: 'pipe' });
    run(['req', '-new', '-key', keyFile, '-subj', `/CN=${name}`, '-out', csrFile]);
    const notBefore = options.notBefore ?? new Date(Date.now() - 3600_000);
    const notAfter = options.notAfter ?? new Date(Date.now() + 30 * 86_400_000);
    const args = ['ca', '-batch', '-config', 'ca.cnf', '-in', csrFile, '-notext', '-out', certFile];
    args.push('-startdate', stamp(notBefore), '-enddate', stamp(notAfter));
    args.push('-extensions', (options.ca ?? !options.issuer) ? 'ext_ca' : 'ext_leaf');
    if (options.issuer) {
      const issuerCert = join(this.dir, `ic${n}.pem`);
      const issuerKey = join(this.dir, `ik${n}.pem`);
      writeFileSync(issuerCert, options.issuer.cert);
      writeFileSync(issuerKey, options.issuer.key, { mode: 0o600 });
      args.push('-cert', issuerCert, '-keyfile', issuerKey);
    } else {
      args.push('-selfsign', '-keyfile', keyFile);
    }
    run(args);
    return { cert: readFileSync(certFile, 'utf8'), key, name };
  }
}

/** A root → intermediate → leaf hierarchy, with leaves of every key type and some bad ones. */
export interface Fixtures {
  pki: TestPki;
  root: Issued;
  intermediate: Issued;
  leafRsa: Issued;
  leafEc: Issued;
  leafEd25519: Issued;
  expired: Issued;
  notYetValid: Issued;
  otherRoot: Issued;
  otherLeaf: Issued;
}

export function makeFixtures(): Fixtures {
  const pki = new TestPki();
  const root = pki.issue('Test Root', { keyType: 'ec' });
  const intermediate = pki.issue('Test Intermediate', { issuer: root, ca: true, keyType: 'ec' });
  const otherRoot = pki.issue('Other Root', { keyType: 'ed25519' });
  return {
    pki,
    root,
    intermediate,
    leafRsa: pki.issue('rsa-leaf', { issuer: intermediate, keyType: 'rsa' }),
    leafEc: pki.issue('ec-leaf', { issuer: intermediate, keyType: 'ec' }),
    leafEd25519: pki.issue('ed-leaf', { issuer: intermediate, keyType: 'ed25519' }),
    expired: pki.issue('expired-leaf', {
      issuer: intermediate,
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2021-01-01T00:00:00Z'),
    }),
    notYetValid: pki.issue('future-leaf', {
      issuer: intermediate,
      notBefore: new Date(Date.now() + 365 * 86_400_000),
      notAfter: new Date(Date.now() + 400 * 86_400_000),
    }),
    otherRoot,
    otherLeaf: pki.issue('other-leaf', { issuer: otherRoot }),
  };
}

/** Base64 body of a PEM (to check that a message does not leak it). */
export function bodyOf(pem: string): string {
  return pem.split('\n').slice(1, 3).join('');
}

/** True when this process may mount a tmpfs (root with CAP_SYS_ADMIN, not in a locked container). */
export function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(join(tmpdir(), 'cert-writer-mount-probe-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status !== 0) return false;
    spawnSync('umount', [dir]);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mounts a tmpfs of `size` on a fresh temp dir; returns the dir and an unmount function. */
export function mountTmpfs(size: string): { dir: string; unmount: () => void } {
  const dir = tempDir('cert-writer-tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  return { dir, unmount: () => void spawnSync('umount', ['-l', dir]) };
}

/** The built package, for child processes (which cannot load TypeScript). CI builds before testing. */
export function distEntry(): string {
  const entry = new URL('../dist/index.js', import.meta.url).pathname;
  if (!existsSync(entry)) {
    throw new Error(
      `${entry} is missing: run \`pnpm --filter @tls-client/cert-writer build\` before these tests`,
    );
  }
  return entry;
}

/**
 * Code for a child snippet that becomes another user once its imports are loaded. Dropping after the
 * imports (rather than spawning as that user) lets the child load the package from a checkout that
 * the user cannot read, such as a clone in a 0700 temp directory.
 */
export function dropPrivileges(uid: number, gid: number): string {
  return `process.setgroups([${gid}]); process.setgid(${gid}); process.setuid(${uid});`;
}

/** Runs an ES module snippet in a child node, optionally as another user; returns its exit and output. */
export function runNode(
  code: string,
  options: { uid?: number; gid?: number; timeoutMs?: number } = {},
): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: '/',
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Names in `dir` that look like our temp files. */
export function tempFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.tls-client-tmp'));
}

const mountableCache: { value?: boolean } = {};

/** Skips the test unless running as root, saying why. */
export function requireRoot(ctx: { skip: (note?: string) => never }): void {
  if (process.getuid?.() !== 0)
    ctx.skip('needs root: changes owners to other users and runs children as nobody');
}

/** Skips the test unless a tmpfs can be mounted, saying why. */
export function requireMount(ctx: { skip: (note?: string) => never }): void {
  mountableCache.value ??= canMount();
  if (!mountableCache.value) {
    ctx.skip(
      'cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): read-only and disk-full cases not run',
    );
  }
}
