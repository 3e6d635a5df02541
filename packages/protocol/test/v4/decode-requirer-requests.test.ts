import { describe, expect, it } from 'vitest';
import {
  CSR_REQUESTS_KEY,
  decodeRequirerRequests,
  encodeCsrRequests,
  ProtocolError,
  type ProtocolErrorCode,
} from '../../src/v4.js';
import { armour, CERT, CSR_EC, CSR_RSA, derOf } from './helpers.js';

const published = (...entries: unknown[]) => ({ [CSR_REQUESTS_KEY]: JSON.stringify(entries) });
const good = { certificate_signing_request: CSR_RSA.trim(), ca: false };

describe('decodeRequirerRequests', () => {
  it('reads the CSRs of many units and of the requirer app, in input order', () => {
    const unit0 = encodeCsrRequests({ requests: [{ certificateSigningRequest: CSR_RSA, ca: false }] }).data;
    const unit1 = encodeCsrRequests({ requests: [{ certificateSigningRequest: CSR_EC, ca: true }] }).data;
    const { requests, problems } = decodeRequirerRequests({
      units: [
        { relationId: 'certificates:1', unit: 'app/0', data: unit0 },
        { relationId: 'certificates:1', unit: 'app/1', data: unit1 },
      ],
      apps: [{ relationId: 'certificates:1', app: 'app', data: unit1 }],
    });
    expect(problems).toEqual([]);
    expect(requests).toEqual([
      {
        relationId: 'certificates:1',
        unit: 'app/0',
        certificateSigningRequest: CSR_RSA.trim(),
        ca: false,
        index: 0,
      },
      {
        relationId: 'certificates:1',
        unit: 'app/1',
        certificateSigningRequest: CSR_EC.trim(),
        ca: true,
        index: 0,
      },
      {
        relationId: 'certificates:1',
        app: 'app',
        certificateSigningRequest: CSR_EC.trim(),
        ca: true,
        index: 0,
      },
    ]);
  });

  it('returns each CSR in canonical form, as the Python provider echoes it', () => {
    const crlf = CSR_RSA.replaceAll('\n', '\r\n');
    const { requests } = decodeRequirerRequests({
      units: [
        { relationId: 'r:1', unit: 'a/0', data: published({ certificate_signing_request: crlf, ca: false }) },
      ],
    });
    expect(requests[0]?.certificateSigningRequest).toBe(CSR_RSA.trim());
  });

  it('reads "ca": null as false, as the Python model (bool | None) does', () => {
    const { requests, problems } = decodeRequirerRequests({
      units: [
        {
          relationId: 'r:1',
          unit: 'a/0',
          data: published({ certificate_signing_request: CSR_RSA, ca: null }),
        },
      ],
    });
    expect(problems).toEqual([]);
    expect(requests[0]?.ca).toBe(false);
  });

  it('ignores legacy keys and Juju keys in the same databag, even when they are not JSON', () => {
    const data = {
      ...published(good),
      common_name: 'x',
      sans: '{not json',
      cert_requests: '[',
      'private-address': '1',
    };
    const result = decodeRequirerRequests({ units: [{ relationId: 'r:1', unit: 'a/0', data }] });
    expect(result.problems).toEqual([]);
    expect(result.requests).toHaveLength(1);
  });

  it('reads nothing, and reports nothing, for a databag without the key or with it empty', () => {
    const result = decodeRequirerRequests({
      units: [
        { relationId: 'r:1', unit: 'a/0', data: {} },
        { relationId: 'r:1', unit: 'a/1', data: { [CSR_REQUESTS_KEY]: '' } },
        { relationId: 'r:1', unit: 'a/2', data: { [CSR_REQUESTS_KEY]: '[]' } },
      ],
    });
    expect(result).toEqual({ requests: [], problems: [] });
  });

  const truncatedDer = armour('CERTIFICATE REQUEST', derOf(CSR_RSA).subarray(0, 200));
  it.each<[string, unknown, ProtocolErrorCode]>([
    ['an entry without "ca"', { certificate_signing_request: CSR_EC }, 'ERR_PROTOCOL_MISSING_FIELD'],
    ['an entry without a CSR', { ca: false }, 'ERR_PROTOCOL_MISSING_FIELD'],
    [
      'a "ca" that is a string',
      { certificate_signing_request: CSR_EC, ca: 'true' },
      'ERR_PROTOCOL_INVALID_SHAPE',
    ],
    ['a CSR that is a number', { certificate_signing_request: 42, ca: false }, 'ERR_PROTOCOL_INVALID_SHAPE'],
    ['an entry that is a string', 'csr', 'ERR_PROTOCOL_INVALID_SHAPE'],
    ['a garbage CSR', { certificate_signing_request: 'garbage', ca: false }, 'ERR_PROTOCOL_INVALID_PEM'],
    [
      'a PEM cut mid-body',
      { certificate_signing_request: CSR_EC.slice(0, 150), ca: false },
      'ERR_PROTOCOL_INVALID_PEM',
    ],
    [
      'a truncated DER inside whole armour',
      { certificate_signing_request: truncatedDer, ca: false },
      'ERR_PROTOCOL_INVALID_PEM',
    ],
    [
      'bad base64',
      { certificate_signing_request: CSR_EC.replace('MIH', 'M*H'), ca: false },
      'ERR_PROTOCOL_INVALID_PEM',
    ],
    [
      'a certificate where a CSR belongs',
      { certificate_signing_request: CERT, ca: false },
      'ERR_PROTOCOL_INVALID_PEM',
    ],
  ])('reports %s with its key and index, and keeps the good entries around it', (_name, bad, code) => {
    const { requests, problems } = decodeRequirerRequests({
      units: [{ relationId: 'certificates:3', unit: 'app/2', data: published(good, bad, good) }],
    });
    expect(requests.map((r) => r.index)).toEqual([0, 2]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toBeInstanceOf(ProtocolError);
    expect(problems[0]).toMatchObject({
      code,
      key: CSR_REQUESTS_KEY,
      index: 1,
      relationId: 'certificates:3',
      unit: 'app/2',
    });
    expect(problems[0]?.message).toContain('"certificate_signing_requests" entry 1');
  });

  it.each<[string, string, ProtocolErrorCode]>([
    ['text that is not JSON', '[{"certificate_signing_request": ', 'ERR_PROTOCOL_INVALID_JSON'],
    [
      'a JSON object instead of a list',
      '{"certificate_signing_request": "x", "ca": false}',
      'ERR_PROTOCOL_INVALID_SHAPE',
    ],
    ['null', 'null', 'ERR_PROTOCOL_INVALID_SHAPE'],
  ])('reports a value that is %s, and still reads the other requirers', (_name, raw, code) => {
    const { requests, problems } = decodeRequirerRequests({
      units: [
        { relationId: 'r:1', unit: 'bad/0', data: { [CSR_REQUESTS_KEY]: raw } },
        { relationId: 'r:2', unit: 'good/0', data: published(good) },
      ],
      apps: [{ relationId: 'r:1', app: 'bad', data: { [CSR_REQUESTS_KEY]: raw } }],
    });
    expect(requests).toEqual([
      { relationId: 'r:2', unit: 'good/0', certificateSigningRequest: CSR_RSA.trim(), ca: false, index: 0 },
    ]);
    expect(problems.map((p) => [p.code, p.unit, p.app, p.index])).toEqual([
      [code, 'bad/0', undefined, undefined],
      [code, undefined, 'bad', undefined],
    ]);
  });

  it('never puts the CSR text into a problem message', () => {
    const secret = armour('CERTIFICATE REQUEST', Buffer.from('SECRET-LOOKING-BYTES'));
    const { problems } = decodeRequirerRequests({
      units: [
        {
          relationId: 'r:1',
          unit: 'a/0',
          data: published({ certificate_signing_request: secret, ca: false }),
        },
      ],
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).not.toContain(secret.split('\n')[1]!);
  });

  it.each([
    ['no input', undefined],
    ['units that is not an array', { units: {} }],
    ['a unit without relationId', { units: [{ unit: 'a/0', data: {} }] }],
    ['a unit whose data is not an object', { units: [{ relationId: 'r', unit: 'a/0', data: 'x' }] }],
    ['an app without its name', { units: [], apps: [{ relationId: 'r', data: {} }] }],
  ])('throws TypeError for %s (a caller mistake)', (_name, input) => {
    expect(() => decodeRequirerRequests(input as never)).toThrow(TypeError);
  });
});
