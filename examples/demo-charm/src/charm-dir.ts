import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packCharm, unpackCharm } from '@tls-client/charm-pack';

/** This package's directory (this file is `dist/charm-dir.js`, or `src/charm-dir.ts` in tests). */
export const CHARM_SOURCE = resolve(import.meta.dirname, '..');

/** Options of {@link installPackedCharm}. */
export interface InstallPackedCharmOptions {
  /** A `.charm` to use as it is; default: pack this charm into `outDir` first. */
  charmFile?: string | undefined;
  /** Where to pack to when no `charmFile` is given. */
  outDir: string;
  /** Progress lines of the packer. */
  log?: ((line: string) => void) | undefined;
}

/**
 * Lays out a charm directory as Juju does: packs this charm with `@tls-client/charm-pack` (or takes
 * the `.charm` given) and unpacks it into `charmDir`, an empty folder, with the zip's modes. So the
 * hooks run exactly what ships: `dispatch` → the charm's own `bin/node` → `lib/charm.mjs`.
 * @returns the `.charm` file used.
 */
export async function installPackedCharm(
  charmDir: string,
  options: InstallPackedCharmOptions,
): Promise<string> {
  let charmFile = options.charmFile;
  if (charmFile === undefined) {
    const { charms } = await packCharm(CHARM_SOURCE, { outDir: options.outDir, log: options.log });
    charmFile = charms[0]!.path;
  } else if (!existsSync(charmFile)) {
    throw new Error(`${charmFile} does not exist: pack it first (pnpm pack:charm)`);
  }
  await unpackCharm(charmFile, charmDir);
  return charmFile;
}

/** The charm's own `tls-client` program (`bin/tls-client` on `bin/node`). */
export function charmCli(charmDir: string): string {
  return join(charmDir, 'bin', 'tls-client');
}

/**
 * What `network-get certificates` answers on a unit whose ingress address is `ingress` and whose
 * interface has `bind`: the demo charm's server certificate is for these addresses.
 */
export function unitNetwork(ingress: string, bind: string) {
  return {
    'bind-addresses': [
      {
        'mac-address': '00:16:3e:00:00:01',
        'interface-name': 'eth0',
        addresses: [{ hostname: '', value: bind, cidr: `${bind}/24` }],
      },
    ],
    'egress-subnets': [`${bind}/32`],
    'ingress-addresses': [ingress],
  };
}
