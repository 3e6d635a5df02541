import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CertWriterError,
  MAX_PEM_BYTES,
  readCertificateBundle,
  validateCertificate,
  writeCertificate,
} from '../src/index.js';
import { bodyOf, type Fixtures, makeFixtures, removeTempDirs, tempDir } from './helpers.js';

let f: Fixtures;
beforeAll(() => {
  f = makeFixtures();
});
afterAll(removeTempDirs);

function errorOf(fn: () => unknown): CertWriterError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CertWriterError);
    return error as CertWriterError;
  }
  throw new Error('expected a CertWriterError');
}

/** Swaps base64 inside the DER so it no longer parses. */
function corrupt(pem: string): string {
  const lines = pem.split('\n');
  lines[1] = 'MIIB';
  return lines.join('\n');
}

describe('readCertificateBundle: PEM certificates only, each one parses', () => {
  it('returns every certificate in order, found amid other text and CRLF, with its block index', () => {
    const text = `intro\r\n${f.intermediate.cert.replace(/\n/g, '\r\n')}-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\nbetween\n${f.root.cert}`;
    const certs = readCertificateBundle(text, { input: 'chain' });
    expect(certs.map((c) => c.x509.subject)).toEqual(['CN=Test Intermediate', 'CN=Test Root']);
    expect(certs.map((c) => c.blockIndex)).toEqual([0, 2]);
    expect(certs[0]?.pem).toBe(f.intermediate.cert);
  });

  it.each([
    ['no certificate', () => 'nothing here', 'ERR_CERT_WRITER_INVALID_PEM', undefined],
    ['an empty string', () => '', 'ERR_CERT_WRITER_INVALID_PEM', undefined],
    ['a private key', () => f.root.cert + f.root.key, 'ERR_CERT_WRITER_KEY_AS_CERT', 1],
    [
      'a broken key block',
      () => `${f.root.cert}-----BEGIN PRIVATE KEY-----\nAB`,
      'ERR_CERT_WRITER_KEY_AS_CERT',
      undefined,
    ],
    [
      'a block that does not parse',
      () => f.root.cert + corrupt(f.intermediate.cert),
      'ERR_CERT_WRITER_INVALID_PEM',
      1,
    ],
    [
      'a TRUSTED CERTIFICATE',
      () => f.root.cert.replace(/CERTIFICATE/g, 'TRUSTED CERTIFICATE'),
      'ERR_CERT_WRITER_INVALID_PEM',
      0,
    ],
    [
      'more than MAX_PEM_BYTES',
      () => f.root.cert + ' '.repeat(MAX_PEM_BYTES),
      'ERR_CERT_WRITER_TOO_LARGE',
      undefined,
    ],
  ])(
    'refuses %s with a typed error that names the input, not the content',
    (_label, input, code, blockIndex) => {
      const error = errorOf(() => readCertificateBundle(input(), { input: 'ca' as never }));
      expect(error.code).toBe(code);
      expect(error.blockIndex).toBe(blockIndex);
      expect(error.message).not.toContain(bodyOf(f.root.cert));
      expect(error.message).not.toContain(bodyOf(f.root.key));
    },
  );

  it('returns [] for a text without certificates only with allowEmpty', () => {
    expect(readCertificateBundle('no pem', { allowEmpty: true })).toEqual([]);
    expect(() => readCertificateBundle(42 as never)).toThrow(TypeError);
  });

  it('refuses DER bytes after the certificate inside a block', () => {
    const der = Buffer.concat([Buffer.from(bodyFull(f.root.cert), 'base64'), Buffer.from([0, 0])]);
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
    expect(errorOf(() => readCertificateBundle(pem)).code).toBe('ERR_CERT_WRITER_INVALID_PEM');
  });
});

function bodyFull(pem: string): string {
  return pem
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('-----'))
    .join('');
}

describe('validateCertificate once per certificate', () => {
  it("with badChain: 'drop', a chain that does not fit is left out and chainError says why", () => {
    const v = validateCertificate({
      cert: f.leafEc.cert,
      key: f.leafEc.key,
      chain: f.otherRoot.cert,
      badChain: 'drop',
    });
    expect(v.chainLength).toBe(0);
    expect(v.chainError?.code).toBe('ERR_CERT_WRITER_CHAIN_ORDER');
    expect(v.fullchainPem).toBe(f.leafEc.cert);
    const broken = validateCertificate({
      cert: f.leafEc.cert,
      key: f.leafEc.key,
      chain: corrupt(f.root.cert),
      badChain: 'drop',
    });
    expect(broken.chainError?.code).toBe('ERR_CERT_WRITER_INVALID_PEM');
    const good = validateCertificate({
      cert: f.leafEc.cert,
      key: f.leafEc.key,
      chain: f.intermediate.cert,
      badChain: 'drop',
    });
    expect(good.chainError).toBeUndefined();
    expect(good.chainLength).toBe(1);
    // The default still throws.
    expect(
      errorOf(() => validateCertificate({ cert: f.leafEc.cert, key: f.leafEc.key, chain: f.otherRoot.cert }))
        .code,
    ).toBe('ERR_CERT_WRITER_CHAIN_ORDER');
  });

  it('writeCertificate takes a validated result and writes it without checking again', async () => {
    const dir = tempDir();
    const validated = validateCertificate({
      cert: f.leafEc.cert,
      key: f.leafEc.key,
      chain: f.intermediate.cert,
    });
    expect(Object.isFrozen(validated)).toBe(true);
    const r = await writeCertificate({
      validated,
      certPath: join(dir, 'tls.crt'),
      keyPath: join(dir, 'tls.key'),
    });
    expect(r.changed).toBe(true);
    expect(readFileSync(join(dir, 'tls.crt'), 'utf8')).toBe(f.leafEc.cert + f.intermediate.cert);
    await expect(
      writeCertificate({
        validated: { ...validated },
        certPath: join(dir, 'a.crt'),
        keyPath: join(dir, 'a.key'),
      }),
    ).rejects.toThrow(TypeError);
    await expect(
      writeCertificate({
        validated,
        cert: f.leafEc.cert,
        certPath: join(dir, 'a.crt'),
        keyPath: join(dir, 'a.key'),
      }),
    ).rejects.toThrow(TypeError);
  });
});
