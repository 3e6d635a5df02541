import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CertRequest, encodeRequirerData, ProtocolError } from '../src/index.js';

const server = (commonName: string, sans: string[] | null = []): CertRequest => ({
  type: 'server',
  commonName,
  sans,
});
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('encodeRequirerData', () => {
  it('puts the first server request at the top level with a new UUID v4 certificate_name', () => {
    const { data, set, changed } = encodeRequirerData({
      unitName: 'app/0',
      requests: [server('a.test', ['x'])],
    });
    expect(data).toMatchObject({ unit_name: 'app_0', common_name: 'a.test', sans: '["x"]' });
    expect(data.certificate_name).toMatch(UUID_V4);
    expect(data.cert_requests).toBeUndefined();
    expect(set).toEqual(data);
    expect(changed).toBe(true);
  });

  it('keeps a published certificate_name and ignores a new one', () => {
    const current = { common_name: 'a.test', sans: '[]', certificate_name: 'kept' };
    const { data } = encodeRequirerData({
      unitName: 'app/0',
      requests: [server('a.test')],
      current,
      certificateName: 'new',
    });
    expect(data.certificate_name).toBe('kept');
  });

  it('uses the given certificateName when none is published', () => {
    const { data } = encodeRequirerData({
      unitName: 'app/0',
      requests: [server('a.test')],
      certificateName: 'mine',
    });
    expect(data.certificate_name).toBe('mine');
  });

  it('updates the SANs of the top-level request in place when its common name is requested again', () => {
    const first = encodeRequirerData({ unitName: 'app/0', requests: [server('a.test', ['1'])] });
    const second = encodeRequirerData({
      unitName: 'app/0',
      requests: [server('a.test', ['1', '2'])],
      current: first.data,
    });
    expect(second.set).toEqual({ sans: '["1", "2"]' });
    expect(second.data.cert_requests).toBeUndefined();
  });

  it('puts later server requests in cert_requests and updates them by common name', () => {
    const first = encodeRequirerData({
      unitName: 'app/0',
      requests: [server('a.test'), server('b.test', ['1'])],
    });
    expect(first.data.cert_requests).toBe('{"b.test": {"sans": ["1"]}}');
    const second = encodeRequirerData({
      unitName: 'app/0',
      requests: [server('c.test', null), server('b.test', ['2'])],
      current: first.data,
    });
    expect(second.set).toEqual({ cert_requests: '{"b.test": {"sans": ["2"]}, "c.test": {"sans": []}}' });
  });

  it('treats an empty published common_name as unset', () => {
    const { data } = encodeRequirerData({
      unitName: 'app/0',
      requests: [server('a.test')],
      current: { common_name: '' },
    });
    expect(data.common_name).toBe('a.test');
  });

  it('writes client and application SANs as given, null included, and intermediate null SANs as []', () => {
    const { data } = encodeRequirerData({
      unitName: 'app/0',
      requests: [
        { type: 'client', commonName: 'c', sans: null },
        { type: 'application', commonName: 'app', sans: ['z', 'a'] },
        { type: 'application', commonName: 'app2', sans: null },
        { type: 'intermediate', commonName: 'i', sans: null },
      ],
    });
    expect(data.client_cert_requests).toBe('{"c": {"sans": null}}');
    expect(data.application_cert_requests).toBe('{"app": {"sans": ["z", "a"]}, "app2": {"sans": null}}');
    expect(data.intermediate_cert_requests).toBe('{"i": {"sans": []}}');
    expect(data.common_name).toBeUndefined();
  });

  it('publishes only unit_name when there are no requests', () => {
    const { data, set } = encodeRequirerData({
      unitName: 'app/0',
      requests: [],
      current: { 'private-address': '10.1.1.1' },
    });
    expect(data).toEqual({ 'private-address': '10.1.1.1', unit_name: 'app_0' });
    expect(set).toEqual({ unit_name: 'app_0' });
  });

  it('never removes requests it is not given again', () => {
    const first = encodeRequirerData({ unitName: 'app/0', requests: [server('a.test'), server('b.test')] });
    const second = encodeRequirerData({
      unitName: 'app/0',
      requests: [server('c.test')],
      current: first.data,
    });
    expect(JSON.parse(second.data.cert_requests!)).toEqual({
      'b.test': { sans: [] },
      'c.test': { sans: [] },
    });
    expect(second.data.common_name).toBe('a.test');
    expect(second.deleted).toEqual([]);
  });

  it('reports no change for a repeat of the same requests', () => {
    const requests = [
      server('a.test', ['1']),
      server('b.test'),
      { type: 'client' as const, commonName: 'c', sans: null },
    ];
    const first = encodeRequirerData({ unitName: 'app/0', requests });
    const second = encodeRequirerData({ unitName: 'app/0', requests, current: first.data });
    expect(second).toMatchObject({ changed: false, set: {}, deleted: [], problems: [] });
  });

  it('rewrites a map written unsorted by the ops requirer once, in Python reactive bytes', () => {
    const current = {
      common_name: 'a',
      certificate_name: 'n',
      sans: '[]',
      cert_requests: '{"z": {"sans": []}, "b": {"sans": []}}',
    };
    const { set } = encodeRequirerData({ unitName: 'app/0', requests: [server('b')], current });
    expect(set.cert_requests).toBe('{"b": {"sans": []}, "z": {"sans": []}}');
  });

  it('replaces a published request map that is not a JSON object, and reports it', () => {
    const current = { common_name: 'a', certificate_name: 'n', sans: '[]', cert_requests: 'garbage {' };
    const { data, problems } = encodeRequirerData({ unitName: 'app/0', requests: [server('b')], current });
    expect(data.cert_requests).toBe('{"b": {"sans": []}}');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toBeInstanceOf(ProtocolError);
    expect(problems[0]).toMatchObject({ code: 'ERR_PROTOCOL_INVALID_JSON', key: 'cert_requests' });
    expect(problems[0]?.message).not.toContain('garbage');
  });

  it('stores a "__proto__" common name as an ordinary entry', () => {
    const { data } = encodeRequirerData({
      unitName: 'app/0',
      requests: [{ type: 'client', commonName: '__proto__', sans: ['x'] }],
    });
    expect(data.client_cert_requests).toBe('{"__proto__": {"sans": ["x"]}}');
    expect(({} as Record<string, unknown>).sans).toBeUndefined();
  });

  it('asks globalThis.crypto for the UUID and fails clearly without it', () => {
    vi.stubGlobal('crypto', undefined);
    expect(() => encodeRequirerData({ unitName: 'app/0', requests: [server('a')] })).toThrow(/randomUUID/);
    expect(
      encodeRequirerData({ unitName: 'app/0', requests: [server('a')], certificateName: 'n' }).data
        .certificate_name,
    ).toBe('n');
  });

  it.each([
    ['an empty unit name', { unitName: '', requests: [] }],
    ['requests that are not an array', { unitName: 'a/0', requests: 'x' }],
    ['an unknown type', { unitName: 'a/0', requests: [{ type: 'peer', commonName: 'a', sans: [] }] }],
    ['an empty common name', { unitName: 'a/0', requests: [{ type: 'server', commonName: '', sans: [] }] }],
    [
      'SANs that are not strings',
      { unitName: 'a/0', requests: [{ type: 'server', commonName: 'a', sans: [1] }] },
    ],
    ['a current databag with a non-string value', { unitName: 'a/0', requests: [], current: { a: 1 } }],
  ])('throws TypeError for %s', (_name, input) => {
    expect(() => encodeRequirerData(input as never)).toThrow(TypeError);
  });
});
