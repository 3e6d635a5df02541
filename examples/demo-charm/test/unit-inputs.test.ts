import { describe, expect, it } from 'vitest';
import { isUnitInputs, needsRefresh, pickOptions } from '../src/unit-inputs.js';

const stored = { config: { 'server-cert-path': '' }, ingress: '10.0.0.5', others: ['10.0.0.5'] };

describe('needsRefresh', () => {
  it.each(['install', 'start', 'config-changed', 'upgrade-charm', 'post-series-upgrade'])(
    'asks Juju again in %s, where config or addresses may be new',
    (hook) => {
      expect(needsRefresh(hook, stored)).toBe(true);
    },
  );

  it('reuses what was read last in relation hooks and update-status', () => {
    expect(needsRefresh('certificates-relation-changed', stored)).toBe(false);
    expect(needsRefresh('update-status', stored)).toBe(false);
  });

  it('asks Juju when nothing (or something unusable) was stored', () => {
    expect(needsRefresh('certificates-relation-changed', undefined)).toBe(true);
    expect(needsRefresh('certificates-relation-changed', { ingress: 5 })).toBe(true);
    expect(isUnitInputs({ ...stored, others: 'x' })).toBe(false);
  });
});

describe('pickOptions', () => {
  it('keeps only the path options and protocol, values as config-get gave them', () => {
    expect(
      pickOptions({
        'server-cert-path': '/a',
        'ca-cert-path': 42,
        secret: 'x',
        'client-key-path': null,
        protocol: 'v4',
      }),
    ).toEqual({
      'server-cert-path': '/a',
      'ca-cert-path': 42,
      protocol: 'v4',
    });
  });
});
