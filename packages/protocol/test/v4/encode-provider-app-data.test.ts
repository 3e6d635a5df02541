import { describe, expect, it } from 'vitest';
import {
  CAPABILITIES_KEY,
  CERTIFICATES_KEY,
  decodeProviderAppData,
  encodeProviderAppData,
  REQUEST_ERRORS_KEY,
} from '../../src/v4.js';
import { CA, CERT, CSR_EC, CSR_RSA } from './helpers.js';

const issued = { ca: CA, certificateSigningRequest: CSR_RSA, certificate: CERT, chain: [CERT, CA] };

describe('encodeProviderAppData', () => {
  it('writes entries with keys ca, certificate_signing_request, certificate, chain, PEMs stripped', () => {
    const { set } = encodeProviderAppData({ certificates: [issued] });
    expect(Object.keys(set)).toEqual([CERTIFICATES_KEY]);
    const [entry] = JSON.parse(set[CERTIFICATES_KEY]!);
    expect(Object.keys(entry)).toEqual(['ca', 'certificate_signing_request', 'certificate', 'chain']);
    expect(entry).toEqual({
      ca: CA.trim(),
      certificate_signing_request: CSR_RSA.trim(),
      certificate: CERT.trim(),
      chain: [CERT.trim(), CA.trim()],
    });
  });

  it('writes revoked last, only when set', () => {
    const { set } = encodeProviderAppData({ certificates: [{ ...issued, revoked: true }] });
    expect(set[CERTIFICATES_KEY]!.endsWith('"revoked": true}]')).toBe(true);
  });

  it('leaves chain out when it is not given (Python chain=None), and writes [] when it is empty', () => {
    const { chain: _, ...noChain } = issued;
    expect(
      JSON.parse(encodeProviderAppData({ certificates: [noChain] }).set[CERTIFICATES_KEY]!)[0],
    ).not.toHaveProperty('chain');
    expect(
      JSON.parse(
        encodeProviderAppData({ certificates: [{ ...issued, chain: [] }] }).set[CERTIFICATES_KEY]!,
      )[0].chain,
    ).toEqual([]);
  });

  it('keeps keys it does not own, and leaves request_errors and capabilities alone when not given', () => {
    const current = { other: 'x', [REQUEST_ERRORS_KEY]: '[1]', [CAPABILITIES_KEY]: '{}' };
    const { data, set, deleted } = encodeProviderAppData({ current, certificates: [issued] });
    expect(Object.keys(set)).toEqual([CERTIFICATES_KEY]);
    expect(deleted).toEqual([]);
    expect(data).toMatchObject(current);
  });

  it('deletes certificates and request_errors for empty lists, and capabilities for null', () => {
    const full = encodeProviderAppData({
      current: { other: 'x' },
      certificates: [issued],
      requestErrors: [{ csr: CSR_EC, error: { code: 101, name: 'IP_NOT_ALLOWED', message: 'no IPs' } }],
      capabilities: { supportsIpSans: false },
    });
    const empty = encodeProviderAppData({
      current: full.data,
      certificates: [],
      requestErrors: [],
      capabilities: null,
    });
    expect(empty.deleted.sort()).toEqual([CAPABILITIES_KEY, CERTIFICATES_KEY, REQUEST_ERRORS_KEY]);
    expect(empty.data).toEqual({ other: 'x' });
  });

  it('writes {} for capabilities with nothing advertised, and false as advertised-unsupported', () => {
    expect(encodeProviderAppData({ certificates: [], capabilities: {} }).set[CAPABILITIES_KEY]).toBe('{}');
    expect(
      encodeProviderAppData({
        certificates: [],
        capabilities: { providerType: 'acme', supportsWildcardDns: false },
      }).set[CAPABILITIES_KEY],
    ).toBe('{"supports_wildcard_dns": false, "provider_type": "acme"}');
  });

  it('is a no-op when nothing changed, so the provider causes no relation-changed churn', () => {
    const input = { certificates: [issued], capabilities: { supportsIpSans: true } };
    const first = encodeProviderAppData(input);
    expect(encodeProviderAppData({ ...input, current: first.data })).toMatchObject({
      set: {},
      deleted: [],
      changed: false,
    });
  });

  it('round-trips through decodeProviderAppData', () => {
    const written = encodeProviderAppData({
      certificates: [issued, { ...issued, certificateSigningRequest: CSR_EC, revoked: true }],
      requestErrors: [
        {
          csr: CSR_EC,
          error: { code: 201, name: 'SERVER_NOT_AVAILABLE', message: 'later', endpoint: 'https://ca' },
        },
      ],
      capabilities: { supportsIpSans: true, allowedDomains: ['example.com'] },
    });
    const read = decodeProviderAppData(written.data);
    expect(read.problems).toEqual([]);
    expect(read.certificates).toEqual([
      {
        ca: CA.trim(),
        certificateSigningRequest: CSR_RSA.trim(),
        certificate: CERT.trim(),
        chain: [CERT.trim(), CA.trim()],
        index: 0,
      },
      {
        ca: CA.trim(),
        certificateSigningRequest: CSR_EC.trim(),
        certificate: CERT.trim(),
        chain: [CERT.trim(), CA.trim()],
        revoked: true,
        index: 1,
      },
    ]);
    expect(read.requestErrors).toEqual([
      {
        csr: CSR_EC.trim(),
        error: { code: 201, name: 'SERVER_NOT_AVAILABLE', message: 'later', endpoint: 'https://ca' },
        index: 0,
      },
    ]);
    expect(read.capabilities).toEqual({ supportsIpSans: true, allowedDomains: ['example.com'] });
  });

  it.each([
    ['certificates that is not an array', { certificates: {} }],
    [
      'a certificate without ca',
      { certificates: [{ certificate: CERT, certificateSigningRequest: CSR_RSA }] },
    ],
    ['a chain that is a string', { certificates: [{ ...issued, chain: CERT }] }],
    ['a chain item that is a number', { certificates: [{ ...issued, chain: [1] }] }],
    ['revoked that is a string', { certificates: [{ ...issued, revoked: 'yes' }] }],
    [
      'a request error without an integer code',
      { certificates: [], requestErrors: [{ csr: CSR_RSA, error: { code: 1.5, name: 'n', message: 'm' } }] },
    ],
    [
      'a request error without a message',
      { certificates: [], requestErrors: [{ csr: CSR_RSA, error: { code: 1, name: 'n' } }] },
    ],
    ['a capability of the wrong type', { certificates: [], capabilities: { supportsIpSans: 'yes' } }],
    ['allowed domains that are not strings', { certificates: [], capabilities: { allowedDomains: [1] } }],
  ])('throws TypeError for %s (a caller mistake)', (_name, input) => {
    expect(() => encodeProviderAppData(input as never)).toThrow(TypeError);
  });
});
