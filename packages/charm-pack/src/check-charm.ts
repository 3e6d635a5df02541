import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { NODE_RELEASES } from './architectures.js';
import { checkManifest, checkMetadata } from './charm-metadata.js';
import { CharmPackError } from './errors.js';
import { readZip, type ZipEntryInfo } from './read-zip.js';

/** One reason Juju would refuse (or fail to run) a `.charm`. */
export interface CharmFault {
  /** A stable, kebab-case name of the fault, e.g. `dispatch-not-executable`. */
  code: string;
  /** The member concerned (or the `.charm` itself). */
  path: string;
  message: string;
}

/** What {@link checkCharm} found. */
export interface CheckCharmResult {
  ok: boolean;
  /** `name` from metadata.yaml, when readable. */
  name: string | undefined;
  /** The architectures of manifest.yaml's bases. */
  architectures: string[];
  faults: CharmFault[];
  entries: ZipEntryInfo[];
}

const ELF_MACHINES: Record<number, string> = Object.fromEntries(
  Object.entries(NODE_RELEASES).map(([arch, release]) => [release.elfMachine, arch]),
);

/** Splits one shell command line into words, dropping quotes (enough for a dispatch line). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) words.push(m[1] ?? m[2] ?? m[3] ?? '');
  return words;
}

/** A path inside the charm named by a dispatch word: `$dir/x`, `${dir}/x`, `./x` or `x/y`. */
function charmPath(word: string): string | undefined {
  const variable = /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?\/(.+)$/.exec(word);
  if (variable) return posix.normalize(variable[1]!);
  if (word.startsWith('./')) return posix.normalize(word.slice(2));
  if (!word.startsWith('/') && !word.includes('$') && word.includes('/') && !word.includes('='))
    return posix.normalize(word);
  return undefined;
}

/**
 * What `dispatch` runs: the words of its `exec` line (or its last command line), as the program and
 * the other charm files it names.
 */
export function dispatchTargets(script: string): { program: string | undefined; files: string[] } {
  const lines = script
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const line = [...lines].reverse().find((l) => /^exec\s/.test(l)) ?? lines.at(-1) ?? '';
  const words = shellWords(line.replace(/^exec\s+/, ''));
  while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) words.shift();
  const [first, ...rest] = words;
  return {
    program: first === undefined ? undefined : charmPath(first),
    files: rest.flatMap((w) => {
      const p = charmPath(w);
      return p === undefined ? [] : [p];
    }),
  };
}

function isUnsafePath(path: string): boolean {
  return (
    path.startsWith('/') || path.includes('\\') || path.split('/').includes('..') || /^[A-Za-z]:/.test(path)
  );
}

/**
 * Validates a `.charm` (a path or its bytes) the way Juju reads and unpacks it: a readable zip with
 * its members at the top level and no unsafe path; `metadata.yaml` with `name`, `summary`,
 * `description` and no `series`; `manifest.yaml` with bases whose channels are quoted strings;
 * `dispatch` present, a regular file and executable in the zip's own attributes (a DOS creator
 * gives 0666); no symlink pointing out of the charm; and the files `dispatch` runs present, the
 * program executable and, for an ELF binary, built for the manifest's architecture.
 */
export async function checkCharm(input: string | Uint8Array): Promise<CheckCharmResult> {
  const label = typeof input === 'string' ? input : '(.charm bytes)';
  const faults: CharmFault[] = [];
  const fault = (code: string, path: string, message: string) => faults.push({ code, path, message });
  let bytes: Uint8Array;
  try {
    bytes = typeof input === 'string' ? await readFile(input) : input;
  } catch (error) {
    throw new CharmPackError(
      'ERR_CHARM_PACK_MISSING_FILE',
      `cannot read ${label}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        path: label,
        cause: error,
      },
    );
  }
  let zip: Awaited<ReturnType<typeof readZip>>;
  try {
    zip = await readZip(bytes);
  } catch (error) {
    fault(
      'not-a-zip',
      label,
      `${label} is not a zip Juju can read: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { ok: false, name: undefined, architectures: [], faults, entries: [] };
  }
  try {
    const entries = zip.entries;
    const byPath = new Map<string, ZipEntryInfo>();
    for (const entry of entries) {
      const path = entry.path.replace(/\/$/, '');
      if (isUnsafePath(entry.path))
        fault('unsafe-path', entry.path, `${entry.path}: a member path must stay inside the charm`);
      if (byPath.has(path)) fault('duplicate-member', entry.path, `${entry.path} is in the zip twice`);
      byPath.set(path, entry);
    }
    const text = async (path: string) => (await zip.read(path)).toString('utf8');

    // Members at the top level: metadata.yaml at the root, not under a folder of the zip.
    let name: string | undefined;
    const metadata = byPath.get('metadata.yaml');
    if (metadata === undefined) {
      const nested = entries.find((e) => e.path.endsWith('/metadata.yaml'));
      if (nested) {
        fault(
          'not-top-level',
          nested.path,
          `metadata.yaml is at ${nested.path}: a charm's members must be at the top level of the zip`,
        );
      } else fault('missing-metadata', 'metadata.yaml', 'metadata.yaml is missing');
    } else {
      const checked = checkMetadata(await text('metadata.yaml'));
      name = checked.name;
      for (const f of checked.faults) fault(f.code, 'metadata.yaml', f.message);
    }

    let architectures: string[] = [];
    if (byPath.has('manifest.yaml')) {
      const checked = checkManifest(await text('manifest.yaml'));
      architectures = checked.architectures;
      for (const f of checked.faults) fault(f.code, 'manifest.yaml', f.message);
    } else {
      fault(
        'missing-manifest',
        'manifest.yaml',
        'manifest.yaml is missing: Juju 4 requires it, and Juju 3 refuses a charm without bases unless --base is given',
      );
    }

    // Symlinks: Juju refuses one whose target leaves the charm.
    for (const entry of entries) {
      if (entry.kind !== 'symlink') continue;
      const target = await text(entry.path);
      const resolved = posix.normalize(posix.join(posix.dirname(entry.path), target));
      if (target.startsWith('/') || resolved === '..' || resolved.startsWith('../')) {
        fault(
          'symlink-escapes',
          entry.path,
          `${entry.path} is a symlink to ${JSON.stringify(target.slice(0, 100))}, outside the charm`,
        );
      }
    }

    const dispatch = byPath.get('dispatch');
    if (dispatch === undefined) {
      fault('missing-dispatch', 'dispatch', 'dispatch is missing: Juju would run nothing for any hook');
    } else if (dispatch.kind !== 'file') {
      fault(
        'dispatch-not-a-file',
        'dispatch',
        `dispatch is a ${dispatch.kind} in the zip, not a regular file`,
      );
    } else {
      if ((dispatch.mode & 0o100) === 0) {
        const why =
          dispatch.creator === 3 || dispatch.creator === 19
            ? ''
            : ` (the zip says it was made on MS-DOS, host ${dispatch.creator}, so Juju gives it 0666)`;
        fault(
          'dispatch-not-executable',
          'dispatch',
          `dispatch has mode 0${dispatch.mode.toString(8)} in the zip${why}: Juju fails every hook with "permission denied"`,
        );
      }
      const script = await text('dispatch');
      if (!script.startsWith('#!'))
        fault(
          'dispatch-no-shebang',
          'dispatch',
          'dispatch does not start with #! (e.g. #!/bin/sh): the kernel cannot run it',
        );
      const { program, files } = dispatchTargets(script);
      const resolveMember = async (path: string): Promise<ZipEntryInfo | undefined> => {
        const entry = byPath.get(path);
        if (entry?.kind !== 'symlink') return entry;
        return byPath.get(posix.normalize(posix.join(posix.dirname(path), await text(path))));
      };
      if (program !== undefined) {
        const entry = await resolveMember(program);
        if (entry === undefined || entry.kind !== 'file') {
          fault('dispatch-target-missing', program, `dispatch runs ${program}, which is not in the charm`);
        } else if ((entry.mode & 0o100) === 0) {
          fault(
            'dispatch-target-not-executable',
            program,
            `dispatch runs ${program}, which has mode 0${entry.mode.toString(8)} in the zip (not executable)`,
          );
        } else {
          const head = await zip.read(program, 20);
          if (head.length >= 20 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF') {
            const machine = head.readUInt16LE(18);
            const arch = ELF_MACHINES[machine];
            const wrong = architectures.filter((a) => a !== arch);
            if (arch === undefined || wrong.length > 0) {
              fault(
                'architecture-mismatch',
                program,
                `${program} is an ELF binary for ${arch ?? `machine ${machine}`}, but manifest.yaml says ${architectures.join(', ')}`,
              );
            }
          }
        }
      }
      for (const file of files) {
        const entry = await resolveMember(file);
        if (entry === undefined || entry.kind !== 'file')
          fault('dispatch-target-missing', file, `dispatch runs ${file}, which is not in the charm`);
      }
    }
    return { ok: faults.length === 0, name, architectures, faults, entries };
  } finally {
    zip.close();
  }
}

/**
 * {@link checkCharm}, throwing when there is a fault.
 * @throws CharmPackError `ERR_CHARM_PACK_INVALID_CHARM` listing every fault.
 */
export async function assertValidCharm(input: string | Uint8Array): Promise<CheckCharmResult> {
  const result = await checkCharm(input);
  if (!result.ok) {
    const label = typeof input === 'string' ? input : 'the .charm';
    throw new CharmPackError(
      'ERR_CHARM_PACK_INVALID_CHARM',
      `${label} would not deploy: ${result.faults.map((f) => f.message).join('; ')}`,
      typeof input === 'string' ? { path: input } : {},
    );
  }
  return result;
}
