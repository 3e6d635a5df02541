import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CsrAttributes, createCsr, parseCsr } from '../src/index.js';

// Made by fixtures/make-golden.py with Python's `cryptography`, as the v4 requirer builds CSRs.
const golden = JSON.parse(readFileSync(new URL('./fixtures/golden-csrs.json', import.meta.url), 'utf8')) as {
  rsaKey: string;
  ecKey: string;
  cases: {
    name: string;
    attributes: CsrAttributes;
    uniqueId: string | null;
    tlsFeature: boolean;
    rsaCsr: string;
    ecCsr: string;
  }[];
};

function attributes(c: (typeof golden.cases)[number]): CsrAttributes {
  return {
    ...c.attributes,
    ...(c.tlsFeature
      ? {
          additionalCriticalExtensions: [
            { oid: '1.3.6.1.5.5.7.1.24', value: Buffer.from('3003020105', 'hex') },
          ],
        }
      : {}),
  };
}

describe('createCsr against Python cryptography', () => {
  it.each(golden.cases.map((c) => [c.name, c] as const))(
    'makes the same RSA CSR byte for byte: %s',
    async (_name, c) => {
      // RSA PKCS#1 v1.5 signatures are deterministic, so the whole CSR must match.
      const ours = await createCsr(golden.rsaKey, attributes(c), { uniqueId: c.uniqueId ?? undefined });
      expect(ours).toBe(c.rsaCsr);
    },
  );

  it.each(golden.cases.map((c) => [c.name, c] as const))(
    'encodes the same subject (string types, RDN order) and extensions with EC: %s',
    async (_name, c) => {
      const ours = await parseCsr(
        await createCsr(golden.ecKey, attributes(c), { uniqueId: c.uniqueId ?? undefined }),
      );
      const theirs = await parseCsr(c.ecCsr);
      expect(Buffer.from(ours.subjectDer).toString('hex')).toBe(
        Buffer.from(theirs.subjectDer).toString('hex'),
      );
      expect(ours.extensions).toEqual(theirs.extensions);
      expect(theirs.signatureValid).toBe(true);
    },
  );
});
