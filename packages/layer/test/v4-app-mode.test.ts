import { createCsr, generatePrivateKey } from '@tls-client/csr';
import type { ProviderCertificateEntry } from '@tls-client/protocol/v4';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AppRecord,
  appSecretContent,
  appSecretLabel,
  appSteady,
  findAppAnswer,
  planAppLeader,
  readAppSecret,
  renewalDue,
  requestFingerprint,
} from '../src/v4-app-mode.js';

const request = { commonName: 'myapp', sans: ['myapp.internal', '10.0.0.5'] };
let key: string;
let csrA: string;
let csrB: string;

beforeAll(async () => {
  key = await generatePrivateKey({ type: 'ec' });
  csrA = await createCsr(key, { commonName: 'myapp', sansDns: ['myapp.internal'] });
  csrB = await createCsr(key, { commonName: 'myapp', sansDns: ['myapp.internal'] });
});

function entry(csr: string, extra: Partial<ProviderCertificateEntry> = {}): ProviderCertificateEntry {
  return { ca: 'CA', certificateSigningRequest: csr, certificate: 'CERT', chain: [], ...extra };
}

function record(overrides: Partial<AppRecord> = {}): AppRecord {
  return {
    label: appSecretLabel('certificates', 'myapp'),
    csr: csrA,
    request: requestFingerprint(request),
    certificates: 'd1',
    paths: 'p1',
    ca: 'CA',
    certificate: 'c1',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2026-01-11T00:00:00.000Z',
    ...overrides,
  };
}

describe('the application secret', () => {
  it('has a label per endpoint and common name, ours rather than the Python library one', () => {
    const label = appSecretLabel('certificates', 'myapp');
    expect(label).toMatch(/^tls-client-app-key-certificates-[0-9a-f]{16}$/);
    expect(appSecretLabel('certificates', 'other')).not.toBe(label);
    expect(appSecretLabel('tls', 'myapp')).not.toBe(label);
    expect(() => appSecretLabel('', 'x')).toThrow(TypeError);
  });

  it('round-trips key, CSR and request, and refuses content without a key', () => {
    const content = appSecretContent({ privateKey: key, csr: csrA, request: 'r' });
    expect(Object.keys(content)).toEqual(['private-key', 'csr', 'request']);
    expect(readAppSecret(content)).toEqual({ privateKey: key, csr: csrA, request: 'r' });
    expect(readAppSecret({ csr: csrA })).toBeUndefined();
    expect(readAppSecret({ 'private-key': 'not a key' })).toBeUndefined();
    expect(readAppSecret({ 'private-key': key })).toEqual({
      privateKey: key,
      csr: undefined,
      request: undefined,
    });
  });
});

describe('requestFingerprint', () => {
  it('ignores SAN order and duplicates, and tells null from empty', () => {
    expect(requestFingerprint({ commonName: 'a', sans: ['x', 'y'] })).toBe(
      requestFingerprint({ commonName: 'a', sans: ['y', 'x', 'x'] }),
    );
    expect(requestFingerprint({ commonName: 'a', sans: null })).not.toBe(
      requestFingerprint({ commonName: 'a', sans: [] }),
    );
  });
});

describe('findAppAnswer', () => {
  it('matches by canonical CSR identity, whatever the layout', () => {
    const relaid = `${csrA.replaceAll('\n', '\r\n')}\n`;
    expect(findAppAnswer([entry(csrB), entry(relaid)], csrA)).toEqual({
      kind: 'issued',
      entry: entry(relaid),
    });
  });
  it('skips revoked entries, and says revoked when only revoked ones are left', () => {
    expect(findAppAnswer([entry(csrA, { revoked: true })], csrA)).toEqual({ kind: 'revoked' });
    const fresh = entry(csrA, { certificate: 'NEW' });
    expect(findAppAnswer([entry(csrA, { revoked: true }), fresh], csrA)).toEqual({
      kind: 'issued',
      entry: fresh,
    });
  });
  it('is none for another CSR or no CSR', () => {
    expect(findAppAnswer([entry(csrB)], csrA)).toEqual({ kind: 'none' });
    expect(findAppAnswer([entry(csrA)], undefined)).toEqual({ kind: 'none' });
  });
});

describe('renewalDue', () => {
  const validity = { notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2026-01-11T00:00:00.000Z' };
  it('is due once the fraction of the validity has passed', () => {
    expect(renewalDue(validity, new Date('2026-01-09T23:59:59.000Z'), 0.9)).toBe(false);
    expect(renewalDue(validity, new Date('2026-01-10T00:00:00.000Z'), 0.9)).toBe(true);
  });
  it('is never due without a certificate or with nonsense dates', () => {
    expect(renewalDue({ notBefore: null, notAfter: null }, new Date(), 0.9)).toBe(false);
    expect(renewalDue({ notBefore: validity.notAfter, notAfter: validity.notBefore }, new Date(), 0.9)).toBe(
      false,
    );
  });
});

describe('planAppLeader', () => {
  const fp = requestFingerprint(request);
  const issued = { kind: 'issued', entry: entry('x') } as const;
  it('generates a key only when the secret has none', () => {
    expect(
      planAppLeader({ request, secret: undefined, answer: { kind: 'none' }, renewalDue: false }),
    ).toEqual({
      generateKey: true,
      newCsr: 'first',
    });
  });
  it('re-uses the key and CSR of the secret: a new leader re-issues nothing', () => {
    const secret = { privateKey: key, csr: csrA, request: fp };
    expect(planAppLeader({ request, secret, answer: issued, renewalDue: false })).toEqual({
      generateKey: false,
      newCsr: undefined,
    });
    // Still waiting for the provider: no new CSR either.
    expect(
      planAppLeader({ request, secret, answer: { kind: 'none' }, renewalDue: false }).newCsr,
    ).toBeUndefined();
  });
  it('makes a new CSR with the same key for a changed request, a revocation or a renewal', () => {
    const secret = { privateKey: key, csr: csrA, request: fp };
    const changed = { commonName: 'myapp', sans: ['other.internal'] };
    expect(planAppLeader({ request: changed, secret, answer: issued, renewalDue: false })).toEqual({
      generateKey: false,
      newCsr: 'request-changed',
    });
    expect(planAppLeader({ request, secret, answer: { kind: 'revoked' }, renewalDue: false }).newCsr).toBe(
      'revoked',
    );
    expect(planAppLeader({ request, secret, answer: issued, renewalDue: true })).toEqual({
      generateKey: false,
      newCsr: 'renewal-due',
    });
    // rotateKeyOnRenewal: a renewal by time makes a new key; a revocation still keeps it.
    expect(
      planAppLeader({ request, secret, answer: issued, renewalDue: true, rotateKeyOnRenewal: true }),
    ).toEqual({
      generateKey: true,
      newCsr: 'renewal-due',
    });
    expect(
      planAppLeader({
        request,
        secret,
        answer: { kind: 'revoked' },
        renewalDue: false,
        rotateKeyOnRenewal: true,
      }).generateKey,
    ).toBe(false);
    expect(
      planAppLeader({
        request,
        secret: { privateKey: key, csr: undefined, request: undefined },
        answer: { kind: 'none' },
        renewalDue: false,
      }),
    ).toEqual({ generateKey: false, newCsr: 'first' });
  });
});

describe('appSteady', () => {
  const base = {
    request,
    certificatesDigest: 'd1',
    pathsDigest: 'p1',
    leader: false,
    publishedCsrs: [] as string[],
    renewalDue: false,
  };
  it('a non-leader with nothing new is steady: no secret call, nothing to write', () => {
    expect(appSteady({ ...base, record: record() })).toBe(true);
  });
  it('is not steady on a first hook, a provider change, a path change or a request change', () => {
    expect(appSteady({ ...base, record: undefined })).toBe(false);
    expect(appSteady({ ...base, record: record(), certificatesDigest: 'd2' })).toBe(false);
    expect(appSteady({ ...base, record: record(), pathsDigest: 'p2' })).toBe(false);
    expect(appSteady({ ...base, record: record(), request: { commonName: 'myapp', sans: null } })).toBe(
      false,
    );
  });
  it('a leader also needs its CSR still published and no renewal due', () => {
    expect(appSteady({ ...base, leader: true, record: record(), publishedCsrs: [csrA] })).toBe(true);
    expect(appSteady({ ...base, leader: true, record: record(), publishedCsrs: [csrB] })).toBe(false);
    expect(
      appSteady({ ...base, leader: true, record: record(), publishedCsrs: [csrA], renewalDue: true }),
    ).toBe(false);
  });
});
