// Benchmarks of @tls-client/protocol against plain JSON.parse of the same values, in the same run.
//   node tooling/bench/run.mjs protocol      (build first: pnpm --filter @tls-client/protocol build)
// 1. Provider side: decodeRequirerData over N requirer units (N = 10, 100, 1000), 10 requests each.
// 2. Requirer side: decodeProviderData of one provider databag holding 100 certificates.
// 3. Encoding: pyJsonDumps vs JSON.stringify of the same answer map.
// 4. v4 provider side: decodeRequirerRequests over N requirer units (N = 100, 300, 1000), 3 CSRs
//    each (aim: linear, and at most 3x JSON.parse of the same values).
// 5. v4 requirer side: decodeProviderAppData of a `certificates` list of 300 entries.
// Cost per unit should stay flat as N grows (linear total cost).

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  decodeProviderData,
  decodeRequirerData,
  encodeProviderData,
  encodeRequirerData,
  pyJsonDumps,
} from '../../packages/protocol/dist/index.js';
import {
  decodeProviderAppData,
  decodeRequirerRequests,
  encodeCsrRequests,
  encodeProviderAppData,
} from '../../packages/protocol/dist/v4.js';
import { report } from './lib.mjs';

/**
 * Like lib.mjs's median, for a subject and its baseline at once: runs alternate between the two, so
 * load from other processes (CI runs tests beside benches) hits both alike and the ratio stays
 * meaningful. Returns both medians in milliseconds.
 */
async function pairedMedian(subject, baseline, { runs = 15, warmup = 3 } = {}) {
  for (let i = 0; i < warmup; i++) {
    await subject();
    await baseline();
  }
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    globalThis.gc?.();
    let start = performance.now();
    await subject();
    a.push(performance.now() - start);
    globalThis.gc?.();
    start = performance.now();
    await baseline();
    b.push(performance.now() - start);
  }
  const mid = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return { ms: mid(a), baselineMs: mid(b) };
}

const JSON_REQUIRER_KEYS = [
  'sans',
  'cert_requests',
  'client_cert_requests',
  'application_cert_requests',
  'intermediate_cert_requests',
];

/** A requirer databag with 10 requests: 6 server (1 top-level), 2 client, 1 application, 1 intermediate. */
function requirerDatabag(i) {
  const host = `unit-${i}.app.internal`;
  const sans = (cn) => [cn, `10.${(i >> 8) & 255}.${i & 255}.1`, `${cn}.svc.cluster.local`];
  const requests = [
    ...Array.from({ length: 6 }, (_, k) => ({
      type: 'server',
      commonName: `s${k}.${host}`,
      sans: sans(`s${k}`),
    })),
    { type: 'client', commonName: `system:client-${i}`, sans: null },
    { type: 'client', commonName: `admin-${i}`, sans: [] },
    { type: 'application', commonName: `app-${i}`, sans: sans('app') },
    { type: 'intermediate', commonName: `ica-${i}`, sans: null },
  ];
  return encodeRequirerData({
    unitName: `app/${i}`,
    requests,
    current: {
      'private-address': '10.0.0.1',
      'ingress-address': '10.0.0.1',
      'egress-subnets': '10.0.0.1/32',
    },
    certificateName: `name-${i}`,
  }).data;
}

/** Base64-looking PEM text of a realistic size (a 2048-bit RSA certificate is ~1.2 kB). */
function fakePem(label, seed, bytes) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let body = '';
  let x = seed * 2654435761;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    body += alphabet[x & 63];
  }
  const lines = body.match(/.{1,64}/g).join('\n');
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
}

// Keeps results reachable, so the engine cannot drop the work as dead code.
let sink;
function consume(value) {
  sink = value;
}

// --- 1. Provider side -------------------------------------------------------------------------
const providerRows = [];
// Linear cost means flat µs/unit. Where JSON.parse's own µs/unit grows too (1000 distinct databags
// outgrow the CPU caches), the machine, not the codec, is the cause: compare the two growth columns.
let perUnitAt10;
let baselinePerUnitAt10;
for (const n of [10, 100, 1000]) {
  const units = Array.from({ length: n }, (_, i) => ({ unit: `app/${i}`, data: requirerDatabag(i) }));
  const requests = decodeRequirerData(units[0].data, units[0].unit).requests.length;
  if (requests !== 10) throw new Error(`expected 10 requests per unit, got ${requests}`);
  // Every sample decodes 10 000 units (N units, 10 000 / N times), so small N is not timer noise.
  const reps = 10_000 / n;
  const timed = await pairedMedian(
    () => {
      for (let r = 0; r < reps; r++)
        for (const { unit, data } of units) consume(decodeRequirerData(data, unit));
    },
    () => {
      for (let r = 0; r < reps; r++) {
        for (const { data } of units) {
          for (const key of JSON_REQUIRER_KEYS) if (data[key] !== undefined) consume(JSON.parse(data[key]));
        }
      }
    },
    { runs: 15, warmup: 3 },
  );
  const ms = timed.ms / reps;
  const baselineMs = timed.baselineMs / reps;
  const perUnitUs = (ms * 1000) / n;
  const baselinePerUnitUs = (baselineMs * 1000) / n;
  perUnitAt10 ??= perUnitUs;
  baselinePerUnitAt10 ??= baselinePerUnitUs;
  providerRows.push({
    case: `decodeRequirerData x ${n} units`,
    ms,
    baselineMs,
    extra: {
      'µs/unit': perUnitUs.toFixed(2),
      'JSON.parse µs/unit': baselinePerUnitUs.toFixed(2),
      'µs/unit vs N=10': `${(perUnitUs / perUnitAt10).toFixed(2)}x`,
      'JSON.parse µs/unit vs N=10': `${(baselinePerUnitUs / baselinePerUnitAt10).toFixed(2)}x`,
    },
  });
}
report(
  'Provider side: decode N requirer units, 10 requests each (baseline: JSON.parse of their JSON values)',
  providerRows,
);

// --- 2. Requirer side -------------------------------------------------------------------------
const answerTypes = [
  ...Array.from({ length: 60 }, (_, k) => ['server', `s${k}.app.internal`]),
  ...Array.from({ length: 30 }, (_, k) => ['client', `client-${k}`]),
  ...Array.from({ length: 8 }, (_, k) => ['intermediate', `ica-${k}`]),
  ['application', 'app'],
];
const answers = [
  { type: 'server', commonName: 'top.app.internal', topLevel: true },
  ...answerTypes.map(([type, commonName]) => ({ type, commonName, topLevel: false })),
].map((request, i) => ({
  unitName: 'app/0',
  request: { ...request, sans: [] },
  cert: fakePem('CERTIFICATE', i, 1200),
  key: fakePem('PRIVATE KEY', i + 1000, 1620),
}));
const provider = encodeProviderData({ ca: fakePem('CERTIFICATE', 9999, 1200), answers }).data;
const units = [{ relationId: 'certificates:1', unit: 'ca/0', data: provider }];
const published = { common_name: 'top.app.internal' };
const view = decodeProviderData({ unitName: 'app/0', units, published });
const total = view.server.length + view.client.length + view.intermediate.length + (view.application ? 1 : 0);
if (total !== 100 || view.problems.length > 0) throw new Error(`expected 100 certificates, got ${total}`);
const jsonValues = Object.entries(provider)
  .filter(([key]) => key.includes('.processed_'))
  .map(([, value]) => value);
// 100 decodes per sample, so one sample is well above timer resolution.
const { ms: requirerMs, baselineMs: requirerBaseline } = await pairedMedian(
  () => {
    for (let r = 0; r < 100; r++) consume(decodeProviderData({ unitName: 'app/0', units, published }));
  },
  () => {
    for (let r = 0; r < 100; r++) for (const value of jsonValues) consume(JSON.parse(value));
  },
  { runs: 21, warmup: 3 },
).then(({ ms, baselineMs }) => ({ ms: ms / 100, baselineMs: baselineMs / 100 }));
report(
  'Requirer side: decode one provider databag holding 100 certificates (baseline: JSON.parse of its JSON values)',
  [
    {
      case: 'decodeProviderData, 100 certificates',
      ms: requirerMs,
      baselineMs: requirerBaseline,
      extra: {
        'µs/certificate': ((requirerMs * 1000) / 100).toFixed(2),
        'databag kB': (JSON.stringify(provider).length / 1024).toFixed(0),
      },
    },
  ],
);

// --- 3. Encoding ----------------------------------------------------------------------------------
const answerMap = JSON.parse(provider['app_0.processed_requests']);
const { ms: dumpsMs, baselineMs: stringifyMs } = await pairedMedian(
  () => {
    for (let r = 0; r < 100; r++) consume(pyJsonDumps(answerMap));
  },
  () => {
    for (let r = 0; r < 100; r++) consume(JSON.stringify(answerMap));
  },
  { runs: 21, warmup: 3 },
).then(({ ms, baselineMs }) => ({ ms: ms / 100, baselineMs: baselineMs / 100 }));
report('Encoding: pyJsonDumps vs JSON.stringify of a 60-entry answer map', [
  { case: 'pyJsonDumps (sorted keys, ensure_ascii)', ms: dumpsMs, baselineMs: stringifyMs },
]);

// --- 4. v4 provider side ------------------------------------------------------------------------
const fixtures = new URL('../../packages/protocol/test/fixtures/v4/', import.meta.url);
const csrDer = Buffer.from(
  readFileSync(new URL('csr-rsa.pem', fixtures), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('-----'))
    .join(''),
  'base64',
);
/**
 * A distinct RSA 2048 CSR per seed: the fixture's DER with its 256 signature bytes replaced. The
 * codec checks a CSR's DER shape, not its signature, so it does the same work as for real CSRs.
 */
function csrPem(seed) {
  const der = Buffer.from(csrDer);
  let x = (seed + 1) * 2654435761;
  for (let i = der.length - 256; i < der.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    der[i] = x >>> 24;
  }
  const lines = der
    .toString('base64')
    .match(/.{1,64}/g)
    .join('\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines}\n-----END CERTIFICATE REQUEST-----`;
}
const jujuKeys = {
  'private-address': '10.0.0.1',
  'ingress-address': '10.0.0.1',
  'egress-subnets': '10.0.0.1/32',
};
const v4Rows = [];
let v4PerUnitFirst;
let v4BaselinePerUnitFirst;
for (const n of [100, 300, 1000]) {
  const units = Array.from({ length: n }, (_, i) => ({
    relationId: 'certificates:1',
    unit: `app/${i}`,
    data: encodeCsrRequests({
      current: jujuKeys,
      requests: [0, 1, 2].map((k) => ({ certificateSigningRequest: csrPem(i * 3 + k), ca: k === 2 })),
    }).data,
  }));
  const decoded = decodeRequirerRequests({ units });
  if (decoded.requests.length !== 3 * n || decoded.problems.length > 0) {
    throw new Error(`expected ${3 * n} requests, got ${decoded.requests.length}`);
  }
  const values = units.map(({ data }) => data.certificate_signing_requests);
  const reps = 3000 / n;
  const timed = await pairedMedian(
    () => {
      for (let r = 0; r < reps; r++) consume(decodeRequirerRequests({ units }));
    },
    () => {
      for (let r = 0; r < reps; r++) for (const value of values) consume(JSON.parse(value));
    },
    { runs: 15, warmup: 3 },
  );
  const ms = timed.ms / reps;
  const baselineMs = timed.baselineMs / reps;
  const perUnitUs = (ms * 1000) / n;
  const baselinePerUnitUs = (baselineMs * 1000) / n;
  v4PerUnitFirst ??= perUnitUs;
  v4BaselinePerUnitFirst ??= baselinePerUnitUs;
  v4Rows.push({
    case: `decodeRequirerRequests x ${n} units x 3 CSRs`,
    ms,
    baselineMs,
    extra: {
      'µs/unit': perUnitUs.toFixed(2),
      'JSON.parse µs/unit': baselinePerUnitUs.toFixed(2),
      'µs/unit vs N=100': `${(perUnitUs / v4PerUnitFirst).toFixed(2)}x`,
      'JSON.parse µs/unit vs N=100': `${(baselinePerUnitUs / v4BaselinePerUnitFirst).toFixed(2)}x`,
      'kB/unit': (values[0].length / 1024).toFixed(1),
    },
  });
}
report(
  'v4 provider side: decode N requirer units, 3 CSRs each, canonical PEM (baseline: JSON.parse of the same values; aim <= 3x)',
  v4Rows,
);

// --- 5. v4 requirer side ------------------------------------------------------------------------
const v4Ca = readFileSync(new URL('ca.pem', fixtures), 'utf8');
const v4Cert = readFileSync(new URL('cert-rsa.pem', fixtures), 'utf8');
const appData = encodeProviderAppData({
  certificates: Array.from({ length: 300 }, (_, i) => ({
    ca: v4Ca,
    certificateSigningRequest: csrPem(i),
    certificate: v4Cert,
    chain: [v4Cert, v4Ca],
  })),
}).data;
if (decodeProviderAppData(appData).certificates.length !== 300) throw new Error('expected 300 certificates');
const { ms: appMs, baselineMs: appBaseline } = await pairedMedian(
  () => {
    for (let r = 0; r < 10; r++) consume(decodeProviderAppData(appData));
  },
  () => {
    for (let r = 0; r < 10; r++) consume(JSON.parse(appData.certificates));
  },
  { runs: 15, warmup: 3 },
).then(({ ms, baselineMs }) => ({ ms: ms / 10, baselineMs: baselineMs / 10 }));
report('v4 requirer side: decode a provider app databag with 300 certificates (baseline: JSON.parse of it)', [
  {
    case: 'decodeProviderAppData, 300 entries (4 PEMs each)',
    ms: appMs,
    baselineMs: appBaseline,
    extra: {
      'µs/entry': ((appMs * 1000) / 300).toFixed(2),
      'databag kB': (appData.certificates.length / 1024).toFixed(0),
    },
  },
]);
if (sink === undefined) throw new Error('nothing was measured');
