#!/usr/bin/env node
// `pnpm pack:packages [dir]`: packs every published package (packages/*, not private) into `dir`
// (default `.tmp/tarballs`) with `pnpm pack`, which replaces `workspace:^` with the real version
// range, and prints the path of each tarball, one per line. Build first (`pnpm build`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = join(import.meta.dirname, '../..');
const dest = resolve(process.argv[2] ?? join(root, '.tmp/tarballs'));
mkdirSync(dest, { recursive: true });
for (const name of readdirSync(join(root, 'packages')).sort()) {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'package.json'))) continue;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  if (!existsSync(join(dir, 'dist'))) {
    console.error(`pack-packages: ${pkg.name} has no dist/: run pnpm build first`);
    process.exit(1);
  }
  const run = spawnSync('pnpm', ['pack', '--pack-destination', dest], { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) {
    console.error(`pack-packages: pnpm pack failed for ${pkg.name}\n${run.stdout}${run.stderr}`);
    process.exit(1);
  }
  const file = `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`;
  console.log(join(dest, file));
}
