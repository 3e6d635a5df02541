import { describe, expect, it } from 'vitest';
import { readDialects, readRenewal, readRenewalTrigger } from '../src/cli/read-renewal.js';
import { emptyState, type LayerState } from '../src/state.js';

const base = (): LayerState => ({
  ...emptyState('certificates', 'web', 'web/0'),
  relationIds: ['certificates:3'],
});
const withFields = (fields: Record<string, unknown>) => ({ ...base(), ...fields }) as LayerState;
const v4Record = (fields: Record<string, unknown>) => ({
  type: 'server',
  commonName: 'a',
  relationId: 'certificates:3',
  renewAt: null,
  renewalPending: false,
  keyRotationPending: false,
  notAfter: null,
  requestErrors: [],
  ...fields,
});

describe('reading what the v4 requirer records', () => {
  it('reads nothing from a state written before v4, whose relations spoke legacy', () => {
    expect(readDialects(base())).toEqual([{ relationId: 'certificates:3', dialect: 'legacy' }]);
    expect(readDialects(withFields({ relations: {} }))).toEqual([
      { relationId: 'certificates:3', dialect: 'unknown' },
    ]);
    expect(readRenewalTrigger(base())).toBeNull();
    expect(readRenewal(base(), 'server/a')).toEqual({
      renewAt: null,
      renewalPending: false,
      keyRotationPending: false,
      requestErrors: [],
    });
    expect(readDialects(undefined)).toEqual([]);
  });

  it('reads each relation dialect, sorted by relation number, an unknown name as unknown', () => {
    const state = withFields({
      relationIds: ['certificates:3', 'certificates:10'],
      relations: {
        'certificates:10': { dialect: 'legacy' },
        'certificates:3': { dialect: 'v4' },
        'certificates:11': { dialect: 'v5' },
      },
    });
    expect(readDialects(state)).toEqual([
      { relationId: 'certificates:3', dialect: 'v4' },
      { relationId: 'certificates:10', dialect: 'legacy' },
      { relationId: 'certificates:11', dialect: 'unknown' },
    ]);
  });

  it('reads the renewal trigger, and nothing else', () => {
    expect(readRenewalTrigger(withFields({ renewalTrigger: 'hook-check' }))).toBe('hook-check');
    expect(readRenewalTrigger(withFields({ renewalTrigger: 'secret-expiry' }))).toBe('secret-expiry');
    expect(readRenewalTrigger(withFields({ renewalTrigger: 'cron' }))).toBeNull();
  });

  it('reads renewAt, pending renewal and rotation, and request errors, refusing a bad time and odd entries', () => {
    const state = withFields({
      v4: {
        'server/a': v4Record({
          renewAt: '2027-01-01T00:00:00Z',
          renewalPending: true,
          keyRotationPending: true,
          requestErrors: [
            { code: 201, name: 'SERVER_NOT_AVAILABLE', message: 'down' },
            'junk',
            { code: 'x' },
          ],
        }),
        'server/b': v4Record({ renewAt: 'not a time', renewalPending: 'yes' }),
      },
    });
    expect(readRenewal(state, 'server/a')).toEqual({
      renewAt: '2027-01-01T00:00:00.000Z',
      renewalPending: true,
      keyRotationPending: true,
      requestErrors: [{ code: 201, name: 'SERVER_NOT_AVAILABLE', message: 'down', retryable: true }],
    });
    expect(readRenewal(state, 'server/b')).toMatchObject({ renewAt: null, renewalPending: false });
  });
});
