import { describe, expect, it } from 'vitest';
import { decodeRequirerData, ProtocolError } from '../src/index.js';

describe('decodeRequirerData', () => {
  it('prefers the published unit_name to the remote unit name, mangled', () => {
    expect(decodeRequirerData({ unit_name: 'real/3' }, 'remote-abc/0').unitName).toBe('real_3');
  });

  it.each([
    ['absent', {}],
    ['empty', { unit_name: '' }],
  ])('falls back to the remote unit name when unit_name is %s (cross-model)', (_name, data) => {
    expect(decodeRequirerData(data, 'kcp/1').unitName).toBe('kcp_1');
  });

  it('reads the top-level request with its certificate_name; absent SANs become []', () => {
    const { requests } = decodeRequirerData({ common_name: 'a', certificate_name: 'n' }, 'u/0');
    expect(requests).toEqual([
      {
        type: 'server',
        commonName: 'a',
        sans: [],
        topLevel: true,
        certificateName: 'n',
        sourceKey: 'common_name',
      },
    ]);
  });

  it('leaves certificateName out of a top-level request without certificate_name', () => {
    const [request] = decodeRequirerData({ common_name: 'a', sans: '["x"]' }, 'u/0').requests;
    expect(request).not.toHaveProperty('certificateName');
    expect(request?.sans).toEqual(['x']);
  });

  it('marks a cert_requests entry whose common name equals common_name as top-level', () => {
    const data = { common_name: 'a', cert_requests: '{"a": {"sans": ["1"]}, "b": {"sans": []}}' };
    const { requests } = decodeRequirerData(data, 'u/0');
    expect(requests.map((r) => [r.commonName, r.topLevel, r.sourceKey])).toEqual([
      ['a', true, 'common_name'],
      ['a', true, 'cert_requests'],
      ['b', false, 'cert_requests'],
    ]);
  });

  it('enumerates requests in the reactive provider order and keeps null SANs for client and application', () => {
    const data = {
      intermediate_cert_requests: '{"i": {"sans": null}}',
      application_cert_requests: '{"app": {"sans": null}}',
      client_cert_requests: '{"c": {"sans": null}, "d": {"sans": []}}',
      cert_requests: '{"s": {"sans": null}}',
      common_name: 'top',
    };
    const { requests, problems } = decodeRequirerData(data, 'u/0');
    expect(problems).toEqual([]);
    expect(requests.map((r) => [r.type, r.commonName, r.sans])).toEqual([
      ['server', 'top', []],
      ['server', 's', []],
      ['client', 'c', null],
      ['client', 'd', []],
      ['application', 'app', null],
      ['intermediate', 'i', []],
    ]);
  });

  it.each([
    ['null', 'null'],
    ['an empty object', '{}'],
    ['an empty list', '[]'],
    ['zero', '0'],
    ['false', 'false'],
  ])('reads a request map holding %s as empty, as Python `or {}` does', (_name, raw) => {
    expect(decodeRequirerData({ cert_requests: raw }, 'u/0')).toEqual({
      unitName: 'u_0',
      requests: [],
      problems: [],
    });
  });

  it('ignores Juju keys and unknown keys', () => {
    const data = { 'private-address': '10.0.0.1', 'future-field': '{"x": 1}', unit_name: 'u_0' };
    expect(decodeRequirerData(data, 'u/0')).toEqual({ unitName: 'u_0', requests: [], problems: [] });
  });

  const VALUE = 'VALUE-THAT-MUST-NOT-LEAK';
  it.each([
    [
      'cert_requests is not JSON',
      { cert_requests: `{${VALUE}` },
      'ERR_PROTOCOL_INVALID_JSON',
      'cert_requests',
      undefined,
    ],
    [
      'cert_requests is a list',
      { cert_requests: `["${VALUE}"]` },
      'ERR_PROTOCOL_INVALID_SHAPE',
      'cert_requests',
      undefined,
    ],
    [
      'cert_requests is a string',
      { cert_requests: `"${VALUE}"` },
      'ERR_PROTOCOL_INVALID_SHAPE',
      'cert_requests',
      undefined,
    ],
    [
      'an entry is not an object',
      { client_cert_requests: `{"c": "${VALUE}"}` },
      'ERR_PROTOCOL_INVALID_SHAPE',
      'client_cert_requests',
      'c',
    ],
    [
      'an entry has no sans',
      { application_cert_requests: '{"a": {}}' },
      'ERR_PROTOCOL_MISSING_FIELD',
      'application_cert_requests',
      'a',
    ],
    [
      'sans is a string',
      { intermediate_cert_requests: `{"i": {"sans": "${VALUE}"}}` },
      'ERR_PROTOCOL_INVALID_SHAPE',
      'intermediate_cert_requests',
      'i',
    ],
    [
      'a SAN is a number',
      { cert_requests: '{"s": {"sans": ["ok", 7]}}' },
      'ERR_PROTOCOL_INVALID_SHAPE',
      'cert_requests',
      's',
    ],
    [
      'a common name is empty',
      { cert_requests: '{"": {"sans": []}}' },
      'ERR_PROTOCOL_INVALID_SHAPE',
      'cert_requests',
      '',
    ],
    [
      'top-level sans is not JSON',
      { common_name: 'top', sans: VALUE },
      'ERR_PROTOCOL_INVALID_JSON',
      'sans',
      'top',
    ],
    [
      'top-level sans is an object',
      { common_name: 'top', sans: `{"${VALUE}": 1}` },
      'ERR_PROTOCOL_INVALID_SHAPE',
      'sans',
      'top',
    ],
  ])('skips and reports a request when %s', (_name, bad, code, key, commonName) => {
    const data: Record<string, string> = bad;
    const result = decodeRequirerData(
      { ...data, client_cert_requests: data.client_cert_requests ?? '{"good": {"sans": null}}' },
      'u/0',
      { relationId: 'certificates:7' },
    );
    expect(result.problems).toHaveLength(1);
    const [problem] = result.problems;
    expect(problem).toBeInstanceOf(ProtocolError);
    expect(problem).toMatchObject({ code, key, commonName, relationId: 'certificates:7', unit: 'u/0' });
    expect(problem?.message).toContain(JSON.stringify(key));
    expect(problem?.message).not.toContain(VALUE);
    // The rest of the databag still decodes.
    if (data.client_cert_requests === undefined) {
      expect(result.requests.map((r) => r.commonName)).toContain('good');
    }
  });

  it('does not read sans when there is no top-level common_name', () => {
    expect(decodeRequirerData({ sans: 'broken' }, 'u/0').problems).toEqual([]);
  });

  it('keeps a "__proto__" common name as an ordinary request', () => {
    const { requests } = decodeRequirerData(
      { client_cert_requests: '{"__proto__": {"sans": ["x"]}}' },
      'u/0',
    );
    expect(requests.map((r) => r.commonName)).toEqual(['__proto__']);
  });

  it.each([
    ['data that is not an object', null, 'u/0'],
    ['a remote unit that is not a string', {}, 3],
    ['a value that is not a string', { cert_requests: {} }, 'u/0'],
  ])('throws TypeError for %s', (_name, data, unit) => {
    expect(() => decodeRequirerData(data as never, unit as never)).toThrow(TypeError);
  });
});
