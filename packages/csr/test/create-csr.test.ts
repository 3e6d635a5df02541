import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attributesEqual,
  attributesOfCsr,
  type CsrAttributes,
  createCsr,
  generatePrivateKey,
  parseCsr,
  publicKeyMatches,
} from '../src/index.js';
import { hasOpenssl, opensslVerifyCsr } from './helpers.js';

const keys: Record<'rsa' | 'ec', string> = { rsa: '', ec: '' };
beforeAll(async () => {
  keys.rsa = await generatePrivateKey();
  keys.ec = await generatePrivateKey({ type: 'ec' });
});

const everything: CsrAttributes = {
  commonName: 'web-0.example',
  sansDns: ['web-0.example', 'web.example'],
  sansIp: ['10.0.0.7', 'FD00:0::1'],
  sansOid: ['1.3.6.1.4.1.99999.1'],
  organization: 'Org',
  organizationalUnit: 'Unit',
  emailAddress: 'ops@example.com',
  countryName: 'GB',
  stateOrProvinceName: 'England',
  localityName: 'London',
  additionalCriticalExtensions: [{ oid: '1.3.6.1.5.5.7.1.24', value: Buffer.from('3003020105', 'hex') }],
};

describe('createCsr', () => {
  it.each(['rsa', 'ec'] as const)(
    'makes a %s CSR whose subject follows the v4 order, one RDN each',
    async (type) => {
      const pem = await createCsr(keys[type], everything);
      expect(pem).toMatch(
        /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+\n-----END CERTIFICATE REQUEST-----$/,
      );
      const csr = await parseCsr(pem);
      expect(csr.subjectAttributes.map((a) => a.oid)).toEqual([
        '2.5.4.3',
        '2.5.4.45',
        '2.5.4.10',
        '2.5.4.11',
        '1.2.840.113549.1.9.1',
        '2.5.4.6',
        '2.5.4.8',
        '2.5.4.7',
      ]);
      expect(csr.subject.uniqueId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(csr.sansDns).toEqual(['web-0.example', 'web.example']);
      expect(csr.sansIp).toEqual(['10.0.0.7', 'fd00::1']);
      expect(csr.sansOid).toEqual(['1.3.6.1.4.1.99999.1']);
      expect(csr.extensions.map((e) => [e.oid, e.critical])).toEqual([
        ['2.5.29.17', false],
        ['1.3.6.1.5.5.7.1.24', true],
      ]);
      expect(csr.signatureValid).toBe(true);
      expect(publicKeyMatches(keys[type], csr)).toBe(true);
      expect(attributesEqual(attributesOfCsr(csr), everything)).toBe(true);
    },
  );

  it('puts a fresh unique id in every CSR, so the same key and attributes give different CSRs', async () => {
    const [a, b] = await Promise.all([
      createCsr(keys.ec, { commonName: 'x' }),
      createCsr(keys.ec, { commonName: 'x' }),
    ]);
    expect(a).not.toBe(b);
    expect((await parseCsr(a)).subject.uniqueId).not.toBe((await parseCsr(b)).subject.uniqueId);
  });

  it('leaves the unique id out when asked, and writes no SAN extension without SANs', async () => {
    const csr = await parseCsr(await createCsr(keys.rsa, { commonName: 'db.example', addUniqueId: false }));
    expect(csr.subjectAttributes).toEqual([{ oid: '2.5.4.3', value: 'db.example' }]);
    expect(csr.extensions).toEqual([]);
  });

  it.each<[string, CsrAttributes]>([
    ['no CN and no SAN', { organization: 'Org' }],
    ['a CN over 64 characters', { commonName: 'a'.repeat(65) }],
    ['a country that is not two letters', { commonName: 'x', countryName: 'FRA' }],
    ['a bad IP', { sansIp: ['10.0.0.300'] }],
    ['a bad OID', { sansOid: ['1.2.x'] }],
    ['a non-ASCII DNS name (pass the A-label)', { sansDns: ['bücher.example'] }],
    [
      'a SAN given as an extra extension',
      {
        commonName: 'x',
        additionalCriticalExtensions: [{ oid: '2.5.29.17', value: new Uint8Array([48, 0]) }],
      },
    ],
  ])('throws TypeError for %s', async (_name, attributes) => {
    await expect(createCsr(keys.ec, attributes)).rejects.toThrow(TypeError);
  });

  it('refuses a key that does not parse, with a typed error that does not echo the key', async () => {
    const bad = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0IHNlY3JldA==\n-----END PRIVATE KEY-----';
    const error = await createCsr(bad, { commonName: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'CsrError', code: 'ERR_CSR_INVALID_KEY', input: 'privateKey' });
    expect(String((error as Error).message)).not.toContain('c2VjcmV0');
  });

  it('refuses an Ed25519 key as unsupported', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ed25519');
    await expect(createCsr(privateKey, { commonName: 'x' })).rejects.toMatchObject({
      code: 'ERR_CSR_UNSUPPORTED_KEY',
    });
  });
});

describe.skipIf(!hasOpenssl)('createCsr with openssl (skipped: the openssl binary is not installed)', () => {
  it.each(['rsa', 'ec'] as const)('makes %s CSRs that openssl req -verify accepts', async (type) => {
    for (const attributes of [
      everything,
      { commonName: 'only.example' },
      { sansIp: ['::1'], addUniqueId: false },
    ]) {
      const run = opensslVerifyCsr(await createCsr(keys[type], attributes), ['-text']);
      expect(run.status, run.out).toBe(0);
      expect(run.out).toMatch(/verify OK/);
    }
  });

  it('writes the SANs openssl shows as Registered ID, IP Address and DNS', async () => {
    const run = opensslVerifyCsr(await createCsr(keys.rsa, everything), ['-text']);
    expect(run.out).toContain(
      'Registered ID:1.3.6.1.4.1.99999.1, IP Address:10.0.0.7, IP Address:FD00:0:0:0:0:0:0:1, DNS:web-0.example, DNS:web.example',
    );
    expect(run.out).toContain('TLS Feature: critical');
  });
});

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const attributesArb = fc.record(
  {
    commonName: fc.string({ minLength: 1, maxLength: 64 }),
    sansDns: fc.uniqueArray(
      fc.tuple(label, label).map(([a, b]) => `${a}.${b}`),
      { maxLength: 4 },
    ),
    sansIp: fc.uniqueArray(fc.oneof(fc.ipV4(), fc.ipV6()), { maxLength: 4 }),
    sansOid: fc.uniqueArray(
      fc.array(fc.nat(99999), { minLength: 1, maxLength: 5 }).map((a) => `1.3.${a.join('.')}`),
      { maxLength: 3 },
    ),
    organization: fc.string({ minLength: 1, maxLength: 30 }),
    emailAddress: fc.emailAddress(),
    countryName: fc.stringMatching(/^[A-Z]{2}$/),
    localityName: fc.string({ minLength: 1, maxLength: 30 }),
    addUniqueId: fc.boolean(),
  },
  { requiredKeys: ['commonName'] },
);

describe('createCsr and parseCsr round trip', () => {
  it('parses back the attributes it was built from (random attributes, EC key)', async () => {
    await fc.assert(
      fc.asyncProperty(attributesArb, async (attributes) => {
        const csr = await parseCsr(await createCsr(keys.ec, attributes));
        expect(csr.signatureValid).toBe(true);
        expect(attributesEqual(attributesOfCsr(csr), attributes)).toBe(true);
        expect(csr.subject.commonName).toBe(attributes.commonName);
      }),
      { numRuns: 60 },
    );
  });

  it('re-serialises a parsed CSR to the same PEM, and a certificate key check agrees with node:crypto', async () => {
    const pem = await createCsr(keys.rsa, everything);
    expect((await parseCsr(`\n${pem.replace(/\n/g, '\r\n')}\n\n`)).pem).toBe(pem);
    expect(() => new X509Certificate(pem)).toThrow();
  });
});
