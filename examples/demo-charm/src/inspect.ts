// Read-only views of what the demo produced: files with modes and owners, certificate facts, and
// whether a CA is in a trust bundle. Certificates are read with cert-writer's one bundle reader;
// nothing here prints a key or a cert body.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readCertificateBundle } from '@tls-client/cert-writer';

/** One file as `ls -l` would describe it, plus a content hash to detect rewrites. */
export interface FileFacts {
  path: string;
  mode: number;
  owner: string;
  group: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** What a certificate file says about its first certificate. */
export interface CertificateFacts {
  subject: string;
  issuer: string;
  sans: string[];
  notAfter: Date;
  daysLeft: number;
  fingerprint256: string;
  /** Certificates in the file (leaf followed by the chain). */
  blocks: number;
}

function idNames(file: string): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id && /^\d+$/.test(id)) names.set(Number(id), name);
    }
  } catch {
    // No /etc/passwd (minimal containers): numeric ids are shown instead.
  }
  return names;
}

let users: Map<number, string> | undefined;
let groups: Map<number, string> | undefined;

/** Stats a file; undefined when it does not exist. */
export function fileFacts(path: string): FileFacts | undefined {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  users ??= idNames('/etc/passwd');
  groups ??= idNames('/etc/group');
  return {
    path,
    mode: st.mode & 0o7777,
    owner: users.get(st.uid) ?? String(st.uid),
    group: groups.get(st.gid) ?? String(st.gid),
    size: st.size,
    mtimeMs: st.mtimeMs,
    sha256: createHash('sha256').update(readFileSync(path)).digest('hex'),
  };
}

function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

/** Facts about the first certificate of a PEM text (leaf, then chain). */
export function certificateFacts(pem: string, now = new Date()): CertificateFacts {
  const blocks = readCertificateBundle(pem, { input: 'cert' });
  const x509 = blocks[0]!.x509;
  const notAfter = new Date(x509.validTo);
  return {
    subject: oneLine(x509.subject),
    issuer: oneLine(x509.issuer),
    sans: (x509.subjectAltName ?? '')
      .split(',')
      .map((s) => s.trim().replace(/^IP Address:/, 'IP:'))
      .filter(Boolean),
    notAfter,
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000),
    fingerprint256: x509.fingerprint256,
    blocks: blocks.length,
  };
}

/** Whether a trust bundle (concatenated PEM) contains this CA certificate, byte for byte in DER. */
export function bundleContains(bundlePem: string, caPem: string): boolean {
  const [wanted] = readCertificateBundle(caPem, { input: 'pem', allowEmpty: true });
  if (wanted === undefined) return false;
  return readCertificateBundle(bundlePem, { input: 'pem', allowEmpty: true }).some((c) =>
    c.x509.raw.equals(wanted.x509.raw),
  );
}

/** `0600`-style octal. */
export function formatMode(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}
