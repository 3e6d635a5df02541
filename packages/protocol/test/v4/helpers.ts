// Shared fixtures of the v4 tests: real CSRs and certificates made with openssl (see
// fixtures/README.md), and helpers to bend them into the malformed shapes relation data takes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/v4/${name}`, import.meta.url), 'utf8');

/** RSA 2048 CSR for CN app-0.internal with DNS and IP SANs. */
export const CSR_RSA = fixture('csr-rsa.pem');
/** EC P-256 CSR for CN app-1.internal, O Example. */
export const CSR_EC = fixture('csr-ec.pem');
/** Self-signed EC CA. */
export const CA = fixture('ca.pem');
/** Certificate the CA issued for CSR_RSA. */
export const CERT = fixture('cert-rsa.pem');

export const stripped = (pem: string): string => pem.trim();

/** The base64 body of a PEM block, joined. */
export function body(pem: string): string {
  return pem
    .trim()
    .split('\n')
    .filter((line) => !line.startsWith('-----'))
    .join('');
}

/** A PEM block with the given label around base64 of `der`, wrapped at `width` columns. */
export function armour(label: string, der: Uint8Array | string, width = 64): string {
  const b64 = typeof der === 'string' ? der : Buffer.from(der).toString('base64');
  const lines = b64.match(new RegExp(`.{1,${width}}`, 'g')) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----`;
}

export function derOf(pem: string): Buffer {
  return Buffer.from(body(pem), 'base64');
}

export function hasPython(modules: string[] = []): boolean {
  const imports = ['json', ...modules].join(', ');
  return spawnSync('python3', ['-c', `import ${imports}`], { stdio: 'ignore' }).status === 0;
}

/** A CSR entry as the Python requirer writes it. */
export function csrList(...entries: { certificate_signing_request: unknown; ca?: unknown }[]): string {
  return JSON.stringify(entries);
}

/**
 * A distinct, structurally valid CSR for each seed: CSR_RSA with its signature bytes replaced. The
 * codec checks a CSR's DER shape, not its signature, so these stand in for many real CSRs.
 */
export function csrVariant(seed: number): string {
  const der = derOf(CSR_RSA);
  let x = (seed + 1) * 2654435761;
  for (let i = der.length - 256; i < der.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    der[i] = x >>> 24;
  }
  return armour('CERTIFICATE REQUEST', der);
}
