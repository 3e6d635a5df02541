import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCsr, generatePrivateKey, parseCsr, publicKeyMatches } from '../src/index.js';
import { hasOpenssl } from './helpers.js';

describe('generatePrivateKey', () => {
  it('writes RSA 2048 as PKCS#1 and EC P-256 as SEC 1, stripped, as the Python requirer does', async () => {
    const rsa = await generatePrivateKey();
    expect(rsa).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----$/);
    const details = createPrivateKey(rsa).asymmetricKeyDetails;
    expect(details).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
    const ec = await generatePrivateKey({ type: 'ec' });
    expect(ec).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n[\s\S]+\n-----END EC PRIVATE KEY-----$/);
    expect(createPrivateKey(ec).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('throws TypeError for an impossible option', async () => {
    await expect(generatePrivateKey({ rsaBits: 1024 as 2048 })).rejects.toThrow(TypeError);
    await expect(generatePrivateKey({ type: 'dsa' as 'rsa' })).rejects.toThrow(TypeError);
  });
});

describe('publicKeyMatches', () => {
  it('tells whether a private key belongs to a parsed CSR, a public key or a certificate', async () => {
    const key = await generatePrivateKey({ type: 'ec' });
    const other = await generatePrivateKey({ type: 'ec' });
    const csr = await parseCsr(await createCsr(key, { commonName: 'x' }));
    expect(publicKeyMatches(key, csr)).toBe(true);
    expect(publicKeyMatches(other, csr)).toBe(false);
    expect(publicKeyMatches(createPrivateKey(key), csr.publicKey)).toBe(true);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(publicKeyMatches(rsa.privateKey, csr)).toBe(false);
  });

  it.skipIf(!hasOpenssl)('compares with a certificate PEM (made by openssl for this test)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'csr-cert-'));
    try {
      const run = spawnSync('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=t',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
        '-days',
        '1',
      ]);
      expect(run.status).toBe(0);
      const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
      expect(publicKeyMatches(readFileSync(join(dir, 'k.pem'), 'utf8'), cert)).toBe(true);
      expect(publicKeyMatches(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, cert)).toBe(
        false,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a CSR PEM string (parse it first), junk and a bad key with typed errors', async () => {
    const key = await generatePrivateKey({ type: 'ec' });
    const csr = await createCsr(key, { commonName: 'x' });
    expect(() => publicKeyMatches(key, csr)).toThrow(
      expect.objectContaining({ code: 'ERR_CSR_WRONG_TYPE', input: 'certificate' }),
    );
    expect(() =>
      publicKeyMatches(key, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    ).toThrow(expect.objectContaining({ code: 'ERR_CSR_MALFORMED' }));
    expect(() => publicKeyMatches('nope', csr)).toThrow(
      expect.objectContaining({ code: 'ERR_CSR_INVALID_KEY' }),
    );
    expect(() => publicKeyMatches(key, 42 as unknown as string)).toThrow(TypeError);
  });
});

describe('the package entry', () => {
  it('does not load node-forge until a CSR is made or read', () => {
    const dist = new URL('../dist/index.js', import.meta.url).pathname;
    const script = `
      import { createRequire } from 'node:module';
      const m = await import(${JSON.stringify(dist)});
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('node-forge'));
      const key = await m.generatePrivateKey({ type: 'ec' });
      const before = loaded();
      await m.parseCsr(await m.createCsr(key, { commonName: 'x' }));
      console.log(JSON.stringify([before, loaded()]));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([false, true]);
  });
});
