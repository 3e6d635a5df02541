import { describe, expect, it } from 'vitest';
import { DemoConfigError, resolvePaths, resolveProtocol } from '../src/config.js';

describe('resolvePaths', () => {
  it('puts every file under <charm dir>/certs when the options are empty or unset', () => {
    expect(resolvePaths({ 'server-cert-path': '', 'ca-cert-path': '  ' }, '/var/lib/juju/charm')).toEqual({
      serverCert: '/var/lib/juju/charm/certs/server.crt',
      serverKey: '/var/lib/juju/charm/certs/server.key',
      clientCert: '/var/lib/juju/charm/certs/client.crt',
      clientKey: '/var/lib/juju/charm/certs/client.key',
      caCert: '/var/lib/juju/charm/certs/ca.crt',
    });
  });

  it('uses an absolute path as given', () => {
    const paths = resolvePaths({ 'client-key-path': '/etc/demo/client.key' }, '/charm');
    expect(paths.clientKey).toBe('/etc/demo/client.key');
    expect(paths.clientCert).toBe('/charm/certs/client.crt');
  });

  it.each([
    ['server-cert-path', 'certs/server.crt', 'must be an absolute path or empty'],
    ['server-key-path', './server.key', 'must be an absolute path or empty'],
    ['client-cert-path', '/etc/demo/\0client.crt', 'must be an absolute path or empty'],
    ['ca-cert-path', 42, 'must be a string (got number)'],
  ])('rejects %s = %j naming the option', (option, value, expected) => {
    let caught: unknown;
    try {
      resolvePaths({ [option]: value }, '/charm');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DemoConfigError);
    expect((caught as DemoConfigError).option).toBe(option);
    expect((caught as DemoConfigError).message).toBe(`config option ${option} ${expected}`);
  });
});

describe('resolveProtocol', () => {
  it('is auto when unset (the config.yaml default), else the value given, blanks and case ignored', () => {
    expect(resolveProtocol({})).toBe('auto');
    expect(resolveProtocol({ protocol: 'legacy' })).toBe('legacy');
    expect(resolveProtocol({ protocol: ' V4 ' })).toBe('v4');
  });

  it.each([['v3'], [''], [4], [true]])('rejects protocol = %j naming the option', (value) => {
    expect(() => resolveProtocol({ protocol: value })).toThrow(
      new DemoConfigError('protocol', 'config option protocol must be one of auto, legacy, v4'),
    );
  });
});
