import { describe, expect, it } from 'vitest';
import {
  certChangedFlag,
  checkStatus,
  endpointFlags,
  formatStatus,
  LayerError,
  TLS_CLIENT_FLAGS,
  TlsClient,
  type TlsClientStatus,
} from '../src/index.js';

describe('TlsClient', () => {
  it('rejects caller mistakes with TypeError', () => {
    expect(() => new TlsClient({ endpoint: '' })).toThrow(TypeError);
    expect(() => new TlsClient({ caCertificatePath: 3 as unknown as string })).toThrow(TypeError);
    const tls = new TlsClient({ env: {} });
    expect(() => tls.requestServerCert('')).toThrow(/commonName/);
    expect(() => tls.requestServerCert('a', 'b' as unknown as string[])).toThrow(/sans/);
    expect(() => tls.requestClientCert('a', [1] as unknown as string[])).toThrow(/sans/);
    expect(() => tls.requestServerCert('a', [], { keyMode: 0o1777 })).toThrow(/keyMode/);
    expect(() => tls.requestServerCert('a', [], { certPath: '' })).toThrow(/certPath/);
    expect(() => tls.when('x', 'nope' as unknown as () => void)).toThrow(/handler/);
    expect(() => tls.flags).toThrow(/run\(\) has started/);
    expect(() => tls.resetCertificateWriteFlag('bogus' as 'ca')).toThrow(TypeError);
  });

  it('defaults to the certificates endpoint and accepts another', () => {
    expect(new TlsClient({ env: {} }).endpoint).toBe('certificates');
    expect(new TlsClient({ env: {}, endpoint: 'tls' }).endpoint).toBe('tls');
  });

  it('fails run() outside a hook with the hook context error, before touching anything', async () => {
    await expect(new TlsClient({ env: {} }).run()).rejects.toMatchObject({ code: 'ERR_HOOKENV_MISSING_ENV' });
  });
});

describe('flag names', () => {
  it('match the original layer and interface', () => {
    expect(TLS_CLIENT_FLAGS.caInstalled).toBe('tls_client.ca_installed');
    expect(certChangedFlag('client', 'system:kube-apiserver')).toBe(
      'tls_client.client.cert.system:kube-apiserver.changed',
    );
    expect(endpointFlags('certificates').clientCertAvailable).toBe('certificates.client.cert.available');
  });
});

function status(overrides: Partial<TlsClientStatus['certificates'][number]> = {}): TlsClientStatus {
  return {
    formatVersion: 1,
    statePath: '/x/flags.json',
    unit: 'a/0',
    application: 'a',
    endpoint: 'certificates',
    lastHook: 'update-status',
    lastRun: '2026-01-01T00:00:00.000Z',
    relation: { connected: true, relationIds: ['certificates:1'], remoteUnits: ['ca/0'] },
    flags: [],
    ca: { name: 'a', installed: true, sha256: null, file: null },
    certificates: [
      {
        type: 'server',
        commonName: 'a.internal',
        requestedSans: [],
        state: 'written',
        deprecatedPath: false,
        paths: { cert: '/c', key: '/k', chain: null, fullchain: null },
        subject: 'CN=a.internal',
        sans: [],
        issuer: 'CN=CA',
        notAfter: '2027-01-01T00:00:00.000Z',
        daysLeft: 100,
        keyMatches: true,
        fingerprint256: 'AA',
        files: [
          {
            kind: 'key',
            path: '/k',
            exists: true,
            mode: '0600',
            uid: 0,
            gid: 0,
            owner: 'root',
            group: 'root',
            matchesRecorded: true,
          },
        ],
        problems: [],
        ...overrides,
      },
    ],
    problems: [],
    warnings: [],
  };
}

describe('checkStatus', () => {
  it.each([
    ['all good', {}, 0],
    ['expiring within warnDays', { daysLeft: 10 }, 1],
    ['expired', { daysLeft: -1 }, 2],
    ['key mismatch', { keyMatches: false }, 2],
    ['pending while connected', { state: 'pending' as const }, 1],
    ['requested without paths', { state: 'not-written' as const }, 0],
  ])('%s', (_name, overrides, exitCode) => {
    expect(checkStatus(status(overrides)).exitCode).toBe(exitCode);
  });

  it('fails on a world-readable key and a missing file, warns on a changed one', () => {
    const base = status();
    const key = base.certificates[0]!.files[0]!;
    expect(checkStatus(status({ files: [{ ...key, mode: '0644' }] })).findings[0]).toMatchObject({
      level: 'error',
      subject: 'server/a.internal',
    });
    expect(checkStatus(status({ files: [{ ...key, exists: false, mode: null }] })).exitCode).toBe(2);
    expect(checkStatus(status({ files: [{ ...key, matchesRecorded: false }] })).exitCode).toBe(1);
  });

  it('rejects a negative warnDays', () => {
    expect(() => checkStatus(status(), { warnDays: -1 })).toThrow(TypeError);
  });
});

describe('formatStatus', () => {
  it('prints a row per certificate and every flag', () => {
    const text = formatStatus({ ...status(), flags: ['tls_client.certs.saved'] });
    expect(text).toMatch(/server\s+a\.internal\s+written\s+2027-01-01\s+100\s+matches\s+CN=a\.internal/);
    expect(text).toContain('key: /k 0600 root:root');
    expect(text).toContain('tls_client.certs.saved');
  });
});

describe('LayerError', () => {
  it('carries a code and a path', () => {
    const e = new LayerError('ERR_LAYER_WRITE_FAILED', 'cannot write', { path: '/x' });
    expect(e).toMatchObject({ name: 'LayerError', code: 'ERR_LAYER_WRITE_FAILED', path: '/x' });
  });
});
