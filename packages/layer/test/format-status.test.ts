import { describe, expect, it } from 'vitest';
import { checkStatus, EXIT_CODE_LEGEND, formatStatus } from '../src/cli/index.js';
import { keyMismatch, status } from './status-fixture.js';

describe('formatStatus', () => {
  it('prints a row per certificate with its expiry in words, and every flag', () => {
    const text = formatStatus({ ...status(), flags: ['tls_client.certs.saved'] });
    expect(text).toMatch(
      /server\s+a\.internal\s+written\s+2027-01-01\s+expires in 100 days\s+matches\s+CN=a\.internal/,
    );
    expect(text).toContain('key: /k 0600 root:root');
    expect(text).toContain('tls_client.certs.saved');
    expect(text).toContain('CA          a: trusted (anchor /usr/local/share/ca-certificates/a.crt)');
  });

  it('shows an expired certificate plainly', () => {
    const text = formatStatus(status({ daysLeft: -3, notAfter: '2026-09-21T00:00:00.000Z' }));
    expect(text).toMatch(/2026-09-21\s+expired 2 days ago/);
  });

  it('says the CA is not trusted when its anchor is gone, never "installed"', () => {
    const base = status();
    const text = formatStatus({
      ...base,
      ca: {
        ...base.ca,
        anchor: {
          ...base.ca.anchor!,
          state: 'missing',
          files: [{ path: '/usr/local/share/ca-certificates/a.crt', exists: false }],
        },
      },
    });
    expect(text).toContain(
      'CA          a: NOT TRUSTED: anchor MISSING (/usr/local/share/ca-certificates/a.crt)',
    );
    expect(text).not.toMatch(/installed in the trust store/);
  });

  it('shows a rejected request with its code, and with a check the findings and their remedies', () => {
    const s = status(
      { state: 'rejected', rejectionCode: keyMismatch.code, problems: [keyMismatch] },
      { problems: [keyMismatch] },
    );
    const text = formatStatus(s, checkStatus(s));
    expect(text).toMatch(/server\s+a\.internal\s+rejected \(ERR_CERT_WRITER_KEY_MISMATCH\)/);
    expect(text).toContain(`check       ERROR (exit 2; ${EXIT_CODE_LEGEND})`);
    expect(text).toMatch(
      /error\s+server\/a\.internal: never written.*\n\s+remedy: the provider published a key/,
    );
  });

  it('prints the exit-code legend as a legend', () => {
    expect(EXIT_CODE_LEGEND).toBe('exit codes: 0 = ok, 1 = warnings, 2 = errors');
  });
});
