import { describe, expect, it } from 'vitest';
import { encodeProviderData, ProtocolError } from '../src/index.js';

const answer = (
  type: 'server' | 'client' | 'application' | 'intermediate',
  commonName: string,
  topLevel = false,
) => ({
  unitName: 'app/0',
  request: { type, commonName, sans: [], topLevel },
  cert: `cert-of-${commonName}`,
  key: `key-of-${commonName}`,
});

describe('encodeProviderData', () => {
  it('writes a top-level server answer to the raw server.cert and server.key keys', () => {
    const { data } = encodeProviderData({ answers: [answer('server', 'a.test', true)] });
    expect(data).toEqual({ 'app_0.server.cert': 'cert-of-a.test', 'app_0.server.key': 'key-of-a.test' });
  });

  it('writes other answers into key-sorted processed_* maps, keeping other entries', () => {
    const current = { 'app_0.processed_requests': '{"z.test": {"cert": "old", "key": "old"}}' };
    const { set } = encodeProviderData({
      current,
      answers: [answer('server', 'b.test'), answer('client', 'c'), answer('intermediate', 'i')],
    });
    expect(set).toEqual({
      'app_0.processed_requests':
        '{"b.test": {"cert": "cert-of-b.test", "key": "key-of-b.test"}, "z.test": {"cert": "old", "key": "old"}}',
      'app_0.processed_client_requests': '{"c": {"cert": "cert-of-c", "key": "key-of-c"}}',
      'app_0.processed_intermediate_requests': '{"i": {"cert": "cert-of-i", "key": "key-of-i"}}',
    });
  });

  it('writes an application answer to the app_data entry', () => {
    const { data } = encodeProviderData({
      current: { 'app_0.processed_application_requests': '{"other": 1}' },
      answers: [answer('application', 'app.test')],
    });
    expect(data['app_0.processed_application_requests']).toBe(
      '{"app_data": {"cert": "cert-of-app.test", "key": "key-of-app.test"}, "other": 1}',
    );
  });

  it('writes intermediate answers to app_data when asked to', () => {
    const { data } = encodeProviderData({
      answers: [answer('intermediate', 'i')],
      intermediateShape: 'app_data',
    });
    expect(data['app_0.processed_intermediate_requests']).toBe(
      '{"app_data": {"cert": "cert-of-i", "key": "key-of-i"}}',
    );
  });

  it('writes ca, chain and the global client pair raw, and deletes a key set to ""', () => {
    const current = { ca: 'old-ca', chain: 'old-chain', unrelated: 'x' };
    const changes = encodeProviderData({
      current,
      ca: 'new-ca',
      chain: '',
      globalClient: { cert: 'gc', key: 'gk' },
    });
    expect(changes.data).toEqual({ ca: 'new-ca', unrelated: 'x', 'client.cert': 'gc', 'client.key': 'gk' });
    expect(changes.set).toEqual({ ca: 'new-ca', 'client.cert': 'gc', 'client.key': 'gk' });
    expect(changes.deleted).toEqual(['chain']);
    expect(changes.changed).toBe(true);
  });

  it('reports no change when publishing the same answers again', () => {
    const input = {
      ca: 'ca',
      answers: [answer('server', 'a', true), answer('server', 'b'), answer('client', 'c')],
    };
    const first = encodeProviderData(input);
    expect(encodeProviderData({ ...input, current: first.data })).toMatchObject({
      changed: false,
      set: {},
      deleted: [],
    });
  });

  it('accepts a unit name that is already mangled', () => {
    const { data } = encodeProviderData({ answers: [{ ...answer('client', 'c'), unitName: 'app_0' }] });
    expect(Object.keys(data)).toEqual(['app_0.processed_client_requests']);
  });

  it('replaces its own processed map when it is not a JSON object, and reports it without the value', () => {
    const current = { 'app_0.processed_requests': '["-----BEGIN PRIVATE KEY-----secret"]' };
    const { data, problems } = encodeProviderData({ current, answers: [answer('server', 'b')] });
    expect(data['app_0.processed_requests']).toBe('{"b": {"cert": "cert-of-b", "key": "key-of-b"}}');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toBeInstanceOf(ProtocolError);
    expect(problems[0]).toMatchObject({
      code: 'ERR_PROTOCOL_INVALID_SHAPE',
      key: 'app_0.processed_requests',
    });
    expect(problems[0]?.message).not.toContain('secret');
  });

  it('drops an old entry too deeply nested to re-encode, and reports it', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const current = { 'app_0.processed_requests': `{"x": ${deep}, "z": {"cert": "c", "key": "k"}}` };
    const { data, problems } = encodeProviderData({ current, answers: [answer('server', 'b')] });
    expect(data['app_0.processed_requests']).toBe(
      '{"b": {"cert": "cert-of-b", "key": "key-of-b"}, "z": {"cert": "c", "key": "k"}}',
    );
    expect(problems.map((p) => [p.code, p.key, p.commonName])).toEqual([
      ['ERR_PROTOCOL_INVALID_SHAPE', 'app_0.processed_requests', 'x'],
    ]);
  });

  it.each([
    ['a non-string ca', { ca: 1 }],
    ['answers that are not an array', { answers: {} }],
    ['an answer without a cert', { answers: [{ ...answer('server', 'a'), cert: undefined }] }],
    ['an answer with an empty unit name', { answers: [{ ...answer('server', 'a'), unitName: '' }] }],
    ['an answer with a bad request', { answers: [{ ...answer('server', 'a'), request: { type: 'x' } }] }],
    ['an unknown intermediate shape', { intermediateShape: 'both' }],
  ])('throws TypeError for %s', (_name, input) => {
    expect(() => encodeProviderData(input as never)).toThrow(TypeError);
  });
});
