import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { checkMetadata, parseYamlMapping } from './charm-metadata.js';
import { CharmPackError } from './errors.js';

/** A file copied into the charm as it is. */
export interface ProjectFile {
  /** Path inside the charm, e.g. `config.yaml`. */
  path: string;
  content: Uint8Array;
}

/** A charm project as the packer reads it, validated. */
export interface CharmProject {
  /** The project folder, absolute. */
  dir: string;
  /** `name` from metadata.yaml. */
  name: string;
  /** The entry module, absolute (TypeScript or JavaScript). */
  entry: string;
  /** Extra programs shipped as `bin/<name>`: name → absolute module path. */
  bins: Record<string, string>;
  /** metadata.yaml, config.yaml, actions.yaml and the optional LICENSE, README.md, icon.svg. */
  files: ProjectFile[];
  /** Package names that must never reach the bundle: test tooling, plus package.json `charm.devOnly`. */
  devOnlyPackages: string[];
  /** The architectures from package.json `charm.architectures`, when given. */
  architectures: string[] | undefined;
}

/** Options of {@link readCharmProject}; each overrides package.json's `charm` field. */
export interface ReadCharmProjectOptions {
  /** The entry module, relative to the project. Default `charm.entry`, else `src/charm.ts`, else `src/charm.js`. */
  entry?: string | undefined;
}

/** Test tooling that is never charm code, whatever a project declares. */
const ALWAYS_DEV_ONLY = ['@tls-client/testing', 'vitest', 'typescript'];

/** Copied when present, besides metadata.yaml. */
const OPTIONAL_FILES = ['config.yaml', 'actions.yaml', 'LICENSE', 'README.md', 'icon.svg'];

interface CharmField {
  entry?: unknown;
  bin?: unknown;
  architectures?: unknown;
  devOnly?: unknown;
}

function invalid(path: string, message: string): CharmPackError {
  return new CharmPackError('ERR_CHARM_PACK_INVALID_METADATA', message, { path });
}

function readPackageJson(dir: string): { charm: CharmField; devOnly: string[] } {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return { charm: {}, devOnly: [] };
  let pkg: { charm?: unknown };
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8')) as typeof pkg;
  } catch (error) {
    throw new CharmPackError('ERR_CHARM_PACK_INVALID_METADATA', `${file} is not valid JSON`, {
      path: file,
      cause: error,
    });
  }
  const charm = pkg.charm ?? {};
  if (typeof charm !== 'object' || charm === null || Array.isArray(charm)) {
    throw invalid(file, `${file}: "charm" must be an object ({ entry, bin, architectures })`);
  }
  // A project's devDependencies are not a reliable list: a test helper may also be a runtime
  // dependency of the layer. So the list is explicit: the fixed one below plus `charm.devOnly`.
  const extra = (charm as CharmField).devOnly;
  if (extra !== undefined && (!Array.isArray(extra) || !extra.every((e) => typeof e === 'string'))) {
    throw invalid(file, `${file}: charm.devOnly must be a list of package names`);
  }
  return { charm: charm as CharmField, devOnly: (extra as string[] | undefined) ?? [] };
}

/**
 * The module path of `bin/<name>`: a relative path is a file of the project; a package name means
 * that package's own `bin` of the same name (e.g. `"tls-client": "@tls-client/layer"`).
 */
function resolveBin(dir: string, name: string, target: string, pkgFile: string): string {
  if (target.startsWith('.') || isAbsolute(target)) return resolve(dir, target);
  let manifest: string | undefined;
  for (let at = dir; ; at = resolve(at, '..')) {
    const candidate = join(at, 'node_modules', target, 'package.json');
    if (existsSync(candidate)) {
      manifest = candidate;
      break;
    }
    if (resolve(at, '..') === at) break;
  }
  if (manifest === undefined) {
    throw new CharmPackError(
      'ERR_CHARM_PACK_MISSING_FILE',
      `${pkgFile}: charm.bin.${name}: package ${target} is not installed`,
      {
        path: pkgFile,
      },
    );
  }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: unknown };
  const bin =
    typeof pkg.bin === 'string' ? pkg.bin : (pkg.bin as Record<string, unknown> | undefined)?.[name];
  if (typeof bin !== 'string') {
    throw invalid(pkgFile, `${pkgFile}: charm.bin.${name}: package ${target} has no bin named ${name}`);
  }
  return resolve(manifest, '..', bin);
}

/**
 * Reads and validates a charm project before anything is bundled or written: `metadata.yaml` with
 * `name`, `summary`, `description` and no `series`; `config.yaml` and `actions.yaml` (optional)
 * valid YAML mappings; no `manifest.yaml` of its own (the packer writes it); the entry module present.
 * @throws CharmPackError `ERR_CHARM_PACK_MISSING_FILE`, `ERR_CHARM_PACK_INVALID_METADATA`, naming the file.
 */
export function readCharmProject(projectDir: string, options: ReadCharmProjectOptions = {}): CharmProject {
  if (typeof projectDir !== 'string' || projectDir === '')
    throw new TypeError('the charm folder must be a path');
  const dir = resolve(projectDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CharmPackError('ERR_CHARM_PACK_MISSING_FILE', `${dir} is not a folder`, { path: dir });
  }
  const metadataFile = join(dir, 'metadata.yaml');
  if (!existsSync(metadataFile)) {
    throw new CharmPackError(
      'ERR_CHARM_PACK_MISSING_FILE',
      `${metadataFile} is missing: a charm needs a metadata.yaml with name, summary and description`,
      { path: metadataFile },
    );
  }
  const metadata = readFileSync(metadataFile);
  const checked = checkMetadata(metadata.toString('utf8'), metadataFile);
  if (checked.faults.length > 0) {
    throw invalid(metadataFile, checked.faults.map((f) => f.message).join('; '));
  }
  if (existsSync(join(dir, 'manifest.yaml'))) {
    throw invalid(
      join(dir, 'manifest.yaml'),
      `${join(dir, 'manifest.yaml')}: the packer writes manifest.yaml (bases ubuntu 22.04 and 24.04 per architecture); remove this one`,
    );
  }
  const files: ProjectFile[] = [{ path: 'metadata.yaml', content: metadata }];
  for (const name of OPTIONAL_FILES) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    const content = readFileSync(file);
    if (name.endsWith('.yaml')) {
      const parsed = parseYamlMapping(content.toString('utf8'), file);
      if (!parsed.ok) throw invalid(file, parsed.fault.message);
      if (name === 'config.yaml') {
        const opts = parsed.value.options;
        if (opts !== undefined && (typeof opts !== 'object' || opts === null || Array.isArray(opts))) {
          throw invalid(file, `${file}: options must be a mapping of option names`);
        }
      }
    }
    files.push({ path: name, content });
  }

  const pkgFile = join(dir, 'package.json');
  const { charm, devOnly } = readPackageJson(dir);
  const entryOption = options.entry ?? charm.entry;
  if (entryOption !== undefined && typeof entryOption !== 'string') {
    throw invalid(pkgFile, `${pkgFile}: charm.entry must be a path`);
  }
  const candidates = entryOption === undefined ? ['src/charm.ts', 'src/charm.js'] : [entryOption];
  const entry = candidates.map((c) => resolve(dir, c)).find((c) => existsSync(c));
  if (entry === undefined) {
    const wanted = resolve(dir, candidates[0]!);
    throw new CharmPackError(
      'ERR_CHARM_PACK_MISSING_FILE',
      `the entry module ${wanted} does not exist${entryOption === undefined ? ' (set "charm": { "entry": … } in package.json, or --entry)' : ''}`,
      { path: wanted },
    );
  }
  const bins: Record<string, string> = {};
  if (charm.bin !== undefined) {
    if (typeof charm.bin !== 'object' || charm.bin === null || Array.isArray(charm.bin)) {
      throw invalid(pkgFile, `${pkgFile}: charm.bin must map program names to modules or packages`);
    }
    for (const [name, target] of Object.entries(charm.bin as Record<string, unknown>)) {
      if (!/^[a-z][a-z0-9-]*$/.test(name) || name === 'node') {
        throw invalid(pkgFile, `${pkgFile}: charm.bin: ${JSON.stringify(name)} is not a usable program name`);
      }
      if (typeof target !== 'string')
        throw invalid(pkgFile, `${pkgFile}: charm.bin.${name} must be a string`);
      const module = resolveBin(dir, name, target, pkgFile);
      if (!existsSync(module)) {
        throw new CharmPackError(
          'ERR_CHARM_PACK_MISSING_FILE',
          `${pkgFile}: charm.bin.${name}: ${module} does not exist`,
          {
            path: module,
          },
        );
      }
      bins[name] = module;
    }
  }
  let architectures: string[] | undefined;
  if (charm.architectures !== undefined) {
    if (!Array.isArray(charm.architectures) || !charm.architectures.every((a) => typeof a === 'string')) {
      throw invalid(pkgFile, `${pkgFile}: charm.architectures must be a list of names (amd64, arm64)`);
    }
    architectures = charm.architectures as string[];
  }
  return {
    dir,
    name: checked.name!,
    entry,
    bins,
    files,
    devOnlyPackages: [...new Set([...ALWAYS_DEV_ONLY, ...devOnly])].sort(),
    architectures,
  };
}
