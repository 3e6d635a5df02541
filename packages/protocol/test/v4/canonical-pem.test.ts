import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalPem, MAX_PEM_LENGTH, pemEquals } from '../../src/v4.js';
import { armour, body, CA, CERT, CSR_EC, CSR_RSA, derOf, hasPython } from './helpers.js';

/** The same PEM laid out differently: CRLF, other line widths, blank lines and padding around it. */
const relayouts = (pem: string): [string, string][] => [
  ['CRLF line ends', pem.replaceAll('\n', '\r\n')],
  ['a trailing newline', `${pem.trim()}\n`],
  ['surrounding whitespace', `\n\n  ${pem.trim()}  \n\t`],
  ['76-column lines', armour(pem.split('\n')[0]!.slice(11, -5), body(pem), 76)],
  ['one line of base64', armour(pem.split('\n')[0]!.slice(11, -5), body(pem), 100_000)],
  ['indented base64 lines', pem.replace(/\n(?!-)/g, '\n   ')],
];

describe('canonicalPem', () => {
  it.each([
    ['an RSA CSR', CSR_RSA],
    ['an EC CSR', CSR_EC],
    ['a certificate', CERT],
    ['a CA certificate', CA],
  ])('returns %s from openssl unchanged but stripped (openssl writes the canonical form)', (_name, pem) => {
    expect(canonicalPem(pem)).toBe(pem.trim());
  });

  it.each(relayouts(CSR_RSA))('gives the same canonical form for a CSR with %s', (_name, pem) => {
    expect(canonicalPem(pem)).toBe(CSR_RSA.trim());
  });

  it('reads a Netscape NEW CERTIFICATE REQUEST label as CERTIFICATE REQUEST, as cryptography re-serialises it', () => {
    const netscape = CSR_EC.replaceAll('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST');
    expect(canonicalPem(netscape)).toBe(CSR_EC.trim());
  });

  it('clears the unused bits of the last base64 digit, as re-encoding the bytes does', () => {
    // The EC CSR's body ends in "8LE=": E (4) carries two unused low bits; F (5) sets one of them.
    expect(body(CSR_EC).endsWith('E=')).toBe(true);
    const dirty = CSR_EC.replace('8LE=', '8LF=');
    expect(dirty).not.toBe(CSR_EC);
    expect(canonicalPem(dirty)).toBe(CSR_EC.trim());
  });

  it.each([
    ['an empty string', ''],
    ['plain text', 'hello'],
    ['a BEGIN line only (truncated)', CSR_RSA.slice(0, 200)],
    ['a body cut short before the END line', CSR_RSA.replace(/\n[^\n]*\n-----END/, '\n-----END')],
    ['mismatched labels', CSR_RSA.replace('END CERTIFICATE REQUEST', 'END CERTIFICATE')],
    [
      'armour around junk that is not base64',
      '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----',
    ],
    ['armour around base64 junk', armour('CERTIFICATE', Buffer.from('just some junk bytes, not DER'))],
    ['an empty body', '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----'],
    ['text before the block', `Certificate:\n  Data: …\n${CERT}`],
    ['two blocks', `${CERT}\n${CA}`],
    ['a DER with trailing bytes', armour('CERTIFICATE', Buffer.concat([derOf(CERT), Buffer.from([0, 0])]))],
    ['non-ASCII in the body', CERT.replace('MII', 'MIé')],
    ['non-ASCII in the label', CERT.replaceAll('CERTIFICATE', 'CERTIFICATÉ')],
    ['a lower-case label', CERT.replaceAll('CERTIFICATE', 'certificate')],
    ['padding in the middle', CERT.replace(/(\n[A-Za-z0-9+/]{64})\n/, '$1=\n')],
  ])('returns undefined for %s', (_name, pem) => {
    expect(canonicalPem(pem)).toBeUndefined();
  });

  it('returns undefined for a CSR DER under a CERTIFICATE label, and a certificate DER under a CSR label', () => {
    expect(canonicalPem(armour('CERTIFICATE', derOf(CSR_RSA)))).toBeUndefined();
    expect(canonicalPem(armour('CERTIFICATE REQUEST', derOf(CERT)))).toBeUndefined();
  });

  it('checks only the outer DER of other labels', () => {
    const key = armour('PUBLIC KEY', Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]));
    expect(canonicalPem(key)).toBe(key);
    expect(canonicalPem(armour('PUBLIC KEY', Buffer.from([0x30, 0x05, 0x02, 0x01])))).toBeUndefined();
  });

  it(`returns undefined beyond ${MAX_PEM_LENGTH} characters without reading the text`, () => {
    const huge = armour('CERTIFICATE', 'A'.repeat(MAX_PEM_LENGTH));
    expect(canonicalPem(huge)).toBeUndefined();
  });

  it('never throws, whatever the text', () => {
    const pemish = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.base64String().map((b) => armour('CERTIFICATE', b)),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => armour('CERTIFICATE REQUEST', bytes)),
      fc.nat({ max: CSR_RSA.length }).map((n) => CSR_RSA.slice(0, n) + CSR_RSA.slice(n + 1)),
    );
    fc.assert(
      fc.property(pemish, (pem) => {
        const canonical = canonicalPem(pem);
        if (canonical !== undefined) expect(canonicalPem(canonical)).toBe(canonical);
      }),
      { numRuns: 500 },
    );
  });

  const python = hasPython(['cryptography']);
  it.skipIf(!python)(
    python
      ? "agrees with Python cryptography's re-serialisation of re-laid-out CSRs and certificates"
      : 'agrees with Python cryptography (skipped: python3 with cryptography is not installed)',
    () => {
      const inputs = [CSR_RSA, CSR_EC, CERT, CA].flatMap((pem) => relayouts(pem).map(([, text]) => text));
      const script = [
        'import json, sys',
        'from cryptography import x509',
        'from cryptography.hazmat.primitives.serialization import Encoding',
        'for line in sys.stdin:',
        '    pem = json.loads(line).encode()',
        '    obj = x509.load_pem_x509_csr(pem) if b"REQUEST" in pem else x509.load_pem_x509_certificate(pem)',
        '    print(json.dumps(obj.public_bytes(Encoding.PEM).decode().strip()))',
      ].join('\n');
      const run = spawnSync('python3', ['-c', script], {
        input: `${inputs.map((s) => JSON.stringify(s)).join('\n')}\n`,
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      const expected = run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as string);
      expect(inputs.map((pem) => canonicalPem(pem))).toEqual(expected);
    },
  );
});

describe('pemEquals', () => {
  it.each(relayouts(CSR_RSA))('finds a CSR equal to itself with %s', (_name, pem) => {
    expect(pemEquals(CSR_RSA, pem)).toBe(true);
    expect(pemEquals(pem, CSR_RSA)).toBe(true);
  });

  it('tells different CSRs apart', () => {
    expect(pemEquals(CSR_RSA, CSR_EC)).toBe(false);
  });

  it('tells a CSR from the same bytes under another label', () => {
    const relabelled = armour('PKCS7', derOf(CSR_RSA));
    expect(canonicalPem(relabelled)).toBeDefined();
    expect(pemEquals(CSR_RSA, relabelled)).toBe(false);
  });

  it('is false when either side is not a PEM block, even when the texts are equal', () => {
    expect(pemEquals('junk', 'junk')).toBe(false);
    expect(pemEquals(CSR_RSA, 'junk')).toBe(false);
  });
});
