// Property tests over the whole codec: round trips between the two sides, and total decoding of
// arbitrary string maps (a result, or a ProtocolError, and nothing else).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CertRequest,
  type CertType,
  decodeProviderData,
  decodeRequirerData,
  encodeProviderData,
  encodeRequirerData,
  mergeUnitData,
  ProtocolError,
  pyJsonDumps,
} from '../src/index.js';
import { ProviderDatabag, RequirerDatabag } from '../src/schemas.js';

const commonName = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ minLength: 1, maxLength: 6, unit: 'binary' }),
);
const sans = fc.array(fc.oneof(fc.domain(), fc.ipV4(), fc.string({ maxLength: 8 })), { maxLength: 4 });

/** Requests with distinct (type, common name) pairs and at most one application request. */
const requestSet = fc
  .uniqueArray(
    fc.record({
      type: fc.constantFrom<CertType>('server', 'server', 'client', 'application', 'intermediate'),
      commonName,
      sans: fc.option(sans, { nil: null }),
    }),
    { selector: (r) => `${r.type}\u0000${r.commonName}`, maxLength: 12 },
  )
  .map((requests) => {
    const firstApplication = requests.findIndex((r) => r.type === 'application');
    return requests.filter((r, i) => r.type !== 'application' || i === firstApplication) as CertRequest[];
  });

const expectedSans = (r: CertRequest): string[] | null =>
  r.type === 'client' || r.type === 'application' ? r.sans : (r.sans ?? []);
const certFor = (type: string, cn: string): string => `cert|${type}|${cn}`;
const keyFor = (type: string, cn: string): string => `key|${type}|${cn}`;

describe('round trip: requirer encode → provider decode → provider encode → requirer decode', () => {
  it('delivers one certificate per request to the right place', () => {
    fc.assert(
      fc.property(
        requestSet,
        fc.constantFrom('app/0', 'kubernetes-control-plane/12'),
        (requests, unitName) => {
          const published = encodeRequirerData({
            unitName,
            requests,
            current: { 'private-address': '10.0.0.9' },
          });
          expect(published.problems).toEqual([]);

          // Provider side: every request comes back, with normalised SANs.
          const decoded = decodeRequirerData(published.data, 'remote-name/7');
          expect(decoded.problems).toEqual([]);
          expect(decoded.unitName).toBe(unitName.replace('/', '_'));
          const seen = decoded.requests.map((r) => [r.type, r.commonName, r.sans]);
          const asked = requests.map((r) => [r.type, r.commonName, expectedSans(r)]);
          expect(new Set(seen.map((x) => JSON.stringify(x)))).toEqual(
            new Set(asked.map((x) => JSON.stringify(x))),
          );
          expect(seen).toHaveLength(asked.length);
          const firstServer = requests.find((r) => r.type === 'server');
          expect(decoded.requests.filter((r) => r.topLevel).map((r) => r.commonName)).toEqual(
            firstServer ? [firstServer.commonName] : [],
          );

          const provider = encodeProviderData({
            ca: 'CA',
            answers: decoded.requests.map((request) => ({
              unitName: decoded.unitName,
              request,
              cert: certFor(request.type, request.commonName),
              key: keyFor(request.type, request.commonName),
            })),
          });
          expect(provider.problems).toEqual([]);
          // Every JSON value is canonical Python bytes.
          for (const [key, value] of Object.entries(provider.data)) {
            if (key.includes('.processed_')) expect(pyJsonDumps(JSON.parse(value))).toBe(value);
          }

          const view = decodeProviderData({
            unitName,
            units: [{ relationId: 'certificates:3', unit: 'ca/0', data: provider.data }],
            published: published.data,
          });
          expect(view.problems).toEqual([]);
          expect(view.ca).toBe('CA');
          const got = (list: { type: string; commonName: string; cert: string; key: string }[]) =>
            list.map((c) => [c.commonName, c.cert, c.key]);
          const want = (type: CertType) =>
            requests
              .filter((r) => r.type === type)
              .map((r) => [r.commonName, certFor(type, r.commonName), keyFor(type, r.commonName)]);
          // Server: the top-level one first, the rest in the provider's (sorted) key order.
          expect(got(view.server)[0]).toEqual(want('server')[0]);
          expect(new Set(got(view.server).map((x) => JSON.stringify(x)))).toEqual(
            new Set(want('server').map((x) => JSON.stringify(x))),
          );
          expect(view.server).toHaveLength(want('server').length);
          expect(new Set(got(view.client).map((x) => JSON.stringify(x)))).toEqual(
            new Set(want('client').map((x) => JSON.stringify(x))),
          );
          expect(view.client).toHaveLength(want('client').length);
          expect(new Set(got(view.intermediate).map((x) => JSON.stringify(x)))).toEqual(
            new Set(want('intermediate').map((x) => JSON.stringify(x))),
          );
          const application = requests.find((r) => r.type === 'application');
          expect(view.application?.cert).toBe(
            application ? certFor('application', application.commonName) : undefined,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is idempotent: encoding the same requests again changes nothing', () => {
    fc.assert(
      fc.property(requestSet, (requests) => {
        const first = encodeRequirerData({ unitName: 'app/0', requests });
        const again = encodeRequirerData({ unitName: 'app/0', requests, current: first.data });
        expect(again.changed).toBe(false);
      }),
    );
  });
});

// Arbitrary databags: known keys and random ones, holding random text, JSON, near-valid request and
// answer maps, and Python-only JSON tokens.
const jsonish = fc.oneof(
  fc.string(),
  fc.json(),
  fc.constantFrom('', 'null', 'NaN', '[Infinity]', '{"a": NaN}', '{}', '[]', '0', 'true', '"x"'),
  fc
    .dictionary(
      fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'app_data', '')),
      fc.oneof(
        fc.record({ sans: fc.oneof(fc.jsonValue(), fc.array(fc.string())) }, { requiredKeys: [] }),
        fc.record(
          { cert: fc.oneof(fc.string(), fc.jsonValue()), key: fc.oneof(fc.string(), fc.jsonValue()) },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
      { maxKeys: 4 },
    )
    .map((value) => JSON.stringify(value)),
);
const knownKeys = [
  'unit_name',
  'common_name',
  'sans',
  'certificate_name',
  'cert_requests',
  'client_cert_requests',
  'application_cert_requests',
  'intermediate_cert_requests',
  'ca',
  'chain',
  'client.cert',
  'client.key',
  'app_0.server.cert',
  'app_0.server.key',
  'app_0.processed_requests',
  'app_0.processed_client_requests',
  'app_0.processed_application_requests',
  'app_0.processed_intermediate_requests',
  '__proto__',
  'constructor',
];
const databag = fc.dictionary(fc.oneof(fc.constantFrom(...knownKeys), fc.string({ maxLength: 8 })), jsonish, {
  maxKeys: 10,
});
const units = fc.array(
  fc.record({
    relationId: fc.constantFrom('certificates:1', 'certificates:10', 'certificates:9'),
    unit: fc.constantFrom('ca/0', 'ca/2', 'ca/10'),
    data: databag,
  }),
  { maxLength: 3 },
);

function expectOnlyProtocolErrors(problems: unknown[], keys?: Set<string>): void {
  for (const problem of problems) {
    expect(problem).toBeInstanceOf(ProtocolError);
    const error = problem as ProtocolError;
    expect(error.code).toMatch(/^ERR_PROTOCOL_/);
    expect(typeof error.key).toBe('string');
    if (keys) expect(keys.has(error.key!)).toBe(true);
  }
}

describe('decoding arbitrary string maps', () => {
  it('decodeRequirerData always returns, with ProtocolError problems naming a present key', () => {
    fc.assert(
      fc.property(databag, (data) => {
        const result = decodeRequirerData(data, 'u/0');
        expectOnlyProtocolErrors(result.problems, new Set(Object.keys(data)));
        for (const request of result.requests) {
          expect(request.commonName).not.toBe('');
          if (request.sans !== null) expect(request.sans.every((s) => typeof s === 'string')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('decodeProviderData always returns, with ProtocolError problems naming a present key', () => {
    fc.assert(
      fc.property(units, databag, (remote, published) => {
        const merged = mergeUnitData(remote);
        const view = decodeProviderData({ unitName: 'app/0', units: remote, published });
        expectOnlyProtocolErrors(view.problems);
        for (const problem of view.problems) {
          // A missing half of a pair names the absent key; every other problem names a merged key.
          if (problem.code !== 'ERR_PROTOCOL_MISSING_FIELD' || problem.commonName !== undefined) {
            expect(Object.hasOwn(merged, problem.key!)).toBe(true);
          }
        }
        for (const cert of [...view.server, ...view.client, ...view.intermediate]) {
          expect(typeof cert.cert).toBe('string');
          expect(cert.cert).not.toBe('');
          expect(cert.key).not.toBe('');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the encoders accept any published databag as current', () => {
    fc.assert(
      fc.property(databag, requestSet, (current, requests) => {
        const requirer = encodeRequirerData({ unitName: 'app/0', requests, current, certificateName: 'n' });
        expectOnlyProtocolErrors(requirer.problems, new Set(Object.keys(current)));
        const provider = encodeProviderData({
          current,
          answers: requests.map((request) => ({ unitName: 'app/0', request, cert: 'c', key: 'k' })),
        });
        expectOnlyProtocolErrors(provider.problems, new Set(Object.keys(current)));
      }),
      { numRuns: 300 },
    );
  });

  it('the schemas never throw, and a databag RequirerDatabag accepts decodes without problems', () => {
    fc.assert(
      fc.property(databag, (data) => {
        const requirer = RequirerDatabag.safeParse(data);
        ProviderDatabag.safeParse(data);
        if (requirer.success) expect(decodeRequirerData(data, 'u/0').problems).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('a provider databag ProviderDatabag accepts has no map problems for any unit', () => {
    fc.assert(
      fc.property(databag, (data) => {
        if (!ProviderDatabag.safeParse(data).success) return;
        const view = decodeProviderData({
          unitName: 'app/0',
          units: [{ relationId: 'r:1', unit: 'ca/0', data }],
        });
        expect(view.problems.filter((p) => p.key?.includes('.processed_'))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
