// @tls-client/csr: key + CSR generation (RSA 2048, EC P-256) beside `openssl req -new -newkey` of
// the same kind, and what importing the package costs on a hook's path, against `node -e 0`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCsr, generatePrivateKey, parseCsr } from '../../packages/csr/dist/index.js';
import { median, report } from './lib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'bench-csr-'));
const attributes = {
  commonName: 'web-0.example',
  sansDns: ['web-0.example', 'web.example'],
  sansIp: ['10.0.0.7'],
};
const subject = '/CN=web-0.example';
const newkey = { rsa: ['-newkey', 'rsa:2048'], ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] };

const rows = [];
for (const type of ['ec', 'rsa']) {
  const runs = type === 'rsa' ? 15 : 25;
  const openssl = await median(
    () =>
      execFileSync(
        'openssl',
        [
          'req',
          '-new',
          ...newkey[type],
          '-nodes',
          '-subj',
          subject,
          '-addext',
          'subjectAltName=DNS:web-0.example,DNS:web.example,IP:10.0.0.7',
          '-keyout',
          join(dir, 'k.pem'),
          '-out',
          join(dir, 'r.pem'),
        ],
        { stdio: 'ignore' },
      ),
    { runs, warmup: 2 },
  );
  const ours = await median(async () => createCsr(await generatePrivateKey({ type }), attributes), {
    runs,
    warmup: 2,
  });
  rows.push({
    case: `${type === 'rsa' ? 'RSA 2048' : 'EC P-256'} key + CSR`,
    ms: ours,
    baselineMs: openssl,
    extra: { baseline: 'openssl req -new -newkey' },
  });
  const key = await generatePrivateKey({ type });
  const csrOnly = await median(() => createCsr(key, attributes), { runs: 50, warmup: 5 });
  const pem = await createCsr(key, attributes);
  const parse = await median(() => parseCsr(pem), { runs: 50, warmup: 5 });
  rows.push({ case: `${type} createCsr (key given)`, ms: csrOnly });
  rows.push({ case: `${type} parseCsr`, ms: parse });
}
report('key + CSR generation, in process, vs spawning openssl req for the same', rows);

const entry = new URL('../../packages/csr/dist/index.js', import.meta.url).href;
const spawn = (code) => () => execFileSync(process.execPath, ['--input-type=module', '-e', code]);
// The machine may be busy: each sample runs `node -e 0` and the case back to back, and the
// medians of both are reported, so a load spike moves both sides.
function paired(code, runs = 15) {
  const base = [];
  const mine = [];
  spawn(code)();
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    spawn('0')();
    base.push(performance.now() - start);
    start = performance.now();
    spawn(code)();
    mine.push(performance.now() - start);
  }
  const mid = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return { ms: mid(mine), baselineMs: mid(base) };
}
const importRows = [];
const keyCode = `const { generateKeyPairSync } = await import('node:crypto'); const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });`;
for (const [name, code] of [
  ['import @tls-client/csr', `await import(${JSON.stringify(entry)})`],
  [
    'import + publicKeyMatches (no forge)',
    `const m = await import(${JSON.stringify(entry)}); ${keyCode} m.publicKeyMatches(k.privateKey, k.publicKey)`,
  ],
  [
    'import + createCsr (loads forge asn1)',
    `const m = await import(${JSON.stringify(entry)}); ${keyCode} await m.createCsr(k.privateKey, { commonName: 'x' })`,
  ],
  [
    'require node-forge (all of it)',
    `(await import('node:module')).createRequire(${JSON.stringify(entry)})('node-forge')`,
  ],
]) {
  importRows.push({ case: name, ...paired(code), extra: { baseline: 'node -e 0' } });
}
report('import cost on a hook path vs starting node', importRows);
rmSync(dir, { recursive: true, force: true });
