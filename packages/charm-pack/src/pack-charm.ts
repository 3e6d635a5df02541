import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CHARM_ARCHITECTURES, type CharmArchitecture, isCharmArchitecture } from './architectures.js';
import { bundleCharm } from './bundle-charm.js';
import { binScript, dispatchScript, manifestYaml } from './charm-files.js';
import { readCharmProject } from './charm-project.js';
import { assertValidCharm } from './check-charm.js';
import { CharmPackError } from './errors.js';
import { loadNodeBinary } from './node-binary.js';
import { writeZip, type ZipMember } from './write-zip.js';

/** Options of {@link packCharm}. */
export interface PackCharmOptions {
  /** Default: package.json `charm.architectures`, else `['amd64']`. */
  architectures?: readonly string[] | undefined;
  /** Where the `.charm` files go. Default: the project folder. */
  outDir?: string | undefined;
  /** The entry module, relative to the project (overrides package.json `charm.entry`). */
  entry?: string | undefined;
  /** Where the Node tarballs are cached (see `nodeCacheDir`). */
  cacheDir?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Progress lines; default none. */
  log?: ((line: string) => void) | undefined;
}

/** One `.charm` written by {@link packCharm}. */
export interface PackedCharm {
  architecture: CharmArchitecture;
  /** Absolute path, `<outDir>/<name>_<arch>.charm`. */
  path: string;
  size: number;
  sha256: string;
}

/** What {@link packCharm} did. */
export interface PackCharmResult {
  name: string;
  charms: PackedCharm[];
  /** The source modules bundled, relative to the project. */
  modules: string[];
  /** Size in bytes of each bundled file (`lib/charm.mjs`, …). */
  bundle: { path: string; size: number }[];
}

/** Writes `bytes` at `path` atomically: a new temp file beside it, fsync, rename. No partial file. */
async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new CharmPackError(
      'ERR_CHARM_PACK_IO',
      `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        path,
        cause: error,
      },
    );
  }
}

/**
 * Packs a charm project into one deployable `.charm` per architecture: the entry (and any
 * `charm.bin` programs) bundled with every runtime dependency into `lib/`, the pinned Node 24 as
 * `bin/node`, `dispatch`, `manifest.yaml` (ubuntu 22.04 and 24.04), metadata/config/actions as they
 * are. Everything is validated and built in memory, and each zip passes {@link checkCharm}, before
 * the first `.charm` is written; each is written atomically, so a failure leaves no partial file.
 * @throws CharmPackError `ERR_CHARM_PACK_MISSING_FILE`, `ERR_CHARM_PACK_INVALID_METADATA`,
 *   `ERR_CHARM_PACK_UNKNOWN_ARCHITECTURE`, `ERR_CHARM_PACK_BUNDLE_FAILED`,
 *   `ERR_CHARM_PACK_NODE_FETCH_FAILED`, `ERR_CHARM_PACK_IO`.
 * @example
 * const { charms } = await packCharm('examples/demo-charm', { architectures: ['amd64'] });
 * console.log(charms[0].path); // …/examples/demo-charm/demo_amd64.charm
 */
export async function packCharm(
  projectDir: string,
  options: PackCharmOptions = {},
): Promise<PackCharmResult> {
  const project = readCharmProject(projectDir, { entry: options.entry });
  const wanted = options.architectures ?? project.architectures ?? ['amd64'];
  if (wanted.length === 0) throw new TypeError('architectures must name at least one architecture');
  for (const arch of wanted) {
    if (!isCharmArchitecture(arch)) {
      throw new CharmPackError(
        'ERR_CHARM_PACK_UNKNOWN_ARCHITECTURE',
        `unknown architecture ${JSON.stringify(arch)} for ${join(project.dir, 'metadata.yaml')}: the packer ships Node for ${CHARM_ARCHITECTURES.join(' and ')}`,
        { path: project.dir },
      );
    }
  }
  const architectures = [...new Set(wanted)] as CharmArchitecture[];
  const log = options.log;

  log?.(`charm-pack: bundling ${project.entry}`);
  const bundle = await bundleCharm(
    { charm: project.entry, ...project.bins },
    { root: project.dir, devOnlyPackages: project.devOnlyPackages },
  );
  const text = (s: string) => Buffer.from(s, 'utf8');
  const common: ZipMember[] = [
    ...project.files.map((f) => ({ path: f.path, mode: 0o644, data: f.content })),
    ...bundle.files.map((f) => ({ path: f.path, mode: 0o644, data: f.content })),
    { path: 'dispatch', mode: 0o755, data: text(dispatchScript('lib/charm.mjs')) },
    ...Object.keys(project.bins).map((name) => ({
      path: `bin/${name}`,
      mode: 0o755,
      data: text(binScript(name, `lib/${name}.mjs`)),
    })),
  ];

  const built: { architecture: CharmArchitecture; path: string; bytes: Uint8Array }[] = [];
  const outDir = resolve(options.outDir ?? project.dir);
  for (const architecture of architectures) {
    const node = await loadNodeBinary(architecture, { cacheDir: options.cacheDir, env: options.env, log });
    const bytes = writeZip([
      ...common,
      { path: 'manifest.yaml', mode: 0o644, data: text(manifestYaml(architecture)) },
      { path: 'bin/node', mode: 0o755, deflated: node.deflated, crc: node.crc, size: node.size },
      { path: 'bin/node.LICENSE', mode: 0o644, data: node.license },
    ]);
    // Our own output must pass the checker: a fault here is a packer bug, never shipped.
    await assertValidCharm(bytes);
    built.push({ architecture, path: join(outDir, `${project.name}_${architecture}.charm`), bytes });
  }
  await mkdir(outDir, { recursive: true });
  const charms: PackedCharm[] = [];
  for (const { architecture, path, bytes } of built) {
    await writeAtomic(path, bytes);
    charms.push({
      architecture,
      path,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return {
    name: project.name,
    charms,
    modules: bundle.modules,
    bundle: bundle.files.map((f) => ({ path: f.path, size: f.content.length })),
  };
}
