import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { type RolldownLog, rolldown } from 'rolldown';
import { CharmPackError } from './errors.js';

/** One output file of the bundle, placed under `lib/` in the charm. */
export interface BundledFile {
  /** Path inside the charm, e.g. `lib/charm.mjs` or `lib/chunk-<hash>.mjs`. */
  path: string;
  content: Uint8Array;
}

/** What {@link bundleCharm} produced. */
export interface BundleResult {
  /** Entry files first (`lib/<entry>.mjs`), then chunks of dynamic imports, by path. */
  files: BundledFile[];
  /** The source modules inside the bundle, relative to `root`, sorted. */
  modules: string[];
}

/** Options of {@link bundleCharm}. */
export interface BundleCharmOptions {
  /** The project folder: module paths are reported relative to it. */
  root: string;
  /** Packages that must not be in the bundle (test tooling); a match fails the bundle. */
  devOnlyPackages?: readonly string[] | undefined;
}

const packageNames = new Map<string, string | undefined>();

/** The name of the package a module file belongs to (its nearest package.json with a name). */
function packageOf(file: string): string | undefined {
  let dir = dirname(file);
  const seen: string[] = [];
  let name: string | undefined;
  for (;;) {
    if (packageNames.has(dir)) {
      name = packageNames.get(dir);
      break;
    }
    seen.push(dir);
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
        if (typeof parsed.name === 'string') {
          name = parsed.name;
          break;
        }
      } catch {
        // A package.json that is not JSON names no package: keep looking upwards.
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  for (const d of seen) packageNames.set(d, name);
  return name;
}

/**
 * Bundles each entry module (`name → path`) on its own and every runtime dependency into ES modules for the
 * charm's own Node: `lib/<name>.mjs` per entry, plus a chunk per lazily loaded module (a dynamic
 * `import()` stays lazy). Each entry is a separate build, so a hook loads one file, not chunks
 * shared with the other programs. Only Node built-ins stay imports, so the charm needs no node_modules.
 * Rolldown transpiles TypeScript itself, so a project can point its entry at `src/charm.ts`.
 * @throws CharmPackError `ERR_CHARM_PACK_BUNDLE_FAILED` for a bundler error, an import that does not
 *   resolve (naming the importing file), or test tooling reaching the bundle.
 */
export async function bundleCharm(
  entries: Readonly<Record<string, string>>,
  options: BundleCharmOptions,
): Promise<BundleResult> {
  const files = new Map<string, BundledFile>();
  const modules = new Set<string>();
  for (const [name, path] of Object.entries(entries)) {
    const one = await bundleOne({ [name]: path }, options);
    for (const m of one.modules) modules.add(m);
    for (const file of one.files) {
      const seen = files.get(file.path);
      if (seen !== undefined && !Buffer.from(seen.content).equals(Buffer.from(file.content))) {
        throw new CharmPackError('ERR_CHARM_PACK_BUNDLE_FAILED', `two builds wrote different ${file.path}`, {
          path,
        });
      }
      files.set(file.path, file);
    }
  }
  const entryPaths = new Set(Object.keys(entries).map((name) => `lib/${name}.mjs`));
  const sorted = [...files.values()].sort((a, b) => {
    const ea = entryPaths.has(a.path) ? 0 : 1;
    const eb = entryPaths.has(b.path) ? 0 : 1;
    return ea - eb || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  });
  return { files: sorted, modules: [...modules].sort() };
}

async function bundleOne(
  entries: Readonly<Record<string, string>>,
  options: BundleCharmOptions,
): Promise<BundleResult> {
  const unresolved: string[] = [];
  const devOnly = new Set(options.devOnlyPackages ?? []);
  const rel = (file: string) => relative(options.root, file) || file;
  let output: Awaited<ReturnType<Awaited<ReturnType<typeof rolldown>>['generate']>>;
  try {
    const build = await rolldown({
      input: { ...entries },
      platform: 'node',
      cwd: options.root,
      // TypeScript sources import each other as './x.js' (NodeNext style): look for x.ts too.
      resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
      // Anything not bundled must be a Node built-in; everything else is bundled or refused.
      external: (id) => isBuiltin(id),
      onLog(level, log: RolldownLog) {
        if (log.code === 'UNRESOLVED_IMPORT') {
          unresolved.push(log.message);
          return;
        }
        if (level === 'warn' && log.code !== 'EMPTY_BUNDLE')
          unresolved.push(`${log.code ?? 'warning'}: ${log.message}`);
      },
    });
    try {
      output = await build.generate({
        format: 'esm',
        entryFileNames: 'lib/[name].mjs',
        chunkFileNames: 'lib/[name]-[hash].mjs',
        comments: { legal: true, annotation: false, jsdoc: false },
        sourcemap: false,
      });
    } finally {
      await build.close();
    }
  } catch (error) {
    if (error instanceof CharmPackError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new CharmPackError(
      'ERR_CHARM_PACK_BUNDLE_FAILED',
      `bundling ${Object.values(entries).map(rel).join(', ')} failed: ${message.slice(0, 1500)}`,
      {
        path: Object.values(entries)[0]!,
        cause: error,
      },
    );
  }
  const modules = new Set<string>();
  const files: BundledFile[] = [];
  const leftImports: string[] = [];
  for (const item of output.output) {
    if (item.type !== 'chunk') continue;
    for (const id of Object.keys(item.modules)) {
      if (id.startsWith('\0') || id.startsWith('rolldown:')) continue;
      modules.add(id);
    }
    for (const imported of [...item.imports, ...item.dynamicImports]) {
      const ownChunk = output.output.some((o) => o.fileName === imported);
      if (!ownChunk && !isBuiltin(imported)) leftImports.push(`${item.fileName} imports ${imported}`);
    }
    files.push({ path: item.fileName, content: Buffer.from(item.code, 'utf8') });
  }
  if (unresolved.length > 0 || leftImports.length > 0) {
    const first = [...unresolved, ...leftImports].slice(0, 5).join('; ');
    throw new CharmPackError(
      'ERR_CHARM_PACK_BUNDLE_FAILED',
      `the bundle of ${Object.values(entries).map(rel).join(', ')} has unresolved imports (a charm ships no node_modules): ${first}`,
      { path: Object.values(entries)[0]! },
    );
  }
  const forbidden = [...modules].filter((id) => {
    const name = packageOf(id);
    return name !== undefined && devOnly.has(name);
  });
  if (forbidden.length > 0) {
    throw new CharmPackError(
      'ERR_CHARM_PACK_BUNDLE_FAILED',
      `test-only code would ship in the charm: ${forbidden
        .slice(0, 3)
        .map((id) => `${rel(id)} (${packageOf(id)})`)
        .join(', ')}; import it only from tests`,
      { path: forbidden[0]! },
    );
  }
  return { files, modules: [...modules].map(rel).sort() };
}
