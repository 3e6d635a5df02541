import { describe, expect, it } from 'vitest';
import { applicationSans, decodeRequirerData, normalizeSans, requestHashId } from '../src/index.js';

describe('normalizeSans', () => {
  it('sorts by code point and removes duplicates; null means none', () => {
    expect(normalizeSans(['b', 'a', 'b', '\u{1F600}', '\uffff'])).toEqual(['a', 'b', '\uffff', '\u{1F600}']);
    expect(normalizeSans(null)).toEqual([]);
  });
});

describe('requestHashId', () => {
  it('matches the spec example', () => {
    expect(requestHashId('certificates:5', 'kubernetes-control-plane/0', '10.0.0.5')).toBe(
      'certificates:5.kubernetes-control-plane_0.10.0.0.5',
    );
  });
});

describe('applicationSans', () => {
  it('unions the common names and SANs of every unit’s application requests, sorted', () => {
    const a = decodeRequirerData(
      { application_cert_requests: '{"app": {"sans": ["10.0.0.2", "app.internal"]}}' },
      'x/0',
    );
    const b = decodeRequirerData(
      {
        application_cert_requests: '{"app": {"sans": null}}',
        client_cert_requests: '{"c": {"sans": ["no"]}}',
      },
      'x/1',
    );
    expect(applicationSans([a, b])).toEqual(['10.0.0.2', 'app', 'app.internal']);
  });
});
