import { describe, expect, it } from 'vitest';
import { chooseStatus, type DemoState } from '../src/status.js';

const ready: DemoState = { related: true, caSaved: true, certsSaved: true, problems: [] };

describe('chooseStatus', () => {
  it('is active once the CA and every certificate are saved', () => {
    expect(chooseStatus(ready)).toEqual({ status: 'active', message: 'certificates ready' });
  });

  it('waits for the CA, then for the certificates', () => {
    expect(chooseStatus({ ...ready, caSaved: false, certsSaved: false }).message).toBe(
      'waiting for the CA certificate',
    );
    expect(chooseStatus({ ...ready, certsSaved: false })).toEqual({
      status: 'waiting',
      message: 'waiting for certificates',
    });
  });

  it('is blocked without a relation, before looking at anything else', () => {
    expect(chooseStatus({ ...ready, related: false, caSaved: false }).status).toBe('blocked');
  });

  it('is blocked on a config error first', () => {
    const status = chooseStatus({
      ...ready,
      related: false,
      configError: 'config option x must be a string',
    });
    expect(status).toEqual({ status: 'blocked', message: 'config option x must be a string' });
  });

  it('is blocked with the first problem, its certificate and a count of the others', () => {
    const status = chooseStatus({
      ...ready,
      problems: [
        { code: 'ERR_CERT_WRITER_KEY_MISMATCH', commonName: '10.0.0.5', message: 'key does not match' },
        { code: 'ERR_PROTOCOL_INVALID_JSON', message: 'not JSON' },
      ],
    });
    expect(status).toEqual({
      status: 'blocked',
      message: 'bad certificate data for 10.0.0.5: key does not match (+1 more)',
    });
  });

  it('keeps a long problem message on one line of at most 120 characters', () => {
    const status = chooseStatus({
      ...ready,
      problems: [{ code: 'X', message: `line one\n${'y'.repeat(300)}` }],
    });
    expect(status.message.length).toBe(120);
    expect(status.message).not.toContain('\n');
    expect(status.message.endsWith('…')).toBe(true);
  });

  it('does not block on a problem about data this unit never asked for', () => {
    const status = chooseStatus({
      ...ready,
      problems: [{ code: 'ERR_LAYER_UNREQUESTED', message: 'not ours', severity: 'warning' }],
    });
    expect(status).toEqual({ status: 'active', message: 'certificates ready' });
  });

  it('blocks on a requested problem even when an unrequested one comes first', () => {
    const status = chooseStatus({
      ...ready,
      problems: [
        { code: 'W', message: 'not ours', severity: 'warning' },
        { code: 'E', message: 'ours is bad', severity: 'error', commonName: 'demo' },
      ],
    });
    expect(status).toEqual({ status: 'blocked', message: 'bad certificate data for demo: ours is bad' });
  });

  it('stays active with an expired certificate, saying which and since when', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    const status = chooseStatus({
      ...ready,
      now,
      certificates: [
        { type: 'client', commonName: 'demo', notAfter: '2027-01-01T00:00:00Z', expired: false },
        { type: 'server', commonName: '10.0.0.5', notAfter: '2026-12-01T06:00:00Z', expired: true },
      ],
    });
    expect(status).toEqual({ status: 'active', message: 'server certificate expired 2 days ago' });
  });

  it('names the oldest expired certificate and counts the others', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    const status = chooseStatus({
      ...ready,
      now,
      certificates: [
        { type: 'client', commonName: 'demo', notAfter: '2026-12-03T09:30:00Z', expired: true },
        { type: 'server', commonName: '10.0.0.5', notAfter: '2026-12-03T11:58:00Z', expired: true },
      ],
    });
    expect(status.message).toBe('client certificate expired 2 hours ago (+1 more)');
  });

  it('says a request was refused when the v4 provider refused it', () => {
    const status = chooseStatus({
      ...ready,
      certsSaved: false,
      problems: [
        { code: 'ERR_LAYER_REQUEST_REFUSED', commonName: 'demo', message: '102 DOMAIN_NOT_ALLOWED' },
      ],
    });
    expect(status).toEqual({
      status: 'blocked',
      message: 'certificate request refused for demo: 102 DOMAIN_NOT_ALLOWED',
    });
  });
});
