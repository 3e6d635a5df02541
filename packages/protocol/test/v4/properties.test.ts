// Property tests of the v4 codec: round trips between the two sides, key-level updates that keep
// foreign keys, and total decoding of arbitrary databags (values or per-entry problems, no throw).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CAPABILITIES_KEY,
  CERTIFICATES_KEY,
  CSR_REQUESTS_KEY,
  decodeProviderAppData,
  decodeRequirerRequests,
  detectDialect,
  encodeCsrRequests,
  encodeProviderAppData,
  PROTOCOL_ERROR_CODES,
  ProtocolError,
  REQUEST_ERRORS_KEY,
} from '../../src/v4.js';
import { CA, CERT, CSR_EC, csrVariant } from './helpers.js';

const OUR_KEYS = [CSR_REQUESTS_KEY, CERTIFICATES_KEY, REQUEST_ERRORS_KEY, CAPABILITIES_KEY];
const layout = fc.constantFrom(
  (pem: string) => pem,
  (pem: string) => pem.replaceAll('\n', '\r\n'),
  (pem: string) => `\n  ${pem}\n\n`,
);
/** 1 to 4 distinct CSRs, each laid out in some way. */
const csrs = fc
  .uniqueArray(fc.nat({ max: 200 }), { minLength: 1, maxLength: 4 })
  .chain((seeds) =>
    fc.tuple(...seeds.map((seed) => layout.map((f) => ({ seed, pem: f(csrVariant(seed)) })))),
  );
const foreign = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 10 }).filter((key) => !OUR_KEYS.includes(key)),
  fc.string({ minLength: 1 }),
  { maxKeys: 4 },
);

function isKnownProblem(problem: unknown): boolean {
  return (
    problem instanceof ProtocolError && (PROTOCOL_ERROR_CODES as readonly string[]).includes(problem.code)
  );
}

describe('v4 round trips', () => {
  it('a requirer’s CSRs reach the provider unchanged (canonical), with their ca flag and index', () => {
    fc.assert(
      fc.property(
        csrs,
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        foreign,
        (list, flags, current) => {
          const requests = list.map(({ pem }, i) => ({ certificateSigningRequest: pem, ca: flags[i]! }));
          const { data } = encodeCsrRequests({ current, requests });
          const decoded = decodeRequirerRequests({ units: [{ relationId: 'r:1', unit: 'a/0', data }] });
          expect(decoded.problems).toEqual([]);
          expect(decoded.requests).toEqual(
            list.map(({ seed }, i) => ({
              relationId: 'r:1',
              unit: 'a/0',
              certificateSigningRequest: csrVariant(seed),
              ca: flags[i],
              index: i,
            })),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a provider’s answers reach the requirer unchanged (canonical)', () => {
    const text = fc.string({ maxLength: 20 });
    fc.assert(
      fc.property(
        csrs,
        fc.option(fc.boolean(), { nil: undefined }),
        fc.constantFrom(undefined, [], [CERT, CA]),
        fc.record(
          {
            supportsIpSans: fc.boolean(),
            allowedDomains: fc.array(text, { maxLength: 2 }),
            providerType: text,
          },
          { requiredKeys: [] },
        ),
        foreign,
        (list, revoked, chain, capabilities, current) => {
          const certificates = list.map(({ pem }) => ({
            ca: CA,
            certificateSigningRequest: pem,
            certificate: CERT,
            chain,
            revoked,
          }));
          const requestErrors = [
            { csr: CSR_EC, error: { code: 103, name: 'WILDCARD_NOT_ALLOWED', message: 'm' } },
          ];
          const { data } = encodeProviderAppData({ current, certificates, requestErrors, capabilities });
          const read = decodeProviderAppData(data);
          expect(read.problems).toEqual([]);
          expect(read.certificates).toEqual(
            list.map(({ seed }, index) => ({
              ca: CA.trim(),
              certificateSigningRequest: csrVariant(seed),
              certificate: CERT.trim(),
              chain: chain === undefined ? [] : chain.map((pem) => pem.trim()),
              ...(revoked === undefined ? {} : { revoked }),
              index,
            })),
          );
          expect(read.requestErrors).toEqual([{ ...requestErrors[0], csr: CSR_EC.trim(), index: 0 }]);
          expect(read.capabilities).toEqual(capabilities);
          expect(detectDialect({ app: data })).toBe('v4');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the encoders change only their own keys', () => {
    fc.assert(
      fc.property(foreign, csrs, (current, list) => {
        const requests = list.map(({ pem }) => ({ certificateSigningRequest: pem, ca: false }));
        for (const { data, set, deleted } of [
          encodeCsrRequests({ current, requests }),
          encodeCsrRequests({ current, requests: [] }),
          encodeProviderAppData({ current, certificates: [], requestErrors: [], capabilities: {} }),
        ]) {
          for (const key of Object.keys(current)) expect(data[key]).toBe(current[key]);
          for (const key of [...Object.keys(set), ...deleted]) expect(OUR_KEYS).toContain(key);
        }
      }),
    );
  });
});

// Arbitrary values for the v4 keys: random text, random JSON, and lists of near-valid entries.
const pemish = fc.oneof(
  fc.constantFrom(CSR_EC, CERT, CA, csrVariant(1), '', 'garbage'),
  fc.nat({ max: CERT.length }).map((n) => CERT.slice(0, n)),
  fc.string(),
  fc.jsonValue(),
);
const nearEntry = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      certificate_signing_request: pemish,
      ca: fc.oneof(fc.boolean(), pemish),
      certificate: pemish,
      chain: fc.oneof(fc.array(pemish, { maxLength: 3 }), pemish),
      revoked: fc.oneof(fc.boolean(), fc.jsonValue()),
      csr: pemish,
      error: fc.oneof(
        fc.record(
          { code: fc.oneof(fc.integer(), fc.jsonValue()), name: pemish, message: pemish, reason: pemish },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  ),
);
const value = fc.oneof(
  fc.string(),
  fc.json(),
  fc.constantFrom('', 'null', '[', '{}', '[]', 'NaN', '[[[[[]]]]]'),
  fc.array(nearEntry, { maxLength: 4 }).map((list) => JSON.stringify(list)),
  // JSON.parse makes "__proto__" an own key; the decoders must read it as an unknown field.
  fc
    .array(nearEntry, { maxLength: 4 })
    .map((list) => JSON.stringify(list).replaceAll('{"', '{"__proto__": {"ca": true, "revoked": true}, "')),
  fc
    .record(
      {
        supports_ip_sans: fc.jsonValue(),
        allowed_domains: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
        provider_type: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    .map((record) => JSON.stringify(record)),
);
const databag = fc.dictionary(
  fc.oneof(fc.constantFrom(...OUR_KEYS, '__proto__', 'ca'), fc.string({ maxLength: 8 })),
  value,
  {
    maxKeys: 6,
  },
);

describe('v4 decoders on arbitrary databags', () => {
  it('decodeRequirerRequests gives requests or per-entry problems, never a throw', () => {
    fc.assert(
      fc.property(fc.array(databag, { maxLength: 3 }), databag, (units, app) => {
        const result = decodeRequirerRequests({
          units: units.map((data, i) => ({ relationId: 'r:1', unit: `a/${i}`, data })),
          apps: [{ relationId: 'r:1', app: 'a', data: app }],
        });
        expect(result.problems.every(isKnownProblem)).toBe(true);
        for (const problem of result.problems) expect(problem.key).toBe(CSR_REQUESTS_KEY);
        for (const request of result.requests) expect(typeof request.ca).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('decodeProviderAppData gives entries or per-entry problems, never a throw', () => {
    fc.assert(
      fc.property(databag, (data) => {
        const result = decodeProviderAppData(data);
        expect(result.problems.every(isKnownProblem)).toBe(true);
        for (const problem of result.problems) expect(OUR_KEYS).toContain(problem.key);
        for (const entry of result.certificates) expect(Array.isArray(entry.chain)).toBe(true);
        detectDialect({ app: data, units: [{ unit: 'p/0', data }] });
      }),
      { numRuns: 300 },
    );
  });
});
