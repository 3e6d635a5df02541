// Cost of CaInstaller.install when the CA changes (anchor rewritten, real update-ca-certificates run
// in a sandbox root) against an install that changes nothing (compare bytes, no command), same run.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaInstaller } from '../../packages/ca-installer/dist/index.js';
import { EmbeddedCa, prepareDebianRoot } from '../../packages/testing/dist/index.js';
import { median, report } from './lib.mjs';

const tool = ['/usr/sbin/update-ca-certificates', '/usr/bin/update-ca-certificates'].find((p) =>
  existsSync(p),
);
if (tool === undefined) {
  console.log('ca-installer bench skipped: update-ca-certificates is not installed on this machine');
  process.exit(0);
}

const dir = await mkdtemp(join(tmpdir(), 'ca-installer-bench-'));
try {
  // Two CAs from the project's own embedded CA (self-signed, basicConstraints CA:TRUE).
  const [caA, caB] = (
    await Promise.all(['bench-a', 'bench-b'].map((commonName) => EmbeddedCa.create({ commonName })))
  ).map((ca) => ca.caPem);
  const root = join(dir, 'root');
  await prepareDebianRoot(root);
  const installer = new CaInstaller({ root, updateCommand: tool });

  let ranChanged = 0;
  let flip = false;
  const changed = await median(async () => {
    flip = !flip;
    const r = await installer.install('bench-app', flip ? caA : caB);
    if (r.updateRan) ranChanged++;
  });
  await installer.install('bench-app', caA); // settle on A, outside the measurement
  let ranUnchanged = 0;
  const unchanged = await median(async () => {
    const r = await installer.install('bench-app', caA);
    if (r.updateRan) ranUnchanged++;
  });

  report('CaInstaller.install (Debian sandbox root, real update-ca-certificates)', [
    {
      case: 'unchanged CA (baseline: no update command)',
      ms: unchanged,
      extra: { 'update runs': ranUnchanged },
    },
    {
      case: 'rotated CA (rewrite + update-ca-certificates --fresh)',
      ms: changed,
      baselineMs: unchanged,
      extra: { 'update runs': ranChanged },
    },
  ]);
} finally {
  await rm(dir, { recursive: true, force: true });
}
