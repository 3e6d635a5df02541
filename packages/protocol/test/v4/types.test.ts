// The v4 types are the contract other packages code against: check them.
import { describe, expectTypeOf, it } from 'vitest';
import {
  type CsrRequestEntry,
  canonicalPem,
  type DatabagChanges,
  type Dialect,
  type decodeProviderAppData,
  type decodeRequirerRequests,
  detectDialect,
  encodeCsrRequests,
  encodeProviderAppData,
  type ProtocolError,
  type ProviderCapabilities,
  type ProviderCertificateEntry,
  pemEquals,
  type RequestErrorEntry,
} from '../../src/v4.js';

describe('v4 public types', () => {
  it('types the codec functions as the contract says', () => {
    expectTypeOf(encodeCsrRequests).returns.toEqualTypeOf<DatabagChanges>();
    expectTypeOf(encodeProviderAppData).returns.toEqualTypeOf<DatabagChanges>();
    expectTypeOf(canonicalPem).toEqualTypeOf<(pem: string) => string | undefined>();
    expectTypeOf(pemEquals).toEqualTypeOf<(a: string, b: string) => boolean>();
    expectTypeOf(detectDialect).returns.toEqualTypeOf<Dialect>();
    expectTypeOf<Dialect>().toEqualTypeOf<'legacy' | 'v4' | 'unknown'>();
    expectTypeOf<Parameters<typeof encodeCsrRequests>[0]['requests']>().toEqualTypeOf<
      readonly CsrRequestEntry[]
    >();
  });

  it('gives decoders entries with their index, and problems as ProtocolError', () => {
    type Provider = ReturnType<typeof decodeProviderAppData>;
    expectTypeOf<Provider['certificates'][number]>().toEqualTypeOf<
      ProviderCertificateEntry & { index: number }
    >();
    expectTypeOf<Provider['requestErrors'][number]>().toEqualTypeOf<RequestErrorEntry & { index: number }>();
    expectTypeOf<Provider['capabilities']>().toEqualTypeOf<ProviderCapabilities | undefined>();
    expectTypeOf<Provider['problems']>().toEqualTypeOf<ProtocolError[]>();
    type Requests = ReturnType<typeof decodeRequirerRequests>;
    expectTypeOf<Requests['requests'][number]['index']>().toEqualTypeOf<number>();
    expectTypeOf<Requests['requests'][number]['ca']>().toEqualTypeOf<boolean>();
    expectTypeOf<Requests['problems']>().toEqualTypeOf<ProtocolError[]>();
  });

  it('accepts a decoded certificate entry as encoder input', () => {
    const entry = {} as ProviderCertificateEntry;
    expectTypeOf(entry).toExtend<Parameters<typeof encodeProviderAppData>[0]['certificates'][number]>();
  });
});
