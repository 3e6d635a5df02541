import { describe, expect, it } from 'vitest';
import {
  answerFor,
  chainAfterLeaf,
  planCsr,
  renewalTime,
  retryDelayMs,
  sameSans,
  settleDialect,
  type V4Entry,
} from '../src/v4-dialect.js';

const entry: V4Entry = {
  type: 'server',
  commonName: 'a.example',
  sans: ['a.example', '10.0.0.1'],
  csr: 'CSR',
  keyFile: 'k.0.pem',
  activeKeyFile: 'k.0.pem',
  sentAt: '2026-01-01T00:00:00.000Z',
  reason: 'new',
  waitingOnError: false,
};
const request = { type: 'server' as const, commonName: 'a.example', sans: ['10.0.0.1', 'a.example'] };
const base = {
  request,
  entry,
  renewAt: '2026-06-01T00:00:00.000Z',
  now: new Date('2026-02-01T00:00:00.000Z'),
  revoked: false,
  rotateKey: false,
  rotateKeyOnRenewal: false,
};

describe('settleDialect', () => {
  it('a forced protocol wins; auto keeps a settled dialect and otherwise follows the provider', () => {
    expect(settleDialect({ protocol: 'v4', recorded: 'legacy', detected: 'legacy' })).toBe('v4');
    expect(settleDialect({ protocol: 'auto', recorded: 'legacy', detected: 'v4' })).toBe('legacy');
    expect(settleDialect({ protocol: 'auto', recorded: undefined, detected: 'v4' })).toBe('v4');
    expect(settleDialect({ protocol: 'auto', recorded: 'unknown', detected: 'unknown' })).toBe('unknown');
  });
});

describe('renewalTime', () => {
  it('is the fraction of the validity', () => {
    const t = renewalTime(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-11T00:00:00Z'), 0.9);
    expect(t.toISOString()).toBe('2026-01-10T00:00:00.000Z');
  });
});

describe('retryDelayMs', () => {
  it('waits 5 minutes, doubling with each retry in a row, at most an hour', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => retryDelayMs(n) / 60_000)).toEqual([5, 10, 20, 40, 60, 60]);
  });
});

describe('planCsr', () => {
  it('SERVER_NOT_AVAILABLE: a new CSR with the same key once the backoff passed, not before', () => {
    const down = { ...entry, retryableError: true, retries: 1, sentAt: '2026-02-01T00:00:00.000Z' };
    const at = (minutes: number) => new Date(Date.parse(down.sentAt) + minutes * 60_000);
    expect(planCsr({ ...base, entry: down, now: at(9) })).toEqual({ action: 'keep' });
    expect(planCsr({ ...base, entry: down, now: at(10) })).toEqual({
      action: 'new-csr',
      reason: 'retry',
      newKey: false,
    });
    // Any other request error waits until the request changes.
    expect(planCsr({ ...base, entry: { ...down, retryableError: false }, now: at(600) })).toEqual({
      action: 'keep',
    });
  });
  it('an unchanged request never gets a new CSR (SAN order does not matter)', () => {
    expect(planCsr(base)).toEqual({ action: 'keep' });
    expect(sameSans(['b', 'a'], ['a', 'b', 'a'])).toBe(true);
  });
  it('a new request gets a key and a CSR', () => {
    expect(planCsr({ ...base, entry: undefined })).toEqual({
      action: 'new-csr',
      reason: 'new',
      newKey: true,
    });
  });
  it('changed SANs keep the key', () => {
    expect(planCsr({ ...base, request: { ...request, sans: ['b.example'] } })).toEqual({
      action: 'new-csr',
      reason: 'sans-changed',
      newKey: false,
    });
  });
  it('past the renewal time renews once, with the key unless rotateKeyOnRenewal', () => {
    const late = { ...base, now: new Date('2026-07-01T00:00:00Z') };
    expect(planCsr(late)).toEqual({ action: 'new-csr', reason: 'renewal', newKey: false });
    expect(planCsr({ ...late, rotateKeyOnRenewal: true })).toMatchObject({ newKey: true });
    // The renewal CSR was sent after the renewal time: no second one while it is pending.
    expect(planCsr({ ...late, entry: { ...entry, sentAt: '2026-06-02T00:00:00.000Z' } })).toEqual({
      action: 'keep',
    });
  });
  it('revoked renews at once; rotateKey makes a new key', () => {
    expect(planCsr({ ...base, revoked: true })).toMatchObject({ reason: 'revoked' });
    expect(planCsr({ ...base, rotateKey: true })).toEqual({
      action: 'new-csr',
      reason: 'rotate-key',
      newKey: true,
    });
  });
});

describe('answerFor', () => {
  const view = (over: Partial<Parameters<typeof answerFor>[1]>) => ({
    certificates: [],
    requestErrors: [],
    problems: [],
    ...over,
  });
  it('no entry for an unparsable CSR, and a request error with its retry rule', () => {
    expect(answerFor('not a pem', view({}))).toEqual({ kind: 'none' });
  });
  it('drops the leaf from a chain that starts with it', () => {
    expect(chainAfterLeaf('x', ['y'])).toEqual(['y']);
  });
});
