import type { CertificateStatus, Problem, TlsClientStatus } from '../src/cli/index.js';

/** A healthy status of one written server certificate, checked at 2026-09-23 (100 days before expiry). */
export function status(
  overrides: Partial<CertificateStatus> = {},
  top: Partial<TlsClientStatus> = {},
): TlsClientStatus {
  return {
    formatVersion: 1,
    checkedAt: '2026-09-23T00:00:00.000Z',
    statePath: '/x/flags.json',
    unit: 'a/0',
    application: 'a',
    endpoint: 'certificates',
    lastHook: 'update-status',
    lastRun: '2026-01-01T00:00:00.000Z',
    relation: {
      connected: true,
      relationIds: ['certificates:1'],
      remoteUnits: ['ca/0'],
      dialects: [{ relationId: 'certificates:1', dialect: 'legacy' }],
      renewalTrigger: null,
    },
    flags: [],
    ca: {
      name: 'a',
      installed: true,
      sha256: null,
      file: null,
      anchor: {
        state: 'trusted',
        recordPath: '/var/lib/tls-client/ca-installer.json',
        files: [{ path: '/usr/local/share/ca-certificates/a.crt', exists: true }],
        error: null,
      },
    },
    certificates: [
      {
        type: 'server',
        commonName: 'a.internal',
        requestedSans: [],
        state: 'written',
        rejectionCode: null,
        deprecatedPath: false,
        paths: { cert: '/c', key: '/k', chain: null, fullchain: null },
        subject: 'CN=a.internal',
        sans: [],
        issuer: 'CN=CA',
        notAfter: '2027-01-01T00:00:00.000Z',
        daysLeft: 100,
        keyMatches: true,
        fingerprint256: 'AA',
        renewAt: null,
        renewalPending: false,
        keyRotationPending: false,
        renewalOverdue: false,
        requestErrors: [],
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
            resolvedPath: null,
          },
        ],
        problems: [],
        ...overrides,
      },
    ],
    problems: [],
    warnings: [],
    ...top,
  };
}

/**
 * Problems as the layer records them. Built through `problem()` so that the fixtures type-check
 * whether or not `Problem` carries the `severity` / `requested` classification.
 */
export function problem(fields: {
  code: string;
  message: string;
  key?: string;
  commonName?: string;
  type?: 'server';
}): Problem {
  const requested = fields.commonName !== undefined || fields.key === 'ca';
  return { severity: requested ? 'error' : 'warning', requested, ...fields } as unknown as Problem;
}

export const keyMismatch = problem({
  code: 'ERR_CERT_WRITER_KEY_MISMATCH',
  key: 'a_0.processed_requests',
  commonName: 'a.internal',
  type: 'server',
  message: 'relation key "a_0.processed_requests": the key does not match the certificate',
});
