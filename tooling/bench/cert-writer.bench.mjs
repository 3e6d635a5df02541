// cert-writer: 100 certificate/key pairs written fresh, then unchanged, then changed, against a naive
// fs.writeFileSync of the same bytes in the same run. The unchanged pass must only read and compare:
// its row counts the files it wrote and the pair commits it made (both must be 0). The atomic pair
// swap (one version directory + one symlink rename) is measured beside today's two renames
// (writeFileAtomic of the key, then of the certificate), both on pre-validated material.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  validateCertificate,
  writeCertificate,
  writeFileAtomic,
} from '../../packages/cert-writer/dist/index.js';
import { EmbeddedCa } from '../../packages/testing/dist/index.js';
import { median, report } from './lib.mjs';

const PAIRS = 100;
const work = mkdtempSync(join(tmpdir(), 'cert-writer-bench-'));

// Certificates come from the project's own embedded CA (node:crypto keys, node-forge signing).
const ca = await EmbeddedCa.create({ commonName: 'bench-ca', keyType: 'ec' });
const generations = ['bench-a', 'bench-b'].map((commonName) =>
  ca.issue({ type: 'server', commonName, sans: [commonName] }),
);
const chain = ca.caPem;
const pathsIn = (dir, i) => ({
  certPath: join(dir, `svc${i}`, 'cert.pem'),
  keyPath: join(dir, `svc${i}`, 'key.pem'),
});

async function writeAll(dir, gen) {
  const actions = { created: 0, updated: 0, unchanged: 0, repaired: 0, commits: 0 };
  for (let i = 0; i < PAIRS; i++) {
    const { files, commit } = await writeCertificate({ ...generations[gen], chain, ...pathsIn(dir, i) });
    for (const f of files) actions[f.action]++;
    if (commit !== 'none') actions.commits++;
  }
  return actions;
}

function naiveAll(dir, gen) {
  const { cert, key } = generations[gen];
  for (let i = 0; i < PAIRS; i++) {
    const p = pathsIn(dir, i);
    mkdirSync(join(dir, `svc${i}`), { recursive: true });
    writeFileSync(p.keyPath, key);
    writeFileSync(p.certPath, `${cert}\n${chain}`);
  }
}

const fresh = () => mkdtempSync(join(work, 'run-'));
const opts = { runs: 7, warmup: 1 };

// Fresh: every run writes into a new directory.
const freshMs = await median(() => writeAll(fresh(), 0), opts);
const freshNaiveMs = await median(() => naiveAll(fresh(), 0), opts);

// Unchanged: the same bytes again; nothing may be written.
const stable = fresh();
await writeAll(stable, 0);
const before = statSync(pathsIn(stable, 0).keyPath, { bigint: true });
let lastActions;
const unchangedMs = await median(async () => {
  lastActions = await writeAll(stable, 0);
}, opts);
const after = statSync(pathsIn(stable, 0).keyPath, { bigint: true });
const naiveStable = fresh();
naiveAll(naiveStable, 0);
const unchangedNaiveMs = await median(() => naiveAll(naiveStable, 0), opts);

// Changed: alternate two generations, so every run rewrites every file.
const rotating = fresh();
let gen = 0;
const changedMs = await median(async () => {
  gen ^= 1;
  await writeAll(rotating, gen);
}, opts);
let naiveGen = 0;
const changedNaiveMs = await median(() => {
  naiveGen ^= 1;
  naiveAll(rotating, naiveGen);
}, opts);

// Where the time goes: validation alone, and the atomic write of one file per pair.
const validateMs = await median(() => {
  for (let i = 0; i < PAIRS; i++) validateCertificate({ ...generations[0], chain });
}, opts);
const atomicDir = fresh();
let atomicGen = 0;
const atomicMs = await median(async () => {
  atomicGen ^= 1;
  for (let i = 0; i < PAIRS; i++) await writeFileAtomic(join(atomicDir, `f${i}`), generations[atomicGen].key);
}, opts);

// The pair write alone: atomic swap against today's two renames, same bytes, same run.
const validated = generations.map((g) => validateCertificate({ ...g, chain }));
const swapDir = fresh();
let swapGen = 0;
const swapMs = await median(async () => {
  swapGen ^= 1;
  for (let i = 0; i < PAIRS; i++)
    await writeCertificate({ validated: validated[swapGen], ...pathsIn(swapDir, i) });
}, opts);
const renameDir = fresh();
let renameGen = 0;
const twoRenamesMs = await median(async () => {
  renameGen ^= 1;
  for (let i = 0; i < PAIRS; i++) {
    const p = pathsIn(renameDir, i);
    await writeFileAtomic(p.keyPath, validated[renameGen].keyPem, { mode: 0o600, dirMode: 0o700 });
    await writeFileAtomic(p.certPath, validated[renameGen].fullchainPem, { mode: 0o644 });
  }
}, opts);

const written = lastActions.created + lastActions.updated + lastActions.repaired;
report(
  `cert-writer: ${PAIRS} cert/key pairs (baseline: naive fs.writeFileSync of the same bytes, no fsync)`,
  [
    { case: 'fresh (create dirs + 2 files)', ms: freshMs, baselineMs: freshNaiveMs },
    {
      case: 'unchanged (read + compare only)',
      ms: unchangedMs,
      baselineMs: unchangedNaiveMs,
      extra: {
        'files written': written,
        'pair commits': lastActions.commits,
        'key inode kept': before.ino === after.ino && before.mtimeNs === after.mtimeNs,
      },
    },
    { case: 'changed (atomic pair swap)', ms: changedMs, baselineMs: changedNaiveMs },
    { case: "pair swap vs today's 2 renames (validated)", ms: swapMs, baselineMs: twoRenamesMs },
    { case: 'validateCertificate only', ms: validateMs },
    { case: 'writeFileAtomic, 1 file each, changed', ms: atomicMs },
  ],
);
rmSync(work, { recursive: true, force: true });
if (written !== 0 || lastActions.commits !== 0) {
  console.error(`unchanged pass wrote ${written} files, ${lastActions.commits} pair commits`);
  process.exit(1);
}
