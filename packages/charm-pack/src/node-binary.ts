import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { deflateSync } from 'fflate';
import { type CharmArchitecture, NODE_RELEASES, type NodeRelease } from './architectures.js';
import { CharmPackError } from './errors.js';

/** The Node binary of one architecture, verified, with its zip entry ready (deflated once, cached). */
export interface NodeBinary {
  architecture: CharmArchitecture;
  release: NodeRelease;
  /** Size of `bin/node` in bytes. */
  size: number;
  /** CRC-32 of `bin/node`, for its zip entry. */
  crc: number;
  /** `bin/node` as raw deflate (what goes into the zip). */
  deflated: Uint8Array;
  /** Node's LICENSE file, shipped beside the binary. */
  license: Uint8Array;
}

/** Options of {@link loadNodeBinary}. */
export interface LoadNodeBinaryOptions {
  /** Where tarballs are cached. Default `$CHARM_PACK_CACHE_DIR`, else `$XDG_CACHE_HOME/tls-client/node`, else `~/.cache/tls-client/node`. */
  cacheDir?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Progress lines (fetching, deflating). */
  log?: ((line: string) => void) | undefined;
}

/** The deflate settings of the cached `bin/node` entry; part of the cache key. */
const DEFLATER = 'fflate@0.8.3 level 6';

/** The directory {@link loadNodeBinary} caches into for these options. */
export function nodeCacheDir(options: Pick<LoadNodeBinaryOptions, 'cacheDir' | 'env'> = {}): string {
  const env = options.env ?? process.env;
  if (options.cacheDir !== undefined) return options.cacheDir;
  if (env.CHARM_PACK_CACHE_DIR) return env.CHARM_PACK_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'tls-client', 'node');
}

function sriOf(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim().slice(-400)}`));
    });
  });
}

/** Atomic write inside the cache: a unique temp name, then rename over. */
async function writeCacheFile(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temp, bytes, { flag: 'wx', mode: 0o644 });
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Runs `fn` holding `<cacheDir>/<name>.lock` (created O_EXCL with our pid), so that parallel packs
 * (test workers, CI jobs) fetch and compress once. A lock whose process is gone is taken over.
 */
async function withCacheLock<T>(cacheDir: string, name: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(cacheDir, { recursive: true });
  const lock = join(cacheDir, `${name}.lock`);
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
      let alive = Number.isInteger(owner) && owner > 0;
      if (alive) {
        try {
          process.kill(owner, 0);
        } catch (probe) {
          alive = (probe as NodeJS.ErrnoException).code === 'EPERM';
        }
      }
      if (!alive) await rm(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} is held by process ${owner} for too long`);
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

/** The package tarball, from the cache when its sha512 matches the pinned integrity, else from npm. */
async function loadTarball(
  release: NodeRelease,
  cacheDir: string,
  options: LoadNodeBinaryOptions,
): Promise<string> {
  const file = join(cacheDir, `${release.packageName}-${release.version}.tgz`);
  if (existsSync(file)) {
    if (sriOf(await readFile(file)) === release.integrity) return file;
    options.log?.(`charm-pack: cached ${file} does not match its pinned integrity; fetching it again`);
    await rm(file, { force: true });
  }
  const spec = `${release.packageName}@${release.version}`;
  options.log?.(`charm-pack: fetching ${spec} from the npm registry (once; cached in ${cacheDir})`);
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, '.fetch-'));
  try {
    // npm's own client: registry configuration, proxies and its cache apply as for any install.
    await run(
      'npm',
      ['pack', spec, '--pack-destination', work, '--silent'],
      work,
      options.env ?? process.env,
    );
    const fetched = join(work, `${release.packageName}-${release.version}.tgz`);
    const bytes = await readFile(fetched);
    const got = sriOf(bytes);
    if (got !== release.integrity) {
      throw new CharmPackError(
        'ERR_CHARM_PACK_NODE_FETCH_FAILED',
        `${spec} from the registry does not match its pinned integrity (expected ${release.integrity.slice(0, 20)}…, got ${got.slice(0, 20)}…); refusing to ship it`,
        { path: fetched },
      );
    }
    await rename(fetched, file);
    return file;
  } catch (error) {
    if (error instanceof CharmPackError) throw error;
    throw new CharmPackError(
      'ERR_CHARM_PACK_NODE_FETCH_FAILED',
      `cannot fetch ${spec} with npm pack: ${error instanceof Error ? error.message : String(error)}`,
      { path: file, cause: error },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The pinned Node binary for `architecture`: the npm package's tarball (fetched with `npm pack` once,
 * cached outside the repository, checked against the pinned sha512 on every use), its `bin/node`
 * checked for the architecture, and its zip entry deflated once and cached (re-verified against the
 * binary on every use, so what ships is always the verified binary).
 * @throws CharmPackError `ERR_CHARM_PACK_NODE_FETCH_FAILED`.
 */
export async function loadNodeBinary(
  architecture: CharmArchitecture,
  options: LoadNodeBinaryOptions = {},
): Promise<NodeBinary> {
  const release = NODE_RELEASES[architecture];
  const cacheDir = nodeCacheDir(options);
  return withCacheLock(cacheDir, `${release.packageName}-${release.version}`, () =>
    loadVerified(architecture, release, cacheDir, options),
  );
}

async function loadVerified(
  architecture: CharmArchitecture,
  release: NodeRelease,
  cacheDir: string,
  options: LoadNodeBinaryOptions,
): Promise<NodeBinary> {
  const tarball = await loadTarball(release, cacheDir, options);
  const work = await mkdtemp(join(tmpdir(), 'charm-pack-node-'));
  let binary: Uint8Array;
  let license: Uint8Array;
  try {
    await run('tar', ['-xzf', tarball, '-C', work, 'package/bin/node', 'package/LICENSE'], work, {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
    });
    binary = await readFile(join(work, 'package/bin/node'));
    license = await readFile(join(work, 'package/LICENSE'));
  } catch (error) {
    throw new CharmPackError(
      'ERR_CHARM_PACK_NODE_FETCH_FAILED',
      `cannot extract bin/node from ${tarball}: ${error instanceof Error ? error.message : String(error)}`,
      { path: tarball, cause: error },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const machine = binary.length >= 20 ? binary[18]! | (binary[19]! << 8) : -1;
  if (binary[0] !== 0x7f || binary[1] !== 0x45 || machine !== release.elfMachine) {
    throw new CharmPackError(
      'ERR_CHARM_PACK_NODE_FETCH_FAILED',
      `bin/node of ${release.packageName} is not an ELF binary for ${architecture}`,
      { path: tarball },
    );
  }
  const digest = sha256(binary);
  const deflatedFile = join(cacheDir, `${release.packageName}-${release.version}.node.deflate`);
  const sidecar = `${deflatedFile}.json`;
  let deflated: Uint8Array | undefined;
  try {
    const meta = JSON.parse(await readFile(sidecar, 'utf8')) as { sha256?: unknown; deflater?: unknown };
    if (meta.sha256 === digest && meta.deflater === DEFLATER) {
      const candidate = await readFile(deflatedFile);
      if (sha256(inflateRawSync(candidate)) === digest) deflated = candidate;
    }
  } catch {
    // No cached entry yet, or an unreadable one: deflate again below.
  }
  if (deflated === undefined) {
    options.log?.(`charm-pack: compressing bin/node for ${architecture} (once; cached in ${cacheDir})`);
    deflated = deflateSync(binary, { level: 6 });
    await writeCacheFile(deflatedFile, deflated);
    await writeCacheFile(sidecar, `${JSON.stringify({ sha256: digest, deflater: DEFLATER })}\n`);
  }
  return { architecture, release, size: binary.length, crc: crc32(binary), deflated, license };
}
