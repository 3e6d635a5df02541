import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractPemBlocks, joinPem, normalizePem } from '../src/index.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const cert = fixture('cert.pem');
const textDump = fixture('cert-text-dump.pem');

describe('extractPemBlocks', () => {
  it('finds the certificate after an OpenSSL text dump and drops the dump', () => {
    expect(textDump.startsWith('Certificate:')).toBe(true);
    const blocks = extractPemBlocks(textDump);
    expect(blocks).toEqual([{ label: 'CERTIFICATE', kind: 'certificate', encrypted: false, pem: cert }]);
  });

  it('accepts CRLF line ends and a missing final newline', () => {
    const crlf = cert.replaceAll('\n', '\r\n').trimEnd();
    expect(extractPemBlocks(crlf).map((b) => b.pem)).toEqual([cert]);
  });

  it('drops blank lines and whitespace padding inside a block', () => {
    const padded = cert
      .split('\n')
      .map((line) => `  ${line}\t`)
      .join('\n\n');
    expect(extractPemBlocks(padded).map((b) => b.pem)).toEqual([cert]);
  });

  it('finds a BEGIN marker in the middle of a line', () => {
    expect(extractPemBlocks(`subject=CN = x${cert}trailing text`).map((b) => b.pem)).toEqual([cert]);
  });

  it.each([
    ['pkcs8.key', 'PRIVATE KEY', 'private-key', false],
    ['rsa-pkcs1.key', 'RSA PRIVATE KEY', 'private-key', false],
    ['encrypted-pkcs8.key', 'ENCRYPTED PRIVATE KEY', 'private-key', true],
    ['rsa-legacy-encrypted.key', 'RSA PRIVATE KEY', 'private-key', true],
    ['cert.pem', 'CERTIFICATE', 'certificate', false],
  ])('classifies %s as %s', (file, label, kind, encrypted) => {
    const text = fixture(file);
    expect(extractPemBlocks(text)).toEqual([{ label, kind, encrypted, pem: text }]);
  });

  it('keeps RFC 1421 headers and their blank separator line', () => {
    const text = fixture('rsa-legacy-encrypted.key');
    const [block] = extractPemBlocks(text.replaceAll('\n', '\r\n'));
    expect(block?.pem).toBe(text);
    expect(block?.pem).toMatch(
      /^-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: [^\n]+\n\n/,
    );
  });

  it('reports EC PARAMETERS as "other" beside the EC private key', () => {
    const blocks = extractPemBlocks(fixture('ec-with-params.key'));
    expect(blocks.map((b) => [b.label, b.kind])).toEqual([
      ['EC PARAMETERS', 'other'],
      ['EC PRIVATE KEY', 'private-key'],
    ]);
  });

  it('returns the blocks of a bundle in order', () => {
    const key = fixture('pkcs8.key');
    const blocks = extractPemBlocks(`${cert}\n\n${key}junk\n${cert}`);
    expect(blocks.map((b) => b.kind)).toEqual(['certificate', 'private-key', 'certificate']);
  });

  it.each([
    ['no PEM at all', 'not a certificate'],
    ['a placeholder value', 'cert-placeholder'],
    ['a BEGIN without END (truncated)', cert.slice(0, 200)],
    ['an END label that does not match', cert.replace('END CERTIFICATE', 'END PRIVATE KEY')],
    ['a body that is not base64', '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n'],
    ['an empty body', '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'],
    ['an empty string', ''],
  ])('skips %s', (_name, text) => {
    expect(extractPemBlocks(text)).toEqual([]);
  });

  it('skips a truncated block followed by a complete one', () => {
    expect(extractPemBlocks(cert.slice(0, 100) + cert).map((b) => b.pem)).toEqual([cert]);
  });

  it('stays linear on hostile marker-like input', () => {
    const hostile = `-----BEGIN ${'A-'.repeat(200_000)}\n${'-----BEGIN X-----'.repeat(20_000)}`;
    expect(extractPemBlocks(hostile)).toEqual([]);
  });

  it('never throws and always returns blocks that end with one newline', () => {
    const arbitrary = fc.oneof(
      fc.string(),
      fc.constantFrom(cert, textDump).chain((base) =>
        fc.tuple(fc.nat(base.length), fc.nat(base.length), fc.string()).map(([a, b, s]) => {
          const [from, to] = a < b ? [a, b] : [b, a];
          return base.slice(0, from) + s + base.slice(to);
        }),
      ),
    );
    fc.assert(
      fc.property(arbitrary, (text) => {
        for (const block of extractPemBlocks(text)) {
          expect(block.pem).toMatch(/^-----BEGIN [^\n]*-----\n[\s\S]*\n-----END [^\n]*-----\n$/);
          expect(block.pem.includes('\r')).toBe(false);
        }
      }),
    );
  });

  it('throws TypeError for a non-string argument', () => {
    expect(() => extractPemBlocks(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('normalizePem', () => {
  it('joins blocks with one newline between them and one at the end', () => {
    const key = fixture('pkcs8.key');
    expect(normalizePem(`junk\r\n${cert.trimEnd()}\r\n\r\n${key.trimEnd()}`)).toBe(cert + key);
  });

  it('returns an empty string when there is no PEM block', () => {
    expect(normalizePem('Certificate:\n    Data:\n')).toBe('');
  });

  it('is idempotent', () => {
    const once = normalizePem(textDump);
    expect(normalizePem(once)).toBe(once);
  });
});

describe('joinPem', () => {
  it('joins a certificate and a chain, normalised, skipping undefined and empty parts', () => {
    const chain = `${cert}${cert}`;
    expect(joinPem(textDump, undefined, '', chain.replaceAll('\n', '\r\n'))).toBe(cert + cert + cert);
  });

  it('does not leave a blank line when the certificate already ends with a newline', () => {
    expect(joinPem(cert, cert)).not.toContain('\n\n');
  });

  it('returns an empty string for no parts', () => {
    expect(joinPem()).toBe('');
  });
});
