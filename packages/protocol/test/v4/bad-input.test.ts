// The bad input issue 12 lists, each against both sides of the v4 codec: values or per-entry
// problems, never an exception, never a polluted prototype.
import { describe, expect, it } from 'vitest';
import {
  CAPABILITIES_KEY,
  CERTIFICATES_KEY,
  CSR_REQUESTS_KEY,
  decodeProviderAppData,
  decodeRequirerRequests,
  MAX_PEM_LENGTH,
  MAX_VALUE_LENGTH,
  REQUEST_ERRORS_KEY,
} from '../../src/v4.js';
import { armour, CA, CERT, CSR_EC, CSR_RSA, derOf } from './helpers.js';

const TEN_MB = 10 * 1024 * 1024;
const csrEntry = (csr: unknown, ca: unknown = false) => ({ certificate_signing_request: csr, ca });
const certEntry = (fields: Record<string, unknown> = {}) => ({
  ca: CA.trim(),
  certificate_signing_request: CSR_RSA.trim(),
  certificate: CERT.trim(),
  chain: [CERT.trim(), CA.trim()],
  ...fields,
});
const requirer = (...entries: unknown[]) =>
  decodeRequirerRequests({
    units: [
      { relationId: 'certificates:1', unit: 'app/0', data: { [CSR_REQUESTS_KEY]: JSON.stringify(entries) } },
    ],
  });
const provider = (...entries: unknown[]) =>
  decodeProviderAppData({ [CERTIFICATES_KEY]: JSON.stringify(entries) });

/** A real CSR whose body lines are padded with whitespace to `size`: valid PEM if it were read. */
function paddedPem(pem: string, size: number): string {
  const lines = pem.trim().split('\n');
  const pad = ' '.repeat(Math.ceil((size - pem.length) / (lines.length - 2)) + 1);
  return [lines[0], ...lines.slice(1, -1).map((line) => `${line}${pad}`), lines.at(-1)].join('\n');
}

describe('10 MB PEMs', () => {
  const bigCsr = paddedPem(CSR_RSA, TEN_MB);
  const bigCert = paddedPem(CERT, TEN_MB);

  it('are real PEMs once the padding is gone, so only the size check can refuse them', () => {
    expect(bigCsr.length).toBeGreaterThan(TEN_MB);
    expect(bigCsr.replace(/ +$/gm, '')).toBe(CSR_RSA.trim());
  });

  it('give a typed "too large" problem for a CSR a requirer sends, and the next entry still counts', () => {
    const { requests, problems } = requirer(csrEntry(bigCsr), csrEntry(CSR_EC));
    expect(requests.map((r) => r.index)).toEqual([1]);
    expect(problems.map((p) => [p.code, p.key, p.index])).toEqual([
      ['ERR_PROTOCOL_TOO_LARGE', CSR_REQUESTS_KEY, 0],
    ]);
    expect(problems[0]?.message).toContain(`${MAX_PEM_LENGTH}`);
  });

  it.each([
    ['certificate', { certificate: bigCert }],
    ['ca', { ca: bigCert }],
    ['certificate_signing_request', { certificate_signing_request: bigCsr }],
    ['chain', { chain: [CERT.trim(), bigCert] }],
  ])('give a typed "too large" problem for a %s a provider publishes', (_field, fields) => {
    const { certificates, problems } = provider(certEntry(fields), certEntry());
    expect(certificates.map((c) => c.index)).toEqual([1]);
    expect(problems.map((p) => [p.code, p.key, p.index])).toEqual([
      ['ERR_PROTOCOL_TOO_LARGE', CERTIFICATES_KEY, 0],
    ]);
  });

  it('give a typed "too large" problem for the CSR of a request error', () => {
    const read = decodeProviderAppData({
      [REQUEST_ERRORS_KEY]: JSON.stringify([
        { csr: bigCsr, error: { code: 999, name: 'OTHER', message: 'm' } },
      ]),
    });
    expect(read.problems.map((p) => [p.code, p.key, p.index])).toEqual([
      ['ERR_PROTOCOL_TOO_LARGE', REQUEST_ERRORS_KEY, 0],
    ]);
  });

  it(`refuse a whole value over ${MAX_VALUE_LENGTH} characters before JSON.parse`, () => {
    const huge = JSON.stringify([csrEntry(CSR_RSA.trim()), csrEntry(' '.repeat(MAX_VALUE_LENGTH))]);
    const { requests, problems } = decodeRequirerRequests({
      units: [{ relationId: 'r:1', unit: 'a/0', data: { [CSR_REQUESTS_KEY]: huge } }],
    });
    expect(requests).toEqual([]);
    expect(problems.map((p) => [p.code, p.index])).toEqual([['ERR_PROTOCOL_TOO_LARGE', undefined]]);
  });
});

describe('PEM armour around junk', () => {
  const junks = [
    ['text', '-----BEGIN CERTIFICATE REQUEST-----\nthis is not base64!\n-----END CERTIFICATE REQUEST-----'],
    ['random base64', armour('CERTIFICATE REQUEST', Buffer.from('0123456789abcdef'.repeat(20)))],
    ['a DER INTEGER', armour('CERTIFICATE REQUEST', Buffer.from([0x02, 0x01, 0x00]))],
    ['a DER cut short', armour('CERTIFICATE REQUEST', derOf(CSR_RSA).subarray(0, 100))],
    [
      'a DER with a huge length',
      armour('CERTIFICATE REQUEST', Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30])),
    ],
    ['an indefinite BER length', armour('CERTIFICATE REQUEST', Buffer.from([0x30, 0x80, 0x00, 0x00]))],
  ] as const;

  it.each(junks)('is an INVALID_PEM problem in a requirer request: %s', (_name, junk) => {
    const { requests, problems } = requirer(csrEntry(junk), csrEntry(CSR_EC));
    expect(requests).toHaveLength(1);
    expect(problems.map((p) => [p.code, p.index])).toEqual([['ERR_PROTOCOL_INVALID_PEM', 0]]);
  });

  it.each(junks)('is an INVALID_PEM problem in a provider certificate: %s', (_name, junk) => {
    const relabelled = junk.replaceAll('CERTIFICATE REQUEST', 'CERTIFICATE');
    const { certificates, problems } = provider(certEntry({ certificate: relabelled }), certEntry());
    expect(certificates).toHaveLength(1);
    expect(problems.map((p) => [p.code, p.index])).toEqual([['ERR_PROTOCOL_INVALID_PEM', 0]]);
  });
});

describe('a canonical-looking PEM bent in one place', () => {
  /** `pem` with its last base64 digit (just before the END line) replaced by `char`. */
  const lastDigit = (pem: string, char: string): string => {
    const text = pem.trim();
    const at = text.lastIndexOf('\n') - 1;
    return text.slice(0, at) + char + text.slice(at + 1);
  };
  /** `pem` re-armoured with its DER's outer (two-byte) length off by `delta`. */
  const outerLength = (pem: string, delta: number): string => {
    const der = Buffer.from(derOf(pem));
    der.writeUInt16BE(der.readUInt16BE(2) + delta, 2);
    return armour(pem.split('\n')[0]!.slice(11, -5), der);
  };
  const bends = [
    ['a bad character as its very last digit', (pem: string) => lastDigit(pem, '!')],
    ['a space as its very last digit', (pem: string) => lastDigit(pem, ' ')],
    ['a form feed as its very last digit', (pem: string) => lastDigit(pem, '\f')],
    ['a DER length one byte longer than its body', (pem: string) => outerLength(pem, 1)],
    ['a DER length one byte shorter than its body', (pem: string) => outerLength(pem, -1)],
  ] as const;

  it.each(bends)('is an INVALID_PEM problem in a requirer request: %s', (_name, bend) => {
    const { requests, problems } = requirer(csrEntry(CSR_EC), csrEntry(bend(CSR_RSA)), csrEntry(CSR_EC));
    expect(requests.map((r) => r.index)).toEqual([0, 2]);
    expect(problems.map((p) => [p.code, p.key, p.index])).toEqual([
      ['ERR_PROTOCOL_INVALID_PEM', CSR_REQUESTS_KEY, 1],
    ]);
  });

  it.each(bends)('is an INVALID_PEM problem in a provider certificate: %s', (_name, bend) => {
    const { certificates, problems } = provider(certEntry(), certEntry({ certificate: bend(CERT) }));
    expect(certificates.map((c) => c.index)).toEqual([0]);
    expect(problems.map((p) => [p.code, p.key, p.index])).toEqual([
      ['ERR_PROTOCOL_INVALID_PEM', CERTIFICATES_KEY, 1],
    ]);
  });
});

describe('a certificate where a CSR belongs', () => {
  it.each([
    ['under its own CERTIFICATE label', CERT],
    ['relabelled CERTIFICATE REQUEST', armour('CERTIFICATE REQUEST', derOf(CERT))],
  ])('is refused in a requirer request, %s', (_name, pem) => {
    const { requests, problems } = requirer(csrEntry(pem));
    expect(requests).toEqual([]);
    expect(problems[0]).toMatchObject({ code: 'ERR_PROTOCOL_INVALID_PEM', key: CSR_REQUESTS_KEY, index: 0 });
  });

  it('is refused as the echoed CSR of a provider entry, and a CSR is refused as its certificate', () => {
    const read = provider(
      certEntry({ certificate_signing_request: CERT.trim() }),
      certEntry({ certificate: armour('CERTIFICATE', derOf(CSR_RSA)) }),
    );
    expect(read.certificates).toEqual([]);
    expect(read.problems.map((p) => [p.code, p.index])).toEqual([
      ['ERR_PROTOCOL_INVALID_PEM', 0],
      ['ERR_PROTOCOL_INVALID_PEM', 1],
    ]);
  });
});

describe('nested JSON', () => {
  const nested = (depth: number, inner = '0') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

  it.each([1000, 100_000])('%i levels deep as the whole list is a per-entry problem', (depth) => {
    const { requests, problems } = decodeRequirerRequests({
      units: [{ relationId: 'r:1', unit: 'a/0', data: { [CSR_REQUESTS_KEY]: nested(depth) } }],
    });
    expect(requests).toEqual([]);
    expect(problems.map((p) => [p.code, p.index])).toEqual([['ERR_PROTOCOL_INVALID_SHAPE', 0]]);
  });

  it('1000 levels deep in every field is a problem, never a throw', () => {
    const deep = JSON.parse(nested(1000));
    const requests = requirer(csrEntry(deep), csrEntry(CSR_RSA, deep));
    expect(requests.problems.map((p) => p.code)).toEqual([
      'ERR_PROTOCOL_INVALID_SHAPE',
      'ERR_PROTOCOL_INVALID_SHAPE',
    ]);
    const answers = provider(
      certEntry({ ca: deep }),
      certEntry({ chain: deep }),
      certEntry({ chain: [deep] }),
      certEntry({ revoked: deep }),
    );
    expect(answers.problems.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    const rest = decodeProviderAppData({
      [REQUEST_ERRORS_KEY]: JSON.stringify([{ csr: CSR_EC, error: deep }]),
      [CAPABILITIES_KEY]: JSON.stringify({ allowed_domains: deep, provider_type: deep }),
    });
    expect(rest.problems.map((p) => p.key)).toEqual([REQUEST_ERRORS_KEY, CAPABILITIES_KEY, CAPABILITIES_KEY]);
    expect(rest.capabilities).toEqual({});
  });
});

describe('__proto__ keys', () => {
  it('a databag with a "__proto__" key is read as data, and the prototype is untouched', () => {
    const data = JSON.parse(
      `{"__proto__": {"polluted": true}, "${CSR_REQUESTS_KEY}": ${JSON.stringify(JSON.stringify([csrEntry(CSR_RSA.trim())]))}}`,
    );
    const { requests, problems } = decodeRequirerRequests({
      units: [{ relationId: 'r:1', unit: 'a/0', data }],
    });
    expect([requests.length, problems]).toEqual([1, []]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an entry cannot take "ca" or a CSR from a "__proto__" field', () => {
    const raw = `[{"__proto__": {"ca": true, "certificate_signing_request": ${JSON.stringify(CSR_RSA.trim())}}}]`;
    const { requests, problems } = decodeRequirerRequests({
      units: [{ relationId: 'r:1', unit: 'a/0', data: { [CSR_REQUESTS_KEY]: raw } }],
    });
    expect(requests).toEqual([]);
    expect(problems.map((p) => p.code)).toEqual(['ERR_PROTOCOL_MISSING_FIELD']);
  });

  it('a provider entry cannot take "revoked" from a "__proto__" field, nor capabilities their fields', () => {
    const entries = `[{"__proto__": {"revoked": true}, ${JSON.stringify(certEntry()).slice(1)}]`;
    const read = decodeProviderAppData({
      [CERTIFICATES_KEY]: entries,
      [CAPABILITIES_KEY]: '{"__proto__": {"supports_ip_sans": true}, "constructor": 1}',
    });
    expect(read.problems).toEqual([]);
    expect(read.certificates[0]).not.toHaveProperty('revoked');
    expect(read.capabilities).toEqual({});
    expect(Object.getPrototypeOf(read.capabilities)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).revoked).toBeUndefined();
  });
});

describe('non-ASCII in PEM', () => {
  it.each([
    ['in the body', CSR_RSA.replace('MIIC', 'MIIé')],
    ['as a full-width letter', CSR_RSA.replace('MIIC', 'MIIＣ')],
    ['in the label', CSR_RSA.replaceAll('CERTIFICATE REQUEST', 'CERTIFICATE RÉQUEST')],
    ['as a zero-width space', CSR_RSA.replace('MIIC', 'MI\u200bIC')],
    ['as a BOM before the block', `\ufeff${CSR_RSA}`],
    ['as an astral character', CSR_RSA.replace('MIIC', 'MII😀')],
  ])('is an INVALID_PEM problem, %s', (_name, pem) => {
    const { requests, problems } = requirer(csrEntry(pem), csrEntry(CSR_EC));
    expect(requests.map((r) => r.index)).toEqual([1]);
    expect(problems.map((p) => [p.code, p.index])).toEqual([['ERR_PROTOCOL_INVALID_PEM', 0]]);
    const answers = provider(certEntry({ certificate_signing_request: pem }));
    expect(answers.problems.map((p) => p.code)).toEqual(['ERR_PROTOCOL_INVALID_PEM']);
  });

  it('never echoes the text into the message', () => {
    const { problems } = requirer(csrEntry(CSR_RSA.replace('MIIC', 'MIIé')));
    expect(problems[0]?.message).not.toContain('é');
    expect(problems[0]?.message).not.toContain('MII');
  });
});
