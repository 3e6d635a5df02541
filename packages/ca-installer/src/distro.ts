import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaInstallerError } from './errors.js';

/** The distribution families whose trust stores we know. */
export type DistroFamily = 'debian' | 'alpine' | 'rhel' | 'suse';

/** Every {@link DistroFamily}, in documentation order. */
export const DISTRO_FAMILIES: readonly DistroFamily[] = ['debian', 'alpine', 'rhel', 'suse'];

/** Where a family keeps locally added anchors and how its store is rebuilt. */
export interface DistroLayout {
  family: DistroFamily;
  /** Directory of locally added anchors, as an absolute path on the real system. */
  anchorDir: string;
  /** The update command: program name (looked up on `PATH`) and fixed arguments. */
  command: readonly [string, ...string[]];
  /**
   * One file per certificate. Debian's and Alpine's tools copy a multi-certificate file whole into
   * the bundle but `openssl rehash` skips it ("does not contain exactly one certificate"), so
   * `-CApath` users and per-file hooks would see none of its certificates; p11-kit (RHEL, SUSE) reads
   * every certificate of a file.
   */
  splitBundles: boolean;
}

const LAYOUTS: Readonly<Record<DistroFamily, DistroLayout>> = {
  debian: {
    family: 'debian',
    anchorDir: '/usr/local/share/ca-certificates',
    command: ['update-ca-certificates'],
    splitBundles: true,
  },
  alpine: {
    family: 'alpine',
    anchorDir: '/usr/local/share/ca-certificates',
    command: ['update-ca-certificates'],
    splitBundles: true,
  },
  rhel: {
    family: 'rhel',
    anchorDir: '/etc/pki/ca-trust/source/anchors',
    command: ['update-ca-trust', 'extract'],
    splitBundles: false,
  },
  suse: {
    family: 'suse',
    anchorDir: '/etc/pki/trust/anchors',
    command: ['update-ca-certificates'],
    splitBundles: false,
  },
};

/** The trust-store layout of a family. */
export function distroLayout(family: DistroFamily): DistroLayout {
  return LAYOUTS[family];
}

/** True when `value` names a {@link DistroFamily}. */
export function isDistroFamily(value: unknown): value is DistroFamily {
  return typeof value === 'string' && (DISTRO_FAMILIES as readonly string[]).includes(value);
}

// os-release `ID` values, and `ID_LIKE` words, of each family.
const IDS: readonly [DistroFamily, readonly string[]][] = [
  ['debian', ['debian', 'ubuntu', 'raspbian', 'linuxmint', 'pop', 'elementary', 'kali', 'devuan', 'neon']],
  ['alpine', ['alpine', 'postmarketos']],
  [
    'rhel',
    ['rhel', 'fedora', 'centos', 'rocky', 'almalinux', 'amzn', 'ol', 'circle', 'eurolinux', 'cloudlinux'],
  ],
  ['suse', ['suse', 'sles', 'sled', 'sle-micro', 'opensuse', 'opensuse-leap', 'opensuse-tumbleweed']],
];

function familyOf(id: string): DistroFamily | undefined {
  for (const [family, ids] of IDS) if (ids.includes(id)) return family;
  if (id.startsWith('opensuse')) return 'suse';
  return undefined;
}

/** Parses os-release(5): `KEY=value` lines, values optionally quoted, with shell-style escapes. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const [, key = '', rawValue = ''] = match;
    let value = rawValue;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\(["\\`$])/g, '$1');
    }
    out[key] = value;
  }
  return out;
}

/** Decides the family from parsed os-release fields: `ID` first, then each `ID_LIKE` word in order. */
export function familyFromOsRelease(fields: Readonly<Record<string, string>>): DistroFamily | undefined {
  const candidates = [fields.ID ?? '', ...(fields.ID_LIKE ?? '').split(/\s+/)];
  for (const candidate of candidates) {
    const family = familyOf(candidate.toLowerCase());
    if (family !== undefined) return family;
  }
  return undefined;
}

/**
 * Detects the distribution family from `<root>/etc/os-release` (or `<root>/usr/lib/os-release`):
 * `ID`, then `ID_LIKE`. An unknown or missing system is an error, never a guess.
 *
 * @param root Directory the system paths are mapped under. Default: `TLS_CLIENT_TRUST_ROOT`, else `/`.
 * @throws {CaInstallerError} `ERR_CA_INSTALLER_UNKNOWN_DISTRO`
 * @example detectDistro() // 'debian' on Ubuntu
 */
export function detectDistro(root?: string): DistroFamily {
  if (root !== undefined && typeof root !== 'string') throw new TypeError('root must be a string');
  const base = root ?? process.env.TLS_CLIENT_TRUST_ROOT ?? '/';
  const candidates = [join(base, 'etc/os-release'), join(base, 'usr/lib/os-release')];
  for (const path of candidates) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new CaInstallerError('ERR_CA_INSTALLER_UNKNOWN_DISTRO', `cannot read "${path}"`, {
        path,
        cause: error,
      });
    }
    const fields = parseOsRelease(text);
    const family = familyFromOsRelease(fields);
    if (family !== undefined) return family;
    const shown = (value: string | undefined) => JSON.stringify((value ?? '').slice(0, 40));
    throw new CaInstallerError(
      'ERR_CA_INSTALLER_UNKNOWN_DISTRO',
      `unsupported distribution in "${path}" (ID=${shown(fields.ID)}, ID_LIKE=${shown(fields.ID_LIKE)}); ` +
        `set TLS_CLIENT_DISTRO to one of ${DISTRO_FAMILIES.join(', ')} if its trust store works like one of them`,
      { path },
    );
  }
  throw new CaInstallerError(
    'ERR_CA_INSTALLER_UNKNOWN_DISTRO',
    `cannot detect the distribution: neither "${candidates[0]}" nor "${candidates[1]}" exists`,
    { path: candidates[0] ?? base },
  );
}
