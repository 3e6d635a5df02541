import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeProviderData, encodeRequirerData, extractPemBlocks } from '@tls-client/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedCa, FakeModel, type FaultMode } from '../src/index.js';
import { removeDir, tempDir } from './helpers.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

let dir: string;
let model: FakeModel;
let rel: string;

beforeEach(async () => {
  dir = await tempDir('ca');
  model = await FakeModel.create({ unit: 'kcp/0', charmDir: dir });
  rel = model.addRelation('certificates', 'easyrsa', { id: 5 });
  // The worked example of legacy-protocol.md §7, plus an intermediate request.
  const { data } = encodeRequirerData({
    unitName: 'kcp/0',
    requests: [
      { type: 'server', commonName: '10.0.0.5', sans: ['10.0.0.5', 'kubernetes', 'kubernetes.default'] },
      {
        type: 'server',
        commonName: 'kubernetes.default.svc',
        sans: ['10.152.183.1', 'fd00::1', 'svc.cluster.local'],
      },
      { type: 'client', commonName: 'system:kube-apiserver', sans: null },
      { type: 'intermediate', commonName: 'sub-ca', sans: [] },
    ],
  });
  model.setLocalUnitData(rel, data);
});

afterEach(async () => {
  await model.cleanup();
  await removeDir(dir);
});

function view() {
  return decodeProviderData({
    unitName: 'kcp/0',
    units: [{ relationId: rel, unit: 'easyrsa/0', data: model.remoteUnitData(rel, 'easyrsa/0') }],
    published: model.localUnitData(rel),
  });
}

function openssl(args: string[]): { status: number | null; out: string } {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('EmbeddedCa.answer', () => {
  let ca: EmbeddedCa;
  beforeAll(async () => {
    ca = await EmbeddedCa.create({ withIntermediate: true });
  });

  it('publishes ca, chain and every answer under the keys the reactive provider uses', async () => {
    const result = await ca.answer(model, rel);
    expect(result).toMatchObject({ issued: 4, providerUnit: 'easyrsa/0', unitName: 'kcp_0', problems: [] });
    const data = model.remoteUnitData(rel, 'easyrsa/0');
    expect(data.ca).toBe(ca.caPem);
    expect(data.chain).toBe(ca.chainPem);
    expect(
      Object.keys(data)
        .filter((k) => k.startsWith('kcp_0.'))
        .sort(),
    ).toEqual([
      'kcp_0.processed_client_requests',
      'kcp_0.processed_intermediate_requests',
      'kcp_0.processed_requests',
      'kcp_0.server.cert',
      'kcp_0.server.key',
    ]);
    // Python json.dumps(sort_keys=True) bytes.
    expect(data['kcp_0.processed_client_requests']).toMatch(
      /^\{"system:kube-apiserver": \{"cert": "-----BEGIN/,
    );
    const decoded = view();
    expect(decoded.problems).toEqual([]);
    expect(decoded.server.map((c) => c.commonName)).toEqual(['10.0.0.5', 'kubernetes.default.svc']);
    expect(decoded.client.map((c) => c.commonName)).toEqual(['system:kube-apiserver']);
    expect(decoded.intermediate.map((c) => c.commonName)).toEqual(['sub-ca']);
  });

  it('issues certificates whose keys match, with the requested CN, SANs and usage', async () => {
    await ca.answer(model, rel);
    const decoded = view();
    for (const c of [...decoded.server, ...decoded.client]) {
      const x = new X509Certificate(c.cert);
      expect(x.checkPrivateKey(createPrivateKey(c.key))).toBe(true);
      expect(x.subject).toBe(`CN=${c.commonName}`);
      expect(x.verify(new X509Certificate(ca.chainPem!).publicKey)).toBe(true);
    }
    const [top, svc] = decoded.server.map((c) => new X509Certificate(c.cert));
    expect(top!.subjectAltName).toBe('IP Address:10.0.0.5, DNS:kubernetes, DNS:kubernetes.default');
    expect(svc!.subjectAltName).toBe(
      'IP Address:10.152.183.1, IP Address:FD00:0:0:0:0:0:0:1, DNS:svc.cluster.local',
    );
    expect(new X509Certificate(decoded.client[0]!.cert).subjectAltName).toBeUndefined();
    expect(new X509Certificate(decoded.intermediate[0]!.cert).ca).toBe(true);
  });

  it('leaves answered requests alone, and re-issues when the SANs change or the CA rotates', async () => {
    await ca.answer(model, rel);
    const before = model.remoteUnitData(rel, 'easyrsa/0');
    expect((await ca.answer(model, rel)).issued).toBe(0);
    expect(model.remoteUnitData(rel, 'easyrsa/0')).toEqual(before);
    const { data } = encodeRequirerData({
      unitName: 'kcp/0',
      current: model.localUnitData(rel),
      requests: [{ type: 'client', commonName: 'system:kube-apiserver', sans: ['extra.example'] }],
    });
    model.setLocalUnitData(rel, data);
    expect((await ca.answer(model, rel)).issued).toBe(1);
    const rotated = await EmbeddedCa.create();
    await rotated.answer(model, rel);
    const oldCa = rotated.caPem;
    await rotated.rotate();
    expect(rotated.caPem).not.toBe(oldCa);
    expect(rotated.generation).toBe(1);
    expect((await rotated.answer(model, rel)).issued).toBe(4);
    expect(model.remoteUnitData(rel, 'easyrsa/0').ca).toBe(rotated.caPem);
  });

  it('adds the provider unit when the relation has none, and publishes the global client cert on request', async () => {
    const other = model.addRelation('certificates', 'vault');
    const result = await ca.answer(model, other, { globalClient: true });
    expect(result.providerUnit).toBe('vault/0');
    expect(model.remoteUnits(other)).toEqual(['vault/0']);
    const data = model.remoteUnitData(other, 'vault/0');
    expect(result.issued).toBe(0);
    expect(new X509Certificate(data['client.cert']!).subject).toBe('CN=client');
    expect(data['client.key']).toContain('PRIVATE KEY');
  });

  it('writes intermediate answers under app_data when asked', async () => {
    await ca.answer(model, rel, { intermediateShape: 'app_data' });
    expect(
      Object.keys(
        JSON.parse(model.remoteUnitData(rel, 'easyrsa/0')['kcp_0.processed_intermediate_requests']!),
      ),
    ).toEqual(['app_data']);
  });

  it('rejects an unknown fault mode', async () => {
    await expect(ca.answer(model, rel, { fault: 'nonsense' as FaultMode })).rejects.toThrow(TypeError);
  });
});

describe('EmbeddedCa faults', () => {
  let ca: EmbeddedCa;
  beforeAll(async () => {
    ca = await EmbeddedCa.create();
  });

  const clientCert = () => view().client[0];

  it.each<[FaultMode, () => void]>([
    [
      'garbage-json',
      () => {
        expect(model.remoteUnitData(rel, 'easyrsa/0')['kcp_0.processed_requests']).toBe(
          '{"this is": not json',
        );
        expect(view().problems.map((p) => p.key)).toContain('kcp_0.processed_requests');
      },
    ],
    [
      'mismatched-key',
      () => {
        const c = clientCert()!;
        expect(new X509Certificate(c.cert).checkPrivateKey(createPrivateKey(c.key))).toBe(false);
      },
    ],
    [
      'truncated-pem',
      () => {
        const c = clientCert()!;
        expect(c.cert).toContain('-----BEGIN CERTIFICATE-----');
        expect(c.cert).not.toContain('-----END CERTIFICATE-----');
        expect(extractPemBlocks(c.cert).filter((b) => b.kind === 'certificate')).toEqual([]);
      },
    ],
    [
      'text-dump',
      () => {
        const c = clientCert()!;
        expect(c.cert).toMatch(/^Certificate:\n {4}Data:\n/);
        const [block] = extractPemBlocks(c.cert);
        expect(new X509Certificate(block!.pem).verify(new X509Certificate(ca.caPem).publicKey)).toBe(true);
        expect(model.remoteUnitData(rel, 'easyrsa/0').ca).toMatch(/^Certificate:/);
      },
    ],
    [
      'huge-value',
      () => {
        const c = clientCert()!;
        expect(c.cert.length).toBeGreaterThan(1024 * 1024);
        expect(model.remoteUnitData(rel, 'easyrsa/0').ca!.length).toBeGreaterThan(1024 * 1024);
        expect(extractPemBlocks(c.cert).filter((b) => b.kind === 'certificate')).toHaveLength(1);
      },
    ],
    [
      'key-as-cert',
      () => {
        const c = clientCert()!;
        expect(c.cert).toBe(c.key);
        expect(c.cert).toContain('-----BEGIN PRIVATE KEY-----');
      },
    ],
  ])('%s publishes the bad data, and a clean answer repairs it', async (fault, check) => {
    await ca.answer(model, rel);
    expect((await ca.answer(model, rel, { fault })).issued).toBe(4);
    check();
    expect((await ca.answer(model, rel)).issued).toBe(4);
    const repaired = view();
    expect(repaired.problems).toEqual([]);
    expect(
      new X509Certificate(repaired.client[0]!.cert).checkPrivateKey(
        createPrivateKey(repaired.client[0]!.key),
      ),
    ).toBe(true);
  });
});

describe.skipIf(!hasOpenssl)('EmbeddedCa with openssl (skipped: the openssl binary is not installed)', () => {
  it.each([
    ['EC P-256 with an intermediate', { withIntermediate: true, keyType: 'ec' as const }],
    ['RSA 2048 without an intermediate', { withIntermediate: false, keyType: 'rsa' as const }],
  ])('issues certificates that openssl verify accepts: %s', async (_name, options) => {
    const ca = await EmbeddedCa.create(options);
    await ca.answer(model, rel);
    const decoded = view();
    const caFile = await file('ca.pem', ca.caPem);
    const chainArgs = ca.chainPem === undefined ? [] : ['-untrusted', await file('chain.pem', ca.chainPem)];
    const cases = [
      ...decoded.server.map((c) => ({ c, purpose: 'sslserver', eku: 'TLS Web Server Authentication' })),
      ...decoded.client.map((c) => ({ c, purpose: 'sslclient', eku: 'TLS Web Client Authentication' })),
    ];
    for (const [i, { c, purpose, eku }] of cases.entries()) {
      const leaf = await file(`leaf${i}.pem`, c.cert);
      const verify = openssl(['verify', '-CAfile', caFile, ...chainArgs, '-purpose', purpose, leaf]);
      expect(verify, c.commonName).toEqual({ status: 0, out: `${leaf}: OK\n` });
      expect(openssl(['x509', '-in', leaf, '-noout', '-ext', 'extendedKeyUsage']).out).toContain(eku);
    }
    const sans = openssl([
      'x509',
      '-in',
      await file('top.pem', decoded.server[0]!.cert),
      '-noout',
      '-ext',
      'subjectAltName',
    ]);
    expect(sans.out).toContain('IP Address:10.0.0.5, DNS:kubernetes, DNS:kubernetes.default');
    const sub = await file('sub.pem', decoded.intermediate[0]!.cert);
    expect(openssl(['verify', '-CAfile', caFile, ...chainArgs, sub]).status).toBe(0);
    expect(openssl(['x509', '-in', sub, '-noout', '-ext', 'basicConstraints']).out).toContain(
      'CA:TRUE, pathlen:0',
    );
  });

  it('issues expired certificates when validityDays is not positive', async () => {
    const ca = await EmbeddedCa.create({ validityDays: -1 });
    const pair = ca.issue({ type: 'server', commonName: 'old.example', sans: ['old.example'] });
    const verify = openssl([
      'verify',
      '-CAfile',
      await file('ca.pem', ca.caPem),
      await file('old.pem', pair.cert),
    ]);
    expect(verify.status).not.toBe(0);
    expect(verify.out).toContain('certificate has expired');
  });
});
