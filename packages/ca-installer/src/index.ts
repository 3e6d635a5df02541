export {
  CaInstaller,
  type CaInstallerOptions,
  DEFAULT_UPDATE_TIMEOUT_MS,
  type InstalledCa,
  type InstallResult,
  type UninstallResult,
} from './ca-installer.js';
export {
  DISTRO_FAMILIES,
  type DistroFamily,
  type DistroLayout,
  detectDistro,
  distroLayout,
} from './distro.js';
export { CaInstallerError, type CaInstallerErrorCode, type CaInstallerErrorOptions } from './errors.js';
