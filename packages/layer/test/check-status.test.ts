import { describe, expect, it } from 'vitest';
import { type CheckFinding, checkStatus, type TrustAnchorStatus } from '../src/cli/index.js';
import { keyMismatch, problem, status } from './status-fixture.js';

const kinds = (findings: CheckFinding[]) => findings.map((f) => `${f.level} ${f.kind}`);

describe('checkStatus', () => {
  it.each([
    ['all good', {}, 0],
    ['expiring within warnDays', { daysLeft: 10, notAfter: '2026-10-03T00:00:00.000Z' }, 1],
    ['expired', { daysLeft: -3, notAfter: '2026-09-21T00:00:00.000Z' }, 2],
    ['key mismatch', { keyMatches: false }, 2],
    ['pending while connected', { state: 'pending' as const }, 1],
    ['requested without paths', { state: 'not-written' as const }, 0],
  ])('%s', (_name, overrides, exitCode) => {
    expect(checkStatus(status(overrides)).exitCode).toBe(exitCode);
  });

  it('fails on a world-readable key and a missing file, warns on a changed one', () => {
    const key = status().certificates[0]!.files[0]!;
    expect(checkStatus(status({ files: [{ ...key, mode: '0644' }] })).findings[0]).toMatchObject({
      level: 'error',
      kind: 'key-readable',
      subject: 'server/a.internal',
      remedy: expect.stringContaining('chmod o-rwx /k'),
    });
    expect(checkStatus(status({ files: [{ ...key, exists: false, mode: null }] })).exitCode).toBe(2);
    expect(checkStatus(status({ files: [{ ...key, matchesRecorded: false }] })).exitCode).toBe(1);
  });

  it('says how long ago an expired certificate expired', () => {
    const result = checkStatus(status({ daysLeft: -3, notAfter: '2026-09-21T00:00:00.000Z' }));
    expect(result.findings).toEqual([
      expect.objectContaining({
        level: 'error',
        kind: 'expired',
        message: 'expired 2 days ago (2026-09-21T00:00:00.000Z)',
      }),
    ]);
  });

  it('makes a request the provider answered with bad data an error of its own, with the code', () => {
    const result = checkStatus(
      status(
        { state: 'rejected', rejectionCode: keyMismatch.code, problems: [keyMismatch] },
        { problems: [keyMismatch] },
      ),
    );
    expect(result.exitCode).toBe(2);
    // Reported once, as the certificate's state, not again as a loose problem.
    expect(result.findings).toEqual([
      {
        level: 'error',
        kind: 'rejected',
        subject: 'server/a.internal',
        message: "never written: the provider's answer was rejected (ERR_CERT_WRITER_KEY_MISMATCH)",
        remedy: expect.stringContaining('re-issue'),
        code: 'ERR_CERT_WRITER_KEY_MISMATCH',
      },
    ]);
  });

  it('warns when a newer answer was rejected but the previous files still serve', () => {
    const result = checkStatus(status({ problems: [keyMismatch] }, { problems: [keyMismatch] }));
    expect(kinds(result.findings)).toEqual(['warning answer-rejected']);
    expect(result.findings[0]?.message).toContain('the files hold the previous certificate');
  });

  it('warns about provider data nobody requested, without blaming a certificate', () => {
    const stray = problem({
      code: 'ERR_PROTOCOL_INVALID_JSON',
      key: 'a_0.processed_intermediate_requests',
      message: 'm',
    });
    const result = checkStatus(status({}, { problems: [stray] }));
    expect(result.findings).toEqual([
      expect.objectContaining({
        level: 'warning',
        kind: 'provider-problem',
        subject: 'a_0.processed_intermediate_requests',
        code: 'ERR_PROTOCOL_INVALID_JSON',
        remedy: expect.stringContaining('provider charm'),
      }),
    ]);
  });

  it('gives an unknown problem code (even one named like an Object method) the generic remedy', () => {
    const odd = problem({ code: 'constructor', message: 'm' });
    const [finding] = checkStatus(status({}, { problems: [odd] })).findings;
    expect(finding?.remedy).toMatch(
      /the provider published data this unit cannot use: check the provider charm and its log$/,
    );
  });

  it('warns when certificates wait for a relation that does not exist', () => {
    const result = checkStatus(
      status(
        { state: 'pending' },
        {
          relation: {
            connected: false,
            relationIds: [],
            remoteUnits: [],
            dialects: [],
            renewalTrigger: null,
          },
        },
      ),
    );
    expect(result.findings).toEqual([
      expect.objectContaining({
        level: 'warning',
        kind: 'not-connected',
        remedy: 'relate the application to a certificate provider: juju integrate a:certificates <provider>',
      }),
    ]);
  });

  const anchor = (state: TrustAnchorStatus['state'], exists = true): TrustAnchorStatus => ({
    state,
    recordPath: '/var/lib/tls-client/ca-installer.json',
    files: state === 'not-recorded' ? [] : [{ path: '/usr/local/share/ca-certificates/a.crt', exists }],
    error: state === 'unreadable' ? { code: 'ERR_CA_INSTALLER_RECORD_CORRUPT', message: 'bad' } : null,
  });
  it.each([
    [
      'missing',
      anchor('missing', false),
      'anchor-missing',
      '/usr/local/share/ca-certificates/a.crt is missing',
    ],
    ['changed', anchor('changed'), 'anchor-changed', 'holds other bytes'],
    ['update-owed', anchor('update-owed'), 'anchor-update-owed', 'update failed'],
    ['not-recorded', anchor('not-recorded'), 'anchor-not-recorded', 'has no record of it'],
    ['unreadable', anchor('unreadable'), 'anchor-unreadable', 'ERR_CA_INSTALLER_RECORD_CORRUPT'],
  ])('fails when the trust anchor is %s', (_state, a, kind, text) => {
    const base = status();
    const result = checkStatus({ ...base, ca: { ...base.ca, anchor: a } });
    expect(result.exitCode).toBe(2);
    expect(result.findings).toEqual([
      expect.objectContaining({
        level: 'error',
        kind,
        subject: 'ca',
        message: expect.stringContaining(text),
      }),
    ]);
  });

  it('gives every finding a one-line remedy', () => {
    const key = status().certificates[0]!.files[0]!;
    const base = status(
      {
        files: [{ ...key, mode: '0644', matchesRecorded: false }],
        keyMatches: false,
        daysLeft: -1,
        notAfter: '2026-09-22T12:00:00.000Z',
      },
      { problems: [problem({ code: 'ERR_LAYER_INVALID_CA', key: 'ca', message: 'm' })] },
    );
    const result = checkStatus({ ...base, ca: { ...base.ca, anchor: anchor('missing', false) } });
    expect(result.findings.length).toBeGreaterThanOrEqual(5);
    for (const f of result.findings) {
      expect(f.remedy.length, f.kind).toBeGreaterThan(10);
      expect(f.remedy).not.toContain('\n');
      expect(f.message).not.toContain('\n');
    }
  });

  it('rejects a negative warnDays', () => {
    expect(() => checkStatus(status(), { warnDays: -1 })).toThrow(TypeError);
  });
});
