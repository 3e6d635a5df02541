import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCsrSync, parseCsrSync } from '../src/forge.js';
import { CsrError, createCsr, generatePrivateKey, MAX_PEM_BYTES, parseCsr } from '../src/index.js';

let key: string;
let pem: string;
beforeAll(async () => {
  key = await generatePrivateKey({ type: 'ec' });
  pem = await createCsr(key, { commonName: 'a.example', sansDns: ['a.example'] });
});

const body = () => pem.split('\n').slice(1, -1).join('\n');
const armour = (text: string, label = 'CERTIFICATE REQUEST') =>
  `-----BEGIN ${label}-----\n${text}\n-----END ${label}-----`;
// A self-signed certificate from node:crypto is not at hand; a CERTIFICATE block with CSR bytes
// and a real certificate made by the testing CA are both refused (see below).
const certificatePem = `-----BEGIN CERTIFICATE-----
MIIBdzCCAR2gAwIBAgIUNqjZ8CR2Y8Ok2Fs0TjQhDnJc3F8wCgYIKoZIzj0EAwIw
ETEPMA0GA1UEAwwGdGVzdGNhMB4XDTI2MDEwMTAwMDAwMFoXDTM2MDEwMTAwMDAw
MFowETEPMA0GA1UEAwwGdGVzdGNhMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
8y5Y3QmF0nW0x2VSZ9a6n6wH8Yk9r3z7x2mXl0m7b0rJ4k0b8nV1k7i7z5P0r4n6
k0nJ7m0l8b0r4n6k0nJ7m0l8b6NTMFEwHQYDVR0OBBYEFAAAAAAAAAAAAAAAAAAA
AAAAAAAAMB8GA1UdIwQYMBaAFAAAAAAAAAAAAAAAAAAAAAAAAAAAMA8GA1UdEwEB
/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAK1kUQ==
-----END CERTIFICATE-----`;

describe('parseCsr refuses bad input with a typed error', () => {
  it.each<[string, () => string, string]>([
    ['a 10 MB PEM, before parsing', () => armour('A'.repeat(10 * 1024 * 1024)), 'ERR_CSR_TOO_LARGE'],
    ['PEM armour around junk', () => armour('this is not base64 at all!'), 'ERR_CSR_INVALID_PEM'],
    [
      'PEM armour around base64 junk',
      () => armour(Buffer.from('junk junk junk junk').toString('base64')),
      'ERR_CSR_MALFORMED',
    ],
    ['a certificate where a CSR belongs', () => certificatePem, 'ERR_CSR_WRONG_TYPE'],
    ['a private key where a CSR belongs', () => key, 'ERR_CSR_WRONG_TYPE'],
    // Always a change: the first character of the body (a random body may hold no given letter).
    ['non-ASCII in the PEM', () => pem.replace(/\n./, '\nä'), 'ERR_CSR_NOT_ASCII'],
    ['a truncated PEM (no END line)', () => pem.split('\n').slice(0, 3).join('\n'), 'ERR_CSR_INVALID_PEM'],
    ['a truncated body', () => armour(body().replace(/\n/g, '').slice(0, 200)), 'ERR_CSR_MALFORMED'],
    ['two CSRs', () => `${pem}\n${pem}`, 'ERR_CSR_INVALID_PEM'],
    ['text outside the armour', () => `hello\n${pem}`, 'ERR_CSR_INVALID_PEM'],
    ['an empty body', () => armour(''), 'ERR_CSR_INVALID_PEM'],
    [
      'mismatched labels',
      () => pem.replace('END CERTIFICATE REQUEST', 'END CERTIFICATE'),
      'ERR_CSR_INVALID_PEM',
    ],
    ['an empty string', () => '', 'ERR_CSR_INVALID_PEM'],
  ])('%s', async (_name, input, code) => {
    const text = input();
    const error = await parseCsr(text).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'CsrError', code, input: 'csr' });
    expect((error as Error).message.length).toBeLessThan(200);
    expect(() => parseCsrSync(text)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a certificate DER inside CSR armour', async () => {
    const der = certificatePem.split('\n').slice(1, -1).join('\n');
    await expect(parseCsr(armour(der))).rejects.toMatchObject({ code: 'ERR_CSR_MALFORMED' });
  });

  it('checks the size before anything else', () => {
    expect(() => parseCsrSync(`ä${'A'.repeat(MAX_PEM_BYTES)}`)).toThrow(
      expect.objectContaining({ code: 'ERR_CSR_TOO_LARGE' }),
    );
  });

  it('throws TypeError for a non-string', async () => {
    await expect(parseCsr(42 as unknown as string)).rejects.toThrow(TypeError);
  });
});

describe('parseCsr', () => {
  it('reports a CSR whose signature does not verify', () => {
    const der = Buffer.from(body(), 'base64');
    der.writeUInt8(der.readUInt8(der.length - 5) ^ 0xff, der.length - 5);
    const tampered = parseCsrSync(armour(der.toString('base64')));
    expect(tampered.signatureValid).toBe(false);
    expect(parseCsrSync(pem).signatureValid).toBe(true);
  });

  it('reads CSRs of keys it cannot make (Ed25519) without failing', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const csr = parseCsrSync(createCsrSync(privateKey, { commonName: 'p384' }));
    expect(csr.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  });

  it('accepts the NEW CERTIFICATE REQUEST label and CRLF line ends', () => {
    const legacy = pem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST').replace(/\n/g, '\r\n');
    expect(parseCsrSync(legacy).pem).toBe(pem);
  });
});

describe('parseCsr on random input', () => {
  const parsesOrCsrError = (text: string) => {
    try {
      parseCsrSync(text);
    } catch (error) {
      expect(error).toBeInstanceOf(CsrError);
    }
  };

  it('gives a CsrError, never another exception, for random bytes in CSR armour', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        parsesOrCsrError(armour(Buffer.from(bytes).toString('base64')));
      }),
      { numRuns: 500 },
    );
  });

  it('gives a CsrError or a result for a real CSR with bytes changed, cut or inserted', () => {
    const der = Buffer.from(body().replace(/\n/g, ''), 'base64');
    fc.assert(
      fc.property(
        fc.nat(der.length - 1),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('flip', 'cut', 'insert'),
        (at, byte, how) => {
          const changed =
            how === 'flip'
              ? Buffer.concat([der.subarray(0, at), Buffer.from([byte]), der.subarray(at + 1)])
              : how === 'cut'
                ? der.subarray(0, at)
                : Buffer.concat([der.subarray(0, at), Buffer.from([byte]), der.subarray(at)]);
          parsesOrCsrError(armour(changed.toString('base64')));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives a CsrError for any random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => parsesOrCsrError(text)),
      { numRuns: 300 },
    );
  });
});
