import { describe, expect, it } from 'vitest';
import { readDialects, readRenewal, readRenewalTrigger } from '../src/cli/read-renewal.js';
import { emptyState, type LayerState } from '../src/state.js';

const base = (): LayerState => ({
  ...emptyState('certificates', 'web', 'web/0'),
  relationIds: ['certificates:3'],
});
const withFields = (fields: Record<string, unknown>) => ({ ...base(), ...fields }) as LayerState;

describe('reading what the v4 requirer records', () => {
  it('reads nothing from a legacy-only state, and lists its relations as unsettled', () => {
    expect(readDialects(base())).toEqual([{ relationId: 'certificates:3', dialect: 'unsettled' }]);
    expect(readRenewalTrigger(base())).toBeNull();
    expect(readRenewal(base(), 'server/a', [])).toEqual({
      renewAt: null,
      renewalPending: false,
      requestErrors: [],
    });
    expect(readDialects(undefined)).toEqual([]);
  });

  it('reads dialects from a map (to a name or to { dialect }) or a list, ignoring unknown names', () => {
    expect(
      readDialects(
        withFields({ dialects: { 'certificates:3': 'v4', 'certificates:10': { dialect: 'legacy' } } }),
      ),
    ).toEqual([
      { relationId: 'certificates:3', dialect: 'v4' },
      { relationId: 'certificates:10', dialect: 'legacy' },
    ]);
    expect(
      readDialects(withFields({ relations: [{ relationId: 'certificates:3', dialect: 'v5' }] })),
    ).toEqual([{ relationId: 'certificates:3', dialect: 'unsettled' }]);
  });

  it('says renewals run on update-status when the model has no secrets', () => {
    expect(readRenewalTrigger(withFields({ secretsSupported: false }))).toBe('update-status');
    expect(readRenewalTrigger(withFields({ secretsSupported: true }))).toBe('secret-expired');
    expect(readRenewalTrigger(withFields({ renewal: { trigger: 'update-status' } }))).toBe('update-status');
  });

  it('reads renewAt, a pending renewal and request errors, refusing a bad time and odd entries', () => {
    const state = withFields({
      certificates: { 'server/a': { renewAt: '2027-01-01T00:00:00Z', renewalPending: true } },
      requestStates: {
        'server/a': {
          requestErrors: [
            { code: 201, name: 'SERVER_NOT_AVAILABLE', message: 'down' },
            'junk',
            { code: 'x' },
          ],
        },
        'server/b': { renewAt: 'not a time' },
      },
    });
    expect(readRenewal(state, 'server/a', [])).toEqual({
      renewAt: '2027-01-01T00:00:00.000Z',
      renewalPending: true,
      requestErrors: [{ code: 201, name: 'SERVER_NOT_AVAILABLE', message: 'down', retryable: true }],
    });
    expect(readRenewal(state, 'server/b', []).renewAt).toBeNull();
  });

  it('takes request errors from problems that carry the provider error when the record has none', () => {
    const problem = {
      code: 'ERR_LAYER_REQUEST_ERROR',
      severity: 'error',
      requested: true,
      commonName: 'a',
      type: 'server',
      message: 'the provider refused the request',
      requestError: { code: 103, name: 'WILDCARD_NOT_ALLOWED', message: 'no *' },
    } as unknown as LayerState['problems'][number];
    expect(readRenewal(base(), 'server/a', [problem]).requestErrors).toEqual([
      { code: 103, name: 'WILDCARD_NOT_ALLOWED', message: 'no *', retryable: false },
    ]);
  });
});
