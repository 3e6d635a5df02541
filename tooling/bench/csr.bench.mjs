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
const spawn = (code) => () =>
  execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
// The machine may be busy: each sample runs `node -e 0` and the case back to back, and the
// medians of both are reported, so a load spike moves both sides. Each child also prints its own
// CPU time (user + system, from process.cpuUsage() at exit), which a busy machine inflates less.
const cpuTail = `;const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000))`;
function paired(code, runs = 21) {
  const sample = (c) => {
    const start = performance.now();
    const cpu = Number(spawn(`${c}${cpuTail}`)());
    return [performance.now() - start, cpu];
  };
  const base = [];
  const mine = [];
  sample(code);
  for (let i = 0; i < runs; i++) {
    base.push(sample('0'));
    mine.push(sample(code));
  }
  const mid = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return {
    ms: mid(mine.map((x) => x[0])),
    baselineMs: mid(base.map((x) => x[0])),
    extra: {
      'cpu ms': mid(mine.map((x) => x[1])).toFixed(1),
      'baseline cpu ms': mid(base.map((x) => x[1])).toFixed(1),
      'cpu ratio': `${(mid(mine.map((x) => x[1])) / mid(base.map((x) => x[1]))).toFixed(2)}x`,
      baseline: 'node -e 0',
    },
  };
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
  importRows.push({ case: name, ...paired(code) });
}
report('import cost on a hook path vs starting node', importRows);
rmSync(dir, { recursive: true, force: true });
