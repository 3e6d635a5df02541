import { describe, expect, expectTypeOf, it } from 'vitest';
import { ProviderDatabag, RequirerDatabag } from '../src/schemas.js';

describe('RequirerDatabag', () => {
  it('parses the JSON-view keys and ignores Juju and unknown keys', () => {
    const parsed = RequirerDatabag.parse({
      unit_name: 'app_0',
      common_name: 'a',
      sans: '["x"]',
      certificate_name: 'n',
      cert_requests: '{"b": {"sans": []}}',
      client_cert_requests: '{"c": {"sans": null, "extra": 1}}',
      'private-address': '10.0.0.1',
      future: 'x',
    });
    expect(parsed).toEqual({
      unit_name: 'app_0',
      common_name: 'a',
      sans: ['x'],
      certificate_name: 'n',
      cert_requests: { b: { sans: [] } },
      client_cert_requests: { c: { sans: null } },
    });
  });

  it('keeps and validates a "__proto__" common name like any other', () => {
    const parsed = RequirerDatabag.parse({ cert_requests: '{"__proto__": {"sans": ["x"]}}' });
    expect(Object.keys(parsed.cert_requests ?? {})).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(parsed.cert_requests)).toBe(Object.prototype);
    expect(RequirerDatabag.safeParse({ cert_requests: '{"__proto__": 5}' }).success).toBe(false);
  });

  it('reads Python-falsy JSON values as empty', () => {
    expect(RequirerDatabag.parse({ sans: 'null', cert_requests: '[]', client_cert_requests: '0' })).toEqual({
      sans: null,
      cert_requests: {},
      client_cert_requests: {},
    });
  });

  it.each([
    ['cert_requests that is not JSON', { cert_requests: '{' }, ['cert_requests']],
    ['an entry without sans', { cert_requests: '{"a": {}}' }, ['cert_requests', 'a', 'sans']],
    [
      'a SAN that is a number',
      { client_cert_requests: '{"a": {"sans": [1]}}' },
      ['client_cert_requests', 'a', 'sans'],
    ],
    [
      'an empty common name',
      { intermediate_cert_requests: '{"": {"sans": []}}' },
      ['intermediate_cert_requests'],
    ],
    ['sans that is an object', { sans: '{"a": 1}' }, ['sans']],
  ])('rejects %s with the key in the issue path', (_name, data, path) => {
    const result = RequirerDatabag.safeParse(data);
    expect(result.success).toBe(false);
    expect(result.error?.issues.some((issue) => path.every((p, i) => issue.path[i] === p))).toBe(true);
  });

  it('infers the decoded types', () => {
    type Parsed = ReturnType<typeof RequirerDatabag.parse>;
    expectTypeOf<Parsed['sans']>().toEqualTypeOf<string[] | null | undefined>();
    expectTypeOf<NonNullable<Parsed['cert_requests']>[string]>().toEqualTypeOf<{ sans: string[] | null }>();
  });
});

describe('ProviderDatabag', () => {
  it('groups per-unit keys by unit and parses the processed maps', () => {
    const parsed = ProviderDatabag.parse({
      ca: 'CA',
      'client.cert': 'GC',
      'client.key': 'GK',
      'app_0.server.cert': 'S',
      'app_0.server.key': 'K',
      'app_0.processed_requests': '{"b": {"cert": "B", "key": "BK"}}',
      'other_1.processed_application_requests': '{"app_data": {"cert": "A", "key": "AK"}}',
      'private-address': '10.0.0.2',
    });
    expect(parsed).toEqual({
      ca: 'CA',
      'client.cert': 'GC',
      'client.key': 'GK',
      units: {
        app_0: { 'server.cert': 'S', 'server.key': 'K', processed_requests: { b: { cert: 'B', key: 'BK' } } },
        other_1: { processed_application_requests: { app_data: { cert: 'A', key: 'AK' } } },
      },
    });
  });

  it.each([
    ['a processed map that is not JSON', { 'app_0.processed_requests': '{' }, 'app_0.processed_requests'],
    [
      'an entry without key',
      { 'app_0.processed_client_requests': '{"c": {"cert": "C"}}' },
      'app_0.processed_client_requests',
    ],
    ['a ca that is not a string', { ca: 5 }, 'ca'],
  ])('rejects %s with the key in the issue path', (_name, data, key) => {
    const result = ProviderDatabag.safeParse(data);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(key);
  });

  it('does not echo values in its issues', () => {
    const result = ProviderDatabag.safeParse({
      'app_0.processed_requests': '{"c": {"cert": 1, "key": "SECRET"}}',
    });
    expect(JSON.stringify(result.error?.issues)).not.toContain('SECRET');
  });
});
