import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../src/index.js';
import {
  parseProviderDatabag,
  parseRequirerDatabag,
  safeParseProviderDatabag,
  safeParseRequirerDatabag,
} from '../src/schemas.js';

const SECRET = 'SECRET-KEY-MATERIAL';

describe('safeParseRequirerDatabag', () => {
  it('returns the decoded databag', () => {
    expect(safeParseRequirerDatabag({ common_name: 'a', sans: '["x"]', 'private-address': '1' })).toEqual({
      ok: true,
      value: { common_name: 'a', sans: ['x'] },
    });
  });

  it.each([
    [
      'a map that is not JSON',
      { cert_requests: '{' },
      'ERR_PROTOCOL_INVALID_JSON',
      'cert_requests',
      undefined,
    ],
    [
      'a map that is a JSON string',
      { cert_requests: '"x"' },
      'ERR_PROTOCOL_INVALID_SHAPE',
      'cert_requests',
      undefined,
    ],
    [
      'an entry without sans',
      { client_cert_requests: '{"c": {}}' },
      'ERR_PROTOCOL_MISSING_FIELD',
      'client_cert_requests',
      'c',
    ],
    [
      'a SAN that is a number',
      { cert_requests: '{"a": {"sans": [1]}}' },
      'ERR_PROTOCOL_INVALID_SHAPE',
      'cert_requests',
      'a',
    ],
    [
      'top-level sans that is an object',
      { sans: '{"a": 1}' },
      'ERR_PROTOCOL_INVALID_SHAPE',
      'sans',
      undefined,
    ],
  ])('reports %s as a ProtocolError with code and key', (_name, data, code, key, commonName) => {
    const result = safeParseRequirerDatabag(data);
    expect(result.ok).toBe(false);
    expect(result.error).toBeInstanceOf(ProtocolError);
    expect(result.error).toMatchObject({ code, key, commonName });
    expect(result.error?.message).toContain(JSON.stringify(key));
  });
});

describe('parseRequirerDatabag', () => {
  it('throws the ProtocolError', () => {
    expect(() => parseRequirerDatabag({ cert_requests: '{' })).toThrow(ProtocolError);
  });

  it('throws TypeError for data that is not an object', () => {
    expect(() => parseRequirerDatabag(null as never)).toThrow(TypeError);
  });
});

describe('safeParseProviderDatabag', () => {
  it.each([
    [
      'a map that is not JSON',
      { 'a_0.processed_requests': `{${SECRET}` },
      'ERR_PROTOCOL_INVALID_JSON',
      undefined,
    ],
    [
      'an entry without key',
      { 'a_0.processed_requests': '{"c": {"cert": "x"}}' },
      'ERR_PROTOCOL_MISSING_FIELD',
      'c',
    ],
    [
      'a numeric cert',
      { 'a_0.processed_requests': `{"c": {"cert": 5, "key": "${SECRET}"}}` },
      'ERR_PROTOCOL_INVALID_SHAPE',
      'c',
    ],
  ])('reports %s without the value', (_name, data, code, commonName) => {
    const result = safeParseProviderDatabag(data);
    expect(result.error).toMatchObject({ code, key: 'a_0.processed_requests', commonName });
    expect(result.error?.message).not.toContain(SECRET);
  });

  it('parseProviderDatabag returns the grouped databag', () => {
    expect(parseProviderDatabag({ ca: 'CA', 'a_0.server.cert': 'C' })).toEqual({
      ca: 'CA',
      units: { a_0: { 'server.cert': 'C' } },
    });
  });
});

describe('strict parsing of arbitrary string maps', () => {
  it('throws nothing but ProtocolError', () => {
    const value = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .dictionary(
          fc.string({ maxLength: 4 }),
          fc.oneof(
            fc.jsonValue(),
            fc.record({ sans: fc.jsonValue() }, { requiredKeys: [] }),
            fc.record({ cert: fc.jsonValue(), key: fc.jsonValue() }, { requiredKeys: [] }),
          ),
        )
        .map((v) => JSON.stringify(v)),
    );
    const key = fc.oneof(
      fc.constantFrom(
        'sans',
        'common_name',
        'cert_requests',
        'client_cert_requests',
        'ca',
        'a_0.processed_requests',
        'a_0.server.cert',
      ),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (data) => {
        for (const parse of [parseRequirerDatabag, parseProviderDatabag]) {
          try {
            parse(data);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
