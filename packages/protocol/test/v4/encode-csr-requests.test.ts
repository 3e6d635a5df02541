import { describe, expect, it } from 'vitest';
import { CSR_REQUESTS_KEY, encodeCsrRequests } from '../../src/v4.js';
import { CERT, CSR_EC, CSR_RSA } from './helpers.js';

const JUJU_KEYS = {
  'private-address': '10.0.0.1',
  'ingress-address': '10.0.0.1',
  'egress-subnets': '10.0.0.1/32',
};

describe('encodeCsrRequests', () => {
  it('writes the list with certificate_signing_request then ca, ca always written', () => {
    const { set, deleted, changed, problems } = encodeCsrRequests({
      requests: [{ certificateSigningRequest: CSR_RSA, ca: false }],
    });
    expect(set).toEqual({
      [CSR_REQUESTS_KEY]: `[{"certificate_signing_request": ${JSON.stringify(CSR_RSA.trim())}, "ca": false}]`,
    });
    expect({ deleted, changed, problems }).toEqual({ deleted: [], changed: true, problems: [] });
  });

  it('keeps every key it does not own: Juju keys, a charm key, legacy keys', () => {
    const current = { ...JUJU_KEYS, 'my-charm-key': 'x', common_name: 'legacy.example', sans: '[]' };
    const { data, set, deleted } = encodeCsrRequests({
      current,
      requests: [{ certificateSigningRequest: CSR_EC, ca: true }],
    });
    expect(Object.keys(set)).toEqual([CSR_REQUESTS_KEY]);
    expect(deleted).toEqual([]);
    expect(data).toEqual({ ...current, [CSR_REQUESTS_KEY]: set[CSR_REQUESTS_KEY] });
  });

  it('is a no-op when the published list already has these bytes', () => {
    const first = encodeCsrRequests({ requests: [{ certificateSigningRequest: CSR_RSA, ca: false }] });
    const again = encodeCsrRequests({
      current: first.data,
      requests: [{ certificateSigningRequest: CSR_RSA, ca: false }],
    });
    expect(again).toMatchObject({ set: {}, deleted: [], changed: false });
  });

  it('replaces the list: a CSR left out is removed', () => {
    const both = encodeCsrRequests({
      requests: [
        { certificateSigningRequest: CSR_RSA, ca: false },
        { certificateSigningRequest: CSR_EC, ca: false },
      ],
    });
    const one = encodeCsrRequests({
      current: both.data,
      requests: [{ certificateSigningRequest: CSR_EC, ca: false }],
    });
    expect(JSON.parse(one.set[CSR_REQUESTS_KEY]!)).toEqual([
      { certificate_signing_request: CSR_EC.trim(), ca: false },
    ]);
  });

  it('deletes the key for an empty list, and only that key', () => {
    const published = encodeCsrRequests({
      current: JUJU_KEYS,
      requests: [{ certificateSigningRequest: CSR_RSA, ca: false }],
    });
    const cleared = encodeCsrRequests({ current: published.data, requests: [] });
    expect(cleared).toMatchObject({ set: {}, deleted: [CSR_REQUESTS_KEY], changed: true, data: JUJU_KEYS });
    expect(encodeCsrRequests({ current: JUJU_KEYS, requests: [] }).changed).toBe(false);
  });

  it('writes the CSR stripped, as received otherwise (CRLF kept)', () => {
    const crlf = `\r\n${CSR_RSA.replaceAll('\n', '\r\n')}`;
    const { set } = encodeCsrRequests({ requests: [{ certificateSigningRequest: crlf, ca: false }] });
    expect(JSON.parse(set[CSR_REQUESTS_KEY]!)[0].certificate_signing_request).toBe(crlf.trim());
  });

  it.each([
    ['a requests value that is not an array', { requests: 'x' }],
    ['a request without ca', { requests: [{ certificateSigningRequest: CSR_RSA }] }],
    ['a ca that is a string', { requests: [{ certificateSigningRequest: CSR_RSA, ca: 'false' }] }],
    ['a CSR that is not a string', { requests: [{ certificateSigningRequest: 5, ca: false }] }],
    ['a CSR that is garbage', { requests: [{ certificateSigningRequest: 'garbage', ca: false }] }],
    ['a certificate where the CSR belongs', { requests: [{ certificateSigningRequest: CERT, ca: false }] }],
    ['a truncated CSR', { requests: [{ certificateSigningRequest: CSR_RSA.slice(0, 300), ca: false }] }],
    [
      'the same CSR twice (laid out differently)',
      {
        requests: [
          { certificateSigningRequest: CSR_RSA, ca: false },
          { certificateSigningRequest: CSR_RSA.replaceAll('\n', '\r\n'), ca: true },
        ],
      },
    ],
    ['a current databag that is not an object', { current: 'x', requests: [] }],
    ['a current value that is not a string', { current: { a: 1 }, requests: [] }],
  ])('throws TypeError for %s (a caller mistake)', (_name, input) => {
    expect(() => encodeCsrRequests(input as never)).toThrow(TypeError);
  });

  it('names the field but not the CSR in its TypeError', () => {
    const junk = '-----BEGIN CERTIFICATE REQUEST-----\nSECRETJUNK!\n-----END CERTIFICATE REQUEST-----';
    expect(() => encodeCsrRequests({ requests: [{ certificateSigningRequest: junk, ca: false }] })).toThrow(
      /requests\[0\]\.certificateSigningRequest/,
    );
    try {
      encodeCsrRequests({ requests: [{ certificateSigningRequest: junk, ca: false }] });
    } catch (error) {
      expect(String(error)).not.toContain('SECRETJUNK');
    }
  });
});
