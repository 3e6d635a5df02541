export {
  CHARM_ARCHITECTURES,
  type CharmArchitecture,
  hostArchitecture,
  isCharmArchitecture,
  NODE_RELEASES,
  NODE_VERSION,
  type NodeRelease,
  UBUNTU_CHANNELS,
} from './architectures.js';
export { type BundleCharmOptions, type BundledFile, type BundleResult, bundleCharm } from './bundle-charm.js';
export { binScript, dispatchScript, manifestYaml } from './charm-files.js';
export { checkManifest, checkMetadata, JUJU_ARCHITECTURES, type MetadataFault } from './charm-metadata.js';
export {
  type CharmProject,
  type ProjectFile,
  type ReadCharmProjectOptions,
  readCharmProject,
} from './charm-project.js';
export {
  assertValidCharm,
  type CharmFault,
  type CheckCharmResult,
  checkCharm,
  dispatchTargets,
} from './check-charm.js';
export { CharmPackError, type CharmPackErrorCode } from './errors.js';
export { type LoadNodeBinaryOptions, loadNodeBinary, type NodeBinary, nodeCacheDir } from './node-binary.js';
export { type PackCharmOptions, type PackCharmResult, type PackedCharm, packCharm } from './pack-charm.js';
export { readZip, type ZipEntryInfo, type ZipReader } from './read-zip.js';
export { type CliIo, runCli } from './run-cli.js';
export { unpackCharm } from './unpack-charm.js';
export { writeZip, type ZipMember } from './write-zip.js';
