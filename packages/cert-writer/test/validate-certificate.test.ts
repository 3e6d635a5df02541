import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertWriterError, MAX_PEM_BYTES, validateCertificate } from '../src/index.js';
import { bodyOf, type Fixtures, makeFixtures, removeTempDirs } from './helpers.js';

let f: Fixtures;
beforeAll(() => {
  f = makeFixtures();
});
afterAll(removeTempDirs);

function codeOf(fn: () => unknown): CertWriterError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CertWriterError);
    return error as CertWriterError;
  }
  throw new Error('expected a CertWriterError');
}

describe('validateCertificate', () => {
  it.each(['leafRsa', 'leafEc', 'leafEd25519'] as const)(
    'accepts a matching %s pair with its chain',
    (name) => {
      const leaf = f[name];
      const v = validateCertificate({
        cert: leaf.cert,
        key: leaf.key,
        chain: f.intermediate.cert + f.root.cert,
      });
      expect(v.chainLength).toBe(2);
      expect(v.keyType).toBe(name === 'leafRsa' ? 'rsa' : name === 'leafEc' ? 'ec' : 'ed25519');
      expect(v.certificate.subject).toBe(`CN=${leaf.name}`);
      expect(v.certificate.issuer).toBe('CN=Test Intermediate');
      expect(v.certificate.sans).toEqual([`DNS:${leaf.name}.test`, 'IP Address:127.0.0.1']);
      expect(v.certificate.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(v.warnings).toEqual([]);
    },
  );

  it('finds PEM blocks amid a text dump and CRLF line ends', () => {
    const dump = `Certificate:\n    Data:\n        Version: 3 (0x2)\n${f.leafEc.cert.replace(/\n/g, '\r\n')}trailing words`;
    const v = validateCertificate({
      cert: dump,
      key: `key follows:\n${f.leafEc.key}\n\n`,
      chain: `\n\n${f.intermediate.cert}`,
    });
    expect(v.certPem).toBe(f.leafEc.cert);
    expect(v.keyPem).toBe(f.leafEc.key);
    expect(v.fullchainPem).toBe(f.leafEc.cert + f.intermediate.cert);
  });

  it('joins leaf and chain with exactly one newline between blocks and one at the end', () => {
    const v = validateCertificate({
      cert: `${f.leafEc.cert}\n\n\n`,
      key: f.leafEc.key,
      chain: `${f.intermediate.cert.trimEnd()}\n\n${f.root.cert.trimEnd()}`,
    });
    expect(v.fullchainPem).toBe(f.leafEc.cert + f.intermediate.cert + f.root.cert);
    expect(v.fullchainPem).not.toMatch(/\n\n/);
    expect(v.fullchainPem.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
    expect(v.chainPem).toBe(f.intermediate.cert + f.root.cert);
  });

  it('takes extra certificates in the cert value as the start of the chain', () => {
    const v = validateCertificate({
      cert: f.leafEc.cert + f.intermediate.cert,
      key: f.leafEc.key,
      chain: f.root.cert,
    });
    expect(v.certPem).toBe(f.leafEc.cert);
    expect(v.chainPem).toBe(f.intermediate.cert + f.root.cert);
  });

  const truncated = () => f.leafEc.cert.slice(0, Math.floor(f.leafEc.cert.length / 2));
  const corrupted = () => f.leafEc.cert.replace(/\n[A-Za-z0-9+/]{64}\n/, '\nAAAA\n');
  it.each([
    [
      'garbage',
      () => ({ cert: 'not a certificate at all', key: f.leafEc.key }),
      'ERR_CERT_WRITER_INVALID_PEM',
      'cert',
    ],
    ['an empty cert', () => ({ cert: '', key: f.leafEc.key }), 'ERR_CERT_WRITER_INVALID_PEM', 'cert'],
    [
      'a truncated cert (no END line)',
      () => ({ cert: truncated(), key: f.leafEc.key }),
      'ERR_CERT_WRITER_INVALID_PEM',
      'cert',
    ],
    [
      'a corrupt cert body',
      () => ({ cert: corrupted(), key: f.leafEc.key }),
      'ERR_CERT_WRITER_INVALID_PEM',
      'cert',
    ],
    [
      'a key in the cert slot',
      () => ({ cert: f.leafEc.key, key: f.leafEc.key }),
      'ERR_CERT_WRITER_KEY_AS_CERT',
      'cert',
    ],
    [
      'a cert followed by its key in the cert slot',
      () => ({ cert: f.leafEc.cert + f.leafEc.key, key: f.leafEc.key }),
      'ERR_CERT_WRITER_KEY_AS_CERT',
      'cert',
    ],
    [
      'a key in the chain slot',
      () => ({ ...f.leafEc, chain: f.root.key }),
      'ERR_CERT_WRITER_KEY_AS_CERT',
      'chain',
    ],
    [
      'a cert in the key slot',
      () => ({ cert: f.leafEc.cert, key: f.leafEc.cert }),
      'ERR_CERT_WRITER_INVALID_KEY',
      'key',
    ],
    ['garbage key', () => ({ cert: f.leafEc.cert, key: 'hunter2' }), 'ERR_CERT_WRITER_INVALID_KEY', 'key'],
    [
      'a corrupt key body',
      () => ({
        cert: f.leafEc.cert,
        key: f.leafEc.key.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA'),
      }),
      'ERR_CERT_WRITER_INVALID_KEY',
      'key',
    ],
    [
      'two keys',
      () => ({ cert: f.leafEc.cert, key: f.leafEc.key + f.leafRsa.key }),
      'ERR_CERT_WRITER_INVALID_KEY',
      'key',
    ],
    [
      'a mismatched key (same type)',
      () => ({ cert: f.leafEc.cert, key: f.otherLeaf.key }),
      'ERR_CERT_WRITER_KEY_MISMATCH',
      'key',
    ],
    [
      'a mismatched key (RSA for EC)',
      () => ({ cert: f.leafEc.cert, key: f.leafRsa.key }),
      'ERR_CERT_WRITER_KEY_MISMATCH',
      'key',
    ],
    [
      'a mismatched Ed25519 key',
      () => ({ cert: f.leafEd25519.cert, key: f.otherRoot.key }),
      'ERR_CERT_WRITER_KEY_MISMATCH',
      'key',
    ],
    [
      'a chain in the wrong order',
      () => ({ ...f.leafEc, chain: f.root.cert + f.intermediate.cert }),
      'ERR_CERT_WRITER_CHAIN_ORDER',
      'chain',
    ],
    [
      'a chain that skips the intermediate',
      () => ({ ...f.leafEc, chain: f.root.cert }),
      'ERR_CERT_WRITER_CHAIN_ORDER',
      'chain',
    ],
    [
      'an unrelated chain',
      () => ({ ...f.leafEc, chain: f.otherRoot.cert }),
      'ERR_CERT_WRITER_CHAIN_ORDER',
      'chain',
    ],
    [
      'a 10 MB cert',
      () => ({ cert: f.leafEc.cert.repeat(10_000_000 / 700), key: f.leafEc.key }),
      'ERR_CERT_WRITER_TOO_LARGE',
      'cert',
    ],
    [
      'a 10 MB key',
      () => ({ cert: f.leafEc.cert, key: 'A'.repeat(10 * 1024 * 1024) }),
      'ERR_CERT_WRITER_TOO_LARGE',
      'key',
    ],
    [
      'a 10 MB chain',
      () => ({ ...f.leafEc, chain: 'x'.repeat(10 * 1024 * 1024) }),
      'ERR_CERT_WRITER_TOO_LARGE',
      'chain',
    ],
  ])('rejects %s', (_name, make, code, key) => {
    const input = make();
    const error = codeOf(() => validateCertificate(input));
    expect(error.code).toBe(code);
    expect(error.key).toBe(key);
    expect(error.message).toContain(`"${key}"`);
    for (const secret of [f.leafEc.key, f.leafRsa.key, f.otherLeaf.key, f.root.key, f.otherRoot.key]) {
      expect(error.message).not.toContain(bodyOf(secret));
    }
    expect(error.message).not.toContain(bodyOf(f.leafEc.cert));
  });

  it('accepts exactly MAX_PEM_BYTES of padding around a valid cert and rejects one byte more', () => {
    const pad = (n: number) => `${f.leafEc.cert}${' '.repeat(n - f.leafEc.cert.length)}`;
    expect(validateCertificate({ cert: pad(MAX_PEM_BYTES), key: f.leafEc.key }).certPem).toBe(f.leafEc.cert);
    expect(codeOf(() => validateCertificate({ cert: pad(MAX_PEM_BYTES + 1), key: f.leafEc.key })).code).toBe(
      'ERR_CERT_WRITER_TOO_LARGE',
    );
  });

  it('verifies the leaf against the root through the chain when verifyCa is given', () => {
    const chain = f.intermediate.cert;
    expect(validateCertificate({ ...f.leafRsa, chain, verifyCa: f.root.cert }).chainLength).toBe(1);
    expect(validateCertificate({ ...f.leafRsa, chain, verifyCa: f.intermediate.cert }).chainLength).toBe(1);
    expect(validateCertificate({ ...f.leafRsa, verifyCa: f.intermediate.cert }).chainLength).toBe(0);
    const error = codeOf(() => validateCertificate({ ...f.leafRsa, chain, verifyCa: f.otherRoot.cert }));
    expect(error.code).toBe('ERR_CERT_WRITER_UNTRUSTED');
    expect(error.key).toBe('verifyCa');
    expect(codeOf(() => validateCertificate({ ...f.leafRsa, verifyCa: f.root.cert })).code).toBe(
      'ERR_CERT_WRITER_UNTRUSTED',
    );
    expect(codeOf(() => validateCertificate({ ...f.leafRsa, verifyCa: f.root.key })).code).toBe(
      'ERR_CERT_WRITER_KEY_AS_CERT',
    );
  });

  it('accepts an expired or not-yet-valid certificate with a warning by default', () => {
    const expired = validateCertificate({ ...f.expired, chain: f.intermediate.cert });
    expect(expired.warnings).toEqual([expect.stringContaining('expired at 2021-01-01T00:00:00.000Z')]);
    const future = validateCertificate(f.notYetValid);
    expect(future.warnings).toEqual([expect.stringContaining('not valid before')]);
  });

  it('rejects an expired or not-yet-valid certificate with allowExpired: false', () => {
    expect(codeOf(() => validateCertificate({ ...f.expired, allowExpired: false })).code).toBe(
      'ERR_CERT_WRITER_EXPIRED',
    );
    expect(codeOf(() => validateCertificate({ ...f.notYetValid, allowExpired: false })).code).toBe(
      'ERR_CERT_WRITER_NOT_YET_VALID',
    );
    const later = new Date(Date.now() + 5 * 365 * 86_400_000);
    expect(codeOf(() => validateCertificate({ ...f.leafEc, allowExpired: false, now: later })).code).toBe(
      'ERR_CERT_WRITER_EXPIRED',
    );
  });

  it('refuses encrypted private keys', () => {
    const encrypted = `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${bodyOf(f.leafEc.key)}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
    const error = codeOf(() => validateCertificate({ cert: f.leafEc.cert, key: encrypted }));
    expect(error.code).toBe('ERR_CERT_WRITER_INVALID_KEY');
    expect(error.message).toContain('encrypted');
  });

  it('throws TypeError for inputs of the wrong type', () => {
    expect(() => validateCertificate({ cert: undefined as unknown as string, key: '' })).toThrow(TypeError);
    expect(() => validateCertificate({ cert: '', key: '', chain: 5 as unknown as string })).toThrow(
      TypeError,
    );
  });
});
