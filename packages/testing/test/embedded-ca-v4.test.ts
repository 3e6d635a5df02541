import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCsr, generatePrivateKey, parseCsr, publicKeyMatches } from '@tls-client/csr';
import { decodeProviderAppData, encodeCsrRequests, pemEquals } from '@tls-client/protocol/v4';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedCa, FakeModel, type V4FaultMode } from '../src/index.js';
import { execTool, removeDir, tempDir } from './helpers.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

let dir: string;
let model: FakeModel;
let rel: string;
let key: string;
let unitCsr: string;
let appCsr: string;

beforeAll(async () => {
  key = await generatePrivateKey({ type: 'ec' });
});

const databag = (csrs: string[], ca = false) =>
  encodeCsrRequests({ requests: csrs.map((c) => ({ certificateSigningRequest: c, ca })) }).data;

// Our application's databag is written as a leader's hook writes it, through the fake relation-set.
async function setOurAppData(data: Record<string, string>): Promise<void> {
  model.setLeader(true);
  const { env, contextId } = model.hookEnv('certificates-relation-changed', { relationId: rel });
  const run = await execTool(
    model.binDir,
    'relation-set',
    ['--app', '--file', '-'],
    env,
    JSON.stringify(data),
  );
  expect(run.exitCode, run.stderr).toBe(0);
  model.endHook(contextId, { success: true });
}

beforeEach(async () => {
  dir = await tempDir('ca-v4');
  model = await FakeModel.create({ unit: 'web/0', charmDir: dir });
  rel = model.addRelation('certificates', 'self-signed-certificates', { id: 7 });
  unitCsr = await createCsr(key, {
    commonName: 'web-0.example',
    sansDns: ['web-0.example'],
    sansIp: ['10.0.0.7'],
    sansOid: ['1.3.6.1.4.1.99999.1'],
    emailAddress: 'ops@example.com',
  });
  appCsr = await createCsr(key, { commonName: 'web.example', sansDns: ['web.example'] });
  model.setLocalUnitData(rel, databag([unitCsr]));
});

afterEach(async () => {
  await model.cleanup();
  await removeDir(dir);
});

const published = () => decodeProviderAppData(model.remoteAppData(rel));

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('EmbeddedCa.answerV4', () => {
  let ca: EmbeddedCa;
  beforeAll(async () => {
    ca = await EmbeddedCa.create();
  });

  it('signs the CSR of our unit and publishes certificates as the Python provider does', async () => {
    const result = await ca.answerV4(model, rel);
    expect(result).toMatchObject({
      issued: 1,
      kept: 0,
      revoked: 0,
      refused: 0,
      providerUnit: 'self-signed-certificates/0',
      problems: [],
    });
    const raw = model.remoteAppData(rel).certificates!;
    // Python's json.dumps: ", " and ": ", model order ca, certificate_signing_request, certificate, chain.
    expect(raw).toMatch(
      /^\[\{"ca": "-----BEGIN CERTIFICATE-----\\n.*", "certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\\n.*", "certificate": ".*", "chain": \[".*", ".*"\]\}\]$/,
    );
    const { certificates, problems } = published();
    expect(problems).toEqual([]);
    const [entry] = certificates;
    expect(entry!.certificateSigningRequest).toBe(unitCsr);
    expect(entry!.chain).toEqual([entry!.certificate, ca.caPem.trim()]);
    expect(entry!.ca).toBe(ca.caPem.trim());
    expect(entry!.revoked).toBeUndefined();
  });

  it('copies the subject and SANs from the CSR and certifies the CSR key', async () => {
    await ca.answerV4(model, rel);
    const cert = new X509Certificate(published().certificates[0]!.certificate);
    const csr = await parseCsr(unitCsr);
    expect(cert.subject).toBe(
      `CN=web-0.example\nx500UniqueIdentifier=${csr.subject.uniqueId}\nemailAddress=ops@example.com`,
    );
    expect(cert.subjectAltName).toBe(
      'Registered ID:1.3.6.1.4.1.99999.1, IP Address:10.0.0.7, DNS:web-0.example, email:ops@example.com',
    );
    expect(cert.ca).toBe(false);
    expect(cert.verify(new X509Certificate(ca.caPem).publicKey)).toBe(true);
    expect(publicKeyMatches(key, cert.toString())).toBe(true);
  });

  it('reads many requirer units and the requirer app databag, and signs each CSR once', async () => {
    const other = await generatePrivateKey({ type: 'ec' });
    const otherCsr = await createCsr(other, { commonName: 'web-1.example' });
    const caCsr = await createCsr(other, { commonName: 'sub-ca' });
    await setOurAppData(databag([appCsr]));
    const result = await ca.answerV4(model, rel, {
      otherUnits: { 'web/1': databag([otherCsr, unitCsr]), 'web/2': { ...databag([caCsr], true) } },
    });
    expect(result).toMatchObject({ issued: 4, problems: [] });
    const csrs = published().certificates.map((c) => c.certificateSigningRequest);
    expect(csrs).toEqual([unitCsr, otherCsr, caCsr, appCsr]);
    const subCa = new X509Certificate(published().certificates[2]!.certificate);
    expect(subCa.ca).toBe(true);
  });

  it('keeps what it published, signs new CSRs and removes entries whose CSR is gone', async () => {
    await ca.answerV4(model, rel);
    const first = model.remoteAppData(rel).certificates;
    expect(await ca.answerV4(model, rel)).toMatchObject({ issued: 0, kept: 1 });
    expect(model.remoteAppData(rel).certificates).toBe(first);
    const renewed = await createCsr(key, { commonName: 'web-0.example', sansDns: ['web-0.example'] });
    model.setLocalUnitData(rel, databag([renewed]));
    expect(await ca.answerV4(model, rel)).toMatchObject({ issued: 1, kept: 0, removed: 1 });
    expect(published().certificates.map((c) => c.certificateSigningRequest)).toEqual([renewed]);
    model.setLocalUnitData(rel, { certificate_signing_requests: '' });
    await ca.answerV4(model, rel);
    expect(model.remoteAppData(rel)).toEqual({});
  });

  it('revokes everything on CA rotation, then signs the CSRs again with the new CA', async () => {
    const rotating = await EmbeddedCa.create();
    await rotating.answerV4(model, rel);
    const old = published().certificates[0]!;
    await rotating.rotate();
    expect(await rotating.answerV4(model, rel)).toMatchObject({ issued: 0, revoked: 1 });
    const revoked = published().certificates[0]!;
    expect(revoked).toMatchObject({ certificate: old.certificate, revoked: true });
    expect(model.remoteAppData(rel).certificates).toMatch(/"revoked": true\}\]$/);
    expect(await rotating.answerV4(model, rel)).toMatchObject({ issued: 1, revoked: 0 });
    const fresh = published().certificates[0]!;
    expect(fresh.revoked).toBeUndefined();
    expect(fresh.ca).toBe(rotating.caPem.trim());
    expect(new X509Certificate(fresh.certificate).verify(new X509Certificate(rotating.caPem).publicKey)).toBe(
      true,
    );
  });

  it('publishes request_errors for SANs it refuses, and signs the rest', async () => {
    const strict = await EmbeddedCa.create({
      refuseIpSans: true,
      refuseWildcardDns: true,
      allowedDomains: ['example'],
    });
    const wildcard = await createCsr(key, { sansDns: ['*.example'] });
    const outside = await createCsr(key, { sansDns: ['web.other.test'] });
    model.setLocalUnitData(rel, databag([unitCsr, wildcard, outside, appCsr]));
    expect(await strict.answerV4(model, rel)).toMatchObject({ issued: 1, refused: 3 });
    const { certificates, requestErrors } = published();
    expect(certificates.map((c) => c.certificateSigningRequest)).toEqual([appCsr]);
    expect(
      requestErrors.map((e) => [
        e.csr === unitCsr || e.csr === wildcard || e.csr === outside,
        e.error.code,
        e.error.name,
      ]),
    ).toEqual([
      [true, 101, 'IP_NOT_ALLOWED'],
      [true, 103, 'WILDCARD_NOT_ALLOWED'],
      [true, 102, 'DOMAIN_NOT_ALLOWED'],
    ]);
    expect(model.remoteAppData(rel).request_errors).toMatch(
      /^\[\{"csr": "-----BEGIN CERTIFICATE REQUEST-----\\n.*", "error": \{"code": 101, "name": "IP_NOT_ALLOWED", "message": /,
    );
  });

  it('skips a garbage CSR and a bad entry, reports them, and still answers the other units', async () => {
    const garbage =
      '-----BEGIN CERTIFICATE REQUEST-----\nTUlJQ2dhcmJhZ2U=\n-----END CERTIFICATE REQUEST-----';
    const result = await ca.answerV4(model, rel, {
      otherUnits: {
        'web/1': {
          certificate_signing_requests: JSON.stringify([{ certificate_signing_request: garbage, ca: false }]),
        },
        'web/2': { certificate_signing_requests: '{"not": "a list"}' },
        'web/3': { certificate_signing_requests: '[{"certificate_signing_request": "x"}]' },
      },
    });
    expect(result.issued).toBe(1);
    expect(result.problems.length).toBeGreaterThanOrEqual(3);
    expect(published().certificates.map((c) => c.certificateSigningRequest)).toEqual([unitCsr]);
  });

  it('signs one CSR outside any relation with signCsr, and refuses a CSR that does not parse', async () => {
    const withSub = await EmbeddedCa.create({ withIntermediate: true });
    const { certificate, ca: root, chain } = withSub.signCsr(unitCsr);
    expect(chain).toEqual([certificate, withSub.chainPem!.trim(), withSub.caPem.trim()]);
    expect(root).toBe(withSub.caPem.trim());
    expect(new X509Certificate(certificate).verify(new X509Certificate(withSub.chainPem!).publicKey)).toBe(
      true,
    );
    expect(new X509Certificate(withSub.signCsr(appCsr, { ca: true }).certificate).ca).toBe(true);
    expect(() =>
      withSub.signCsr('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----'),
    ).toThrow(expect.objectContaining({ name: 'CsrError', code: 'ERR_CSR_MALFORMED' }));
  });

  it('publishes capabilities when asked, and rejects an unknown fault mode', async () => {
    await ca.answerV4(model, rel, { capabilities: { supportsIpSans: true, providerType: 'self-signed' } });
    expect(model.remoteAppData(rel).capabilities).toBe(
      '{"supports_ip_sans": true, "provider_type": "self-signed"}',
    );
    await expect(ca.answerV4(model, rel, { fault: 'nonsense' as V4FaultMode })).rejects.toThrow(TypeError);
  });
});

describe('EmbeddedCa.answerV4 faults', () => {
  let ca: EmbeddedCa;
  beforeAll(async () => {
    ca = await EmbeddedCa.create({ withIntermediate: true });
  });

  const entry = () => published().certificates[0]!;
  const cert = () => new X509Certificate(entry().certificate);

  it.each<[V4FaultMode, () => Promise<void> | void]>([
    [
      'other-csr',
      () => {
        expect(publicKeyMatches(key, cert().toString())).toBe(false);
        expect(cert().subject).toMatch(/^CN=other\.invalid/);
        expect(entry().certificateSigningRequest).toBe(unitCsr);
      },
    ],
    [
      'wrong-key',
      () => {
        expect(publicKeyMatches(key, cert().toString())).toBe(false);
        expect(cert().subject).toMatch(/^CN=web-0\.example/);
      },
    ],
    [
      'missing-chain',
      () => {
        expect(model.remoteAppData(rel).certificates).not.toContain('"chain"');
        expect(entry().chain).toEqual([]);
      },
    ],
    [
      'reversed-chain',
      () => {
        expect(entry().chain).toEqual([ca.caPem.trim(), ca.chainPem!.trim(), entry().certificate]);
      },
    ],
    [
      'garbage-json',
      () => {
        expect(() => JSON.parse(model.remoteAppData(rel).certificates!)).toThrow();
        expect(published().problems.map((p) => p.key)).toEqual(['certificates']);
      },
    ],
    [
      'truncated-pem',
      () => {
        expect(model.remoteAppData(rel).certificates).not.toContain('END CERTIFICATE-----", "chain"');
        expect(published().certificates).toEqual([]);
        expect(published().problems).toHaveLength(1);
      },
    ],
    [
      'expired',
      () => {
        expect(new Date(cert().validTo).getTime()).toBeLessThan(Date.now());
        expect(publicKeyMatches(key, cert().toString())).toBe(true);
      },
    ],
    [
      'revoked',
      () => {
        expect(entry().revoked).toBe(true);
      },
    ],
    [
      'reserialised-csr',
      () => {
        const raw = JSON.parse(model.remoteAppData(rel).certificates!)[0]
          .certificate_signing_request as string;
        expect(raw).not.toBe(unitCsr);
        expect(raw.split('\n')[1]).toHaveLength(76);
        expect(pemEquals(raw, unitCsr)).toBe(true);
      },
    ],
    [
      'duplicate-entry',
      () => {
        const all = published().certificates;
        expect(all).toHaveLength(2);
        expect(all[0]!.certificateSigningRequest).toBe(all[1]!.certificateSigningRequest);
        expect(all[0]!.certificate).not.toBe(all[1]!.certificate);
      },
    ],
  ])('%s publishes the bad data, and a clean answer repairs it', async (fault, check) => {
    await ca.answerV4(model, rel);
    expect((await ca.answerV4(model, rel, { fault })).issued).toBe(1);
    await check();
    expect(await ca.answerV4(model, rel)).toMatchObject({ issued: 1, kept: 0 });
    const repaired = published();
    expect(repaired.problems).toEqual([]);
    expect(repaired.certificates).toHaveLength(1);
    expect(repaired.certificates[0]!.revoked).toBeUndefined();
    expect(repaired.certificates[0]!.chain).toEqual([
      repaired.certificates[0]!.certificate,
      ca.chainPem!.trim(),
      ca.caPem.trim(),
    ]);
    expect(publicKeyMatches(key, repaired.certificates[0]!.certificate)).toBe(true);
  });
});

describe.skipIf(!hasOpenssl)(
  'EmbeddedCa.answerV4 with openssl (skipped: the openssl binary is not installed)',
  () => {
    it.each([
      ['EC P-256 with an intermediate', { withIntermediate: true, keyType: 'ec' as const }, 'ec' as const],
      [
        'RSA 2048 without an intermediate',
        { withIntermediate: false, keyType: 'rsa' as const },
        'rsa' as const,
      ],
    ])('issues certificates that openssl verify accepts: %s', async (_name, options, type) => {
      const ca = await EmbeddedCa.create(options);
      const rsaKey = await generatePrivateKey({ type });
      model.setLocalUnitData(
        rel,
        databag([await createCsr(rsaKey, { commonName: 'a.example', sansDns: ['a.example'] })]),
      );
      await ca.answerV4(model, rel);
      const { certificate, chain } = published().certificates[0]!;
      const leaf = await file('leaf.pem', `${certificate}\n`);
      const root = await file('root.pem', `${chain.at(-1)}\n`);
      const untrusted = await file('untrusted.pem', `${chain.slice(1, -1).join('\n')}\n`);
      const args = [
        'verify',
        '-CAfile',
        root,
        ...(chain.length > 2 ? ['-untrusted', untrusted] : []),
        '-purpose',
        'sslserver',
        leaf,
      ];
      const run = spawnSync('openssl', args, { encoding: 'utf8' });
      expect(`${run.stdout}${run.stderr}`).toBe(`${leaf}: OK\n`);
    });
  },
);
