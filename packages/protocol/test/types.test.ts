// The types are part of the codec's contract: check them, and that the public API leaks no `any`.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type CertType,
  type DatabagChanges,
  type Decoded,
  decodeProviderData,
  decodeRequirerData,
  encodeProviderData,
  encodeRequirerData,
  extractPemBlocks,
  type IssuedCertificate,
  mergeUnitData,
  type PemBlock,
  PROTOCOL_ERROR_CODES,
  ProtocolError,
  type ProtocolErrorCode,
  type ProviderView,
  parseJsonView,
  pyJsonDumps,
  type RequirerRequests,
} from '../src/index.js';

describe('public types', () => {
  it('types the codec functions as the contract says', () => {
    expectTypeOf(decodeProviderData).returns.toEqualTypeOf<ProviderView>();
    expectTypeOf(decodeRequirerData).returns.toEqualTypeOf<RequirerRequests>();
    expectTypeOf(encodeRequirerData).returns.toEqualTypeOf<DatabagChanges>();
    expectTypeOf(encodeProviderData).returns.toEqualTypeOf<DatabagChanges>();
    expectTypeOf(mergeUnitData).returns.toEqualTypeOf<Record<string, string>>();
    expectTypeOf(pyJsonDumps).returns.toEqualTypeOf<string>();
    expectTypeOf(parseJsonView).returns.toEqualTypeOf<unknown>();
    expectTypeOf(extractPemBlocks).returns.toEqualTypeOf<PemBlock[]>();
    expectTypeOf<ProviderView['problems']>().toEqualTypeOf<ProtocolError[]>();
    expectTypeOf<IssuedCertificate['type']>().toEqualTypeOf<CertType>();
    expectTypeOf<CertType>().toEqualTypeOf<'server' | 'client' | 'application' | 'intermediate'>();
    expectTypeOf<PemBlock['kind']>().toEqualTypeOf<'certificate' | 'private-key' | 'other'>();
  });

  it('gives ProtocolError a closed code union and the key at fault', () => {
    expectTypeOf<ProtocolError['code']>().toEqualTypeOf<ProtocolErrorCode>();
    expectTypeOf<ProtocolErrorCode>().toEqualTypeOf<
      | 'ERR_PROTOCOL_INVALID_JSON'
      | 'ERR_PROTOCOL_INVALID_SHAPE'
      | 'ERR_PROTOCOL_MISSING_FIELD'
      | 'ERR_PROTOCOL_INVALID_PEM'
      | 'ERR_PROTOCOL_TOO_LARGE'
    >();
    expectTypeOf<(typeof PROTOCOL_ERROR_CODES)[number]>().toEqualTypeOf<ProtocolErrorCode>();
    expect(new Set(PROTOCOL_ERROR_CODES).size).toBe(5);
    expectTypeOf<ProtocolError['index']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ProtocolError['key']>().toEqualTypeOf<string | undefined>();
    const error = new ProtocolError('ERR_PROTOCOL_INVALID_JSON', 'x', { key: 'k' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProtocolError');
    expect(error.key).toBe('k');
  });

  it('narrows Decoded<T> on ok', () => {
    const check = (result: Decoded<number>): number => {
      if (result.ok) {
        expectTypeOf(result.value).toEqualTypeOf<number>();
        return result.value;
      }
      expectTypeOf(result.error).toEqualTypeOf<ProtocolError>();
      return -1;
    };
    expect(check({ ok: true, value: 2 })).toBe(2);
  });

  it('rejects a request of an unknown type at compile time', () => {
    const input = {
      unitName: 'a/0',
      // @ts-expect-error 'peer' is not a CertType
      requests: [{ type: 'peer', commonName: 'x', sans: [] }] satisfies Parameters<
        typeof encodeRequirerData
      >[0]['requests'],
    };
    expect(() => encodeRequirerData(input as never)).toThrow(TypeError);
  });
});
