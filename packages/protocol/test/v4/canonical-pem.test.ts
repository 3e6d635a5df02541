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

  describe('a canonically laid-out body that is not quite right (the fast path must not take it)', () => {
    const lines = CSR_RSA.trim().split('\n');
    const lastBody = lines.length - 2;
    /** CSR_RSA with the character at `column` of body line `line` (negative: from the end) replaced. */
    const withChar = (line: number, column: number, char: string): string => {
      const copy = [...lines];
      const text = copy[line]!;
      const at = column < 0 ? text.length + column : column;
      copy[line] = text.slice(0, at) + char + text.slice(at + 1);
      return copy.join('\n');
    };

    it.each([
      ['"!"', '!'],
      ['a space', ' '],
      ['a tab', '\t'],
      ['a form feed', '\f'],
      ['a carriage return', '\r'],
      ['a line break', '\n'],
      ['a padding "="', '='],
      ['a dash', '-'],
      ['a NUL', '\0'],
      ['a non-ASCII letter', 'é'],
      ['a character whose low byte is a digit (U+0141)', '\u0141'],
    ])(
      'returns undefined for %s in place of the very last digit, the first, or one mid-line',
      (_name, char) => {
        expect(canonicalPem(withChar(lastBody, -1, char))).toBeUndefined();
        expect(canonicalPem(withChar(1, 0, char))).toBeUndefined();
        expect(canonicalPem(withChar(5, 30, char))).toBeUndefined();
      },
    );

    it('re-wraps, rather than returns as is, a body with one line break a column early', () => {
      const reflowed = [...lines];
      reflowed[4] = `${reflowed[3]!.slice(63)}${reflowed[4]}`;
      reflowed[3] = reflowed[3]!.slice(0, 63);
      const pem = reflowed.join('\n');
      expect(pem.length).toBe(CSR_RSA.trim().length);
      expect(canonicalPem(pem)).toBe(CSR_RSA.trim());
    });

    it('returns undefined for a DER whose outer length disagrees with the bytes the body holds', () => {
      const der = derOf(CSR_RSA);
      expect(der[0]).toBe(0x30);
      expect(der[1]).toBe(0x82);
      for (const delta of [1, -1, 3, -3]) {
        const bent = Buffer.from(der);
        bent.writeUInt16BE(der.readUInt16BE(2) + delta, 2);
        expect(canonicalPem(armour('CERTIFICATE REQUEST', bent)), `length ${delta}`).toBeUndefined();
      }
      // Cut by whole base64 quads, so the layout stays canonical and only the DER is short.
      const cut = armour('CERTIFICATE REQUEST', body(CSR_RSA).slice(0, -8));
      expect(canonicalPem(cut)).toBeUndefined();
    });

    it('agrees with a Buffer-based reference for any one character inserted, replaced or removed', () => {
      const text = CSR_EC.trim();
      const begin = text.indexOf('\n') + 1;
      const end = text.lastIndexOf('\n');
      const reference = (pem: string): string | undefined => {
        const inner = pem.slice(begin, pem.length - (text.length - end));
        const digits = inner.replace(/[ \t\r\n]+/g, '');
        if (digits.length === 0 || digits.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(digits)) {
          return undefined;
        }
        return armour('CERTIFICATE REQUEST', Buffer.from(digits, 'base64'));
      };
      const char = fc.constantFrom(
        ' ',
        '\t',
        '\f',
        '\r',
        '\n',
        '=',
        '-',
        '!',
        '\0',
        'é',
        '\u00a0',
        '\u0141',
        'A',
        '/',
      );
      const edit = fc.record({
        at: fc.integer({ min: begin, max: end - 1 }),
        op: fc.constantFrom('insert', 'replace', 'remove'),
        char,
      });
      fc.assert(
        fc.property(edit, ({ at, op, char }) => {
          const pem =
            op === 'insert'
              ? text.slice(0, at) + char + text.slice(at)
              : text.slice(0, at) + (op === 'replace' ? char : '') + text.slice(at + 1);
          const canonical = canonicalPem(pem);
          const expected = reference(pem);
          // Any accepted text is exactly the re-encoding of its bytes; a body that is not base64 is refused.
          if (canonical !== undefined) expect(canonical).toBe(expected);
          if (expected === undefined) expect(canonical).toBeUndefined();
          else if (expected === text) expect(canonical).toBe(text);
        }),
        { numRuns: 2000 },
      );
    });
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
