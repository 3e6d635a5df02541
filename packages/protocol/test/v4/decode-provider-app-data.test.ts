import { describe, expect, it } from 'vitest';
import {
  CAPABILITIES_KEY,
  CERTIFICATES_KEY,
  decodeProviderAppData,
  MAX_ERROR_TEXT_LENGTH,
  ProtocolError,
  type ProtocolErrorCode,
  REQUEST_ERRORS_KEY,
} from '../../src/v4.js';
import { CA, CERT, CSR_EC, CSR_RSA } from './helpers.js';

const entry = (fields: Record<string, unknown> = {}) => ({
  ca: CA.trim(),
  certificate_signing_request: CSR_RSA.trim(),
  certificate: CERT.trim(),
  chain: [CERT.trim(), CA.trim()],
  ...fields,
});
const certificates = (...entries: unknown[]) => ({ [CERTIFICATES_KEY]: JSON.stringify(entries) });
const error = (fields: Record<string, unknown> = {}) => ({
  csr: CSR_EC.trim(),
  error: { code: 102, name: 'DOMAIN_NOT_ALLOWED', message: 'not ours', ...fields },
});

describe('decodeProviderAppData', () => {
  it('reads a certificates entry as the self-signed provider publishes it', () => {
    const {
      certificates: read,
      requestErrors,
      capabilities,
      problems,
    } = decodeProviderAppData(certificates(entry()));
    expect(problems).toEqual([]);
    expect(read).toEqual([
      {
        ca: CA.trim(),
        certificateSigningRequest: CSR_RSA.trim(),
        certificate: CERT.trim(),
        chain: [CERT.trim(), CA.trim()],
        index: 0,
      },
    ]);
    expect(requestErrors).toEqual([]);
    expect(capabilities).toBeUndefined();
  });

  it.each([
    ['a missing chain', { chain: undefined }],
    ['an empty chain', { chain: [] }],
    ['a null chain', { chain: null }],
  ])('tolerates %s and reads it as []', (_name, fields) => {
    const { certificates: read, problems } = decodeProviderAppData(certificates(entry(fields)));
    expect(problems).toEqual([]);
    expect(read[0]?.chain).toEqual([]);
  });

  it('reads revoked, and leaves it out when absent or null', () => {
    const read = decodeProviderAppData(
      certificates(entry({ revoked: true }), entry({ revoked: false }), entry({ revoked: null }), entry()),
    );
    expect(read.certificates.map((c) => c.revoked)).toEqual([true, false, undefined, undefined]);
    expect(read.certificates[2]).not.toHaveProperty('revoked');
  });

  it('ignores unknown fields, such as v3 recommended_expiry_notification_time', () => {
    const read = decodeProviderAppData(
      certificates(entry({ recommended_expiry_notification_time: 168, extra: { x: 1 } })),
    );
    expect(read.problems).toEqual([]);
    expect(Object.keys(read.certificates[0]!).sort()).toEqual([
      'ca',
      'certificate',
      'certificateSigningRequest',
      'chain',
      'index',
    ]);
  });

  it('returns every PEM canonical, whatever the provider wrote', () => {
    const crlf = (pem: string) => `${pem.replaceAll('\n', '\r\n')}\r\n`;
    const read = decodeProviderAppData(
      certificates({
        ca: crlf(CA),
        certificate_signing_request: crlf(CSR_RSA),
        certificate: crlf(CERT),
        chain: [crlf(CERT)],
      }),
    );
    expect(read.certificates[0]).toMatchObject({
      ca: CA.trim(),
      certificateSigningRequest: CSR_RSA.trim(),
      chain: [CERT.trim()],
    });
  });

  it.each<[string, unknown, ProtocolErrorCode]>([
    ['an entry that is a list', [1], 'ERR_PROTOCOL_INVALID_SHAPE'],
    ['an entry without ca', entry({ ca: undefined }), 'ERR_PROTOCOL_MISSING_FIELD'],
    ['an entry without certificate', entry({ certificate: undefined }), 'ERR_PROTOCOL_MISSING_FIELD'],
    [
      'an entry without certificate_signing_request',
      entry({ certificate_signing_request: undefined }),
      'ERR_PROTOCOL_MISSING_FIELD',
    ],
    ['a certificate that is a number', entry({ certificate: 7 }), 'ERR_PROTOCOL_INVALID_SHAPE'],
    ['a truncated certificate', entry({ certificate: CERT.slice(0, 200) }), 'ERR_PROTOCOL_INVALID_PEM'],
    [
      'a CSR where the certificate belongs',
      entry({ certificate: CSR_EC.trim() }),
      'ERR_PROTOCOL_INVALID_PEM',
    ],
    [
      'a certificate where the CSR belongs',
      entry({ certificate_signing_request: CERT.trim() }),
      'ERR_PROTOCOL_INVALID_PEM',
    ],
    ['a chain that is a string', entry({ chain: CERT.trim() }), 'ERR_PROTOCOL_INVALID_SHAPE'],
    ['a chain with garbage in it', entry({ chain: [CERT.trim(), 'garbage'] }), 'ERR_PROTOCOL_INVALID_PEM'],
    ['revoked as a string', entry({ revoked: 'true' }), 'ERR_PROTOCOL_INVALID_SHAPE'],
  ])('reports %s with key and index, and keeps the other entries', (_name, bad, code) => {
    const read = decodeProviderAppData(
      certificates(entry(), bad, entry({ certificate_signing_request: CSR_EC.trim() })),
    );
    expect(read.certificates.map((c) => c.index)).toEqual([0, 2]);
    expect(read.problems).toHaveLength(1);
    expect(read.problems[0]).toBeInstanceOf(ProtocolError);
    expect(read.problems[0]).toMatchObject({ code, key: CERTIFICATES_KEY, index: 1 });
  });

  it.each<[string, string, ProtocolErrorCode]>([
    ['garbage JSON', '[{"ca": ', 'ERR_PROTOCOL_INVALID_JSON'],
    ['an object instead of a list', '{"ca": "x"}', 'ERR_PROTOCOL_INVALID_SHAPE'],
  ])(
    'reports certificates holding %s, and still reads request_errors and capabilities',
    (_name, raw, code) => {
      const read = decodeProviderAppData({
        [CERTIFICATES_KEY]: raw,
        [REQUEST_ERRORS_KEY]: JSON.stringify([error()]),
        [CAPABILITIES_KEY]: '{"supports_ip_sans": true}',
      });
      expect(read.problems.map((p) => [p.code, p.key, p.index])).toEqual([
        [code, CERTIFICATES_KEY, undefined],
      ]);
      expect(read.requestErrors).toHaveLength(1);
      expect(read.capabilities).toEqual({ supportsIpSans: true });
    },
  );

  it('reads request_errors with their optional fields, skipping null ones', () => {
    const read = decodeProviderAppData({
      [REQUEST_ERRORS_KEY]: JSON.stringify([
        error({ reason: 'r', provider: null, endpoint: 'https://acme' }),
        error(),
      ]),
    });
    expect(read.problems).toEqual([]);
    expect(read.requestErrors).toEqual([
      {
        csr: CSR_EC.trim(),
        error: {
          code: 102,
          name: 'DOMAIN_NOT_ALLOWED',
          message: 'not ours',
          reason: 'r',
          endpoint: 'https://acme',
        },
        index: 0,
      },
      { csr: CSR_EC.trim(), error: { code: 102, name: 'DOMAIN_NOT_ALLOWED', message: 'not ours' }, index: 1 },
    ]);
  });

  it.each<[string, unknown, ProtocolErrorCode]>([
    [
      'an entry with an unparsable CSR (the Python requirer skips it too)',
      { ...error(), csr: 'garbage' },
      'ERR_PROTOCOL_INVALID_PEM',
    ],
    ['an entry without error', { csr: CSR_EC }, 'ERR_PROTOCOL_MISSING_FIELD'],
    [
      'an error without code',
      { csr: CSR_EC, error: { name: 'n', message: 'm' } },
      'ERR_PROTOCOL_MISSING_FIELD',
    ],
    ['a code that is a string', error({ code: '101' }), 'ERR_PROTOCOL_INVALID_SHAPE'],
    ['a reason that is a number', error({ reason: 5 }), 'ERR_PROTOCOL_INVALID_SHAPE'],
    [
      'a message of a megabyte',
      error({ message: 'x'.repeat(MAX_ERROR_TEXT_LENGTH + 1) }),
      'ERR_PROTOCOL_TOO_LARGE',
    ],
  ])('reports a request error: %s', (_name, bad, code) => {
    const read = decodeProviderAppData({ [REQUEST_ERRORS_KEY]: JSON.stringify([bad, error()]) });
    expect(read.requestErrors.map((e) => e.index)).toEqual([1]);
    expect(read.problems.map((p) => [p.code, p.key, p.index])).toEqual([[code, REQUEST_ERRORS_KEY, 0]]);
  });

  it('reads capabilities: absent means not advertised, {} means advertised with nothing specified', () => {
    expect(decodeProviderAppData({}).capabilities).toBeUndefined();
    expect(decodeProviderAppData({ [CAPABILITIES_KEY]: '{}' }).capabilities).toEqual({});
    expect(
      decodeProviderAppData({
        [CAPABILITIES_KEY]: JSON.stringify({
          supports_ip_sans: false,
          supports_wildcard_dns: true,
          supports_subdomain: null,
          supports_ca_certificates: true,
          allowed_domains: ['example.com'],
          provider_type: 'acme',
          future_field: 1,
        }),
      }).capabilities,
    ).toEqual({
      supportsIpSans: false,
      supportsWildcardDns: true,
      supportsCaCertificates: true,
      allowedDomains: ['example.com'],
      providerType: 'acme',
    });
  });

  it('reads a malformed capability field as unspecified and reports it; the others still count', () => {
    const read = decodeProviderAppData({
      [CAPABILITIES_KEY]: JSON.stringify({
        supports_ip_sans: 'yes',
        allowed_domains: [1],
        provider_type: 'vault',
      }),
    });
    expect(read.capabilities).toEqual({ providerType: 'vault' });
    expect(read.problems.map((p) => [p.code, p.key])).toEqual([
      ['ERR_PROTOCOL_INVALID_SHAPE', CAPABILITIES_KEY],
      ['ERR_PROTOCOL_INVALID_SHAPE', CAPABILITIES_KEY],
    ]);
    expect(read.problems[0]?.message).toContain('supports_ip_sans');
  });

  it('reports capabilities that are not an object', () => {
    const read = decodeProviderAppData({ [CAPABILITIES_KEY]: '[true]' });
    expect(read.capabilities).toBeUndefined();
    expect(read.problems.map((p) => p.code)).toEqual(['ERR_PROTOCOL_INVALID_SHAPE']);
  });

  it('throws TypeError when data is not an object (a caller mistake)', () => {
    expect(() => decodeProviderAppData(null as never)).toThrow(TypeError);
    expect(() => decodeProviderAppData('x' as never)).toThrow(TypeError);
  });
});
