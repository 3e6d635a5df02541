import { describe, expect, it } from 'vitest';
import { type Dialect, detectDialect } from '../../src/v4.js';

const juju = {
  'private-address': '10.0.0.1',
  'ingress-address': '10.0.0.1',
  'egress-subnets': '10.0.0.1/32',
};

describe('detectDialect', () => {
  it.each<[string, Parameters<typeof detectDialect>[0], Dialect]>([
    [
      'a v4 provider that issued certificates',
      { app: { certificates: '[]' }, units: [{ unit: 'ca/0', data: juju }] },
      'v4',
    ],
    ['a v4 provider that only reported errors', { app: { request_errors: '[{}]' } }, 'v4'],
    ['a v4 provider that only advertised capabilities', { app: { capabilities: '{}' } }, 'v4'],
    [
      'a v4 key holding garbage (still v4; the decoder reports the garbage)',
      { app: { certificates: '{garbage' } },
      'v4',
    ],
    ['easyrsa publishing its CA', { units: [{ unit: 'easyrsa/0', data: { ...juju, ca: 'PEM' } }] }, 'legacy'],
    [
      'a legacy answer for one unit',
      { units: [{ unit: 'easyrsa/0', data: { 'app_0.server.cert': 'PEM' } }] },
      'legacy',
    ],
    [
      'a legacy processed map',
      { units: [{ unit: 'vault/0', data: { 'app_0.processed_client_requests': '{}' } }] },
      'legacy',
    ],
    [
      'the global client certificate',
      { units: [{ unit: 'easyrsa/0', data: { 'client.cert': 'PEM' } }] },
      'legacy',
    ],
    [
      'both: the v4 answer wins',
      { app: { certificates: '[]' }, units: [{ unit: 'x/0', data: { ca: 'PEM' } }] },
      'v4',
    ],
    ['only Juju keys', { units: [{ unit: 'ca/0', data: juju }], app: {} }, 'unknown'],
    [
      'empty values, which Juju treats as unset',
      { units: [{ unit: 'ca/0', data: { ca: '' } }], app: { certificates: '' } },
      'unknown',
    ],
    ['nothing at all', {}, 'unknown'],
    [
      'a requirer-looking key in the provider app databag',
      { app: { certificate_signing_requests: '[]' } },
      'unknown',
    ],
  ])('answers for %s', (_name, input, expected) => {
    expect(detectDialect(input)).toBe(expected);
  });

  it.each([
    ['no input', undefined],
    ['units that is not an array', { units: {} }],
    ['a unit without data', { units: [{ unit: 'a/0' }] }],
    ['an app databag that is a string', { app: 'x' }],
  ])('throws TypeError for %s', (_name, input) => {
    expect(() => detectDialect(input as never)).toThrow(TypeError);
  });
});
