import { chmodSync, copyFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** This package's directory (this file is `dist/charm-dir.js`, or `src/charm-dir.ts` in tests). */
export const CHARM_SOURCE = resolve(import.meta.dirname, '..');

/**
 * Lays out a charm directory as Juju unpacks it: `dispatch`, `metadata.yaml`, `config.yaml` copied,
 * and `dist/` linked to this package's build. Node resolves the link to the real `dist/`, so
 * `@tls-client/layer` resolves from the workspace.
 * @throws Error when the charm is not built (`dist/charm.js` missing).
 */
export function makeCharmDir(charmDir: string): void {
  const built = join(CHARM_SOURCE, 'dist', 'charm.js');
  if (!existsSync(built)) {
    throw new Error(`${built} is missing: build first (pnpm --filter demo-charm build, or pnpm demo)`);
  }
  mkdirSync(charmDir, { recursive: true });
  for (const file of ['metadata.yaml', 'config.yaml', 'dispatch']) {
    copyFileSync(join(CHARM_SOURCE, file), join(charmDir, file));
  }
  chmodSync(join(charmDir, 'dispatch'), 0o755);
  symlinkSync(join(CHARM_SOURCE, 'dist'), join(charmDir, 'dist'), 'dir');
}
