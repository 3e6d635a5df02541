import { parseArgs } from 'node:util';
import { CHARM_ARCHITECTURES } from './architectures.js';
import { checkCharm } from './check-charm.js';
import { CharmPackError } from './errors.js';
import { packCharm } from './pack-charm.js';
import { unpackCharm } from './unpack-charm.js';

const USAGE = `usage:
  charm-pack [DIR] [--arch amd64,arm64] [--out DIR] [--entry FILE] [--cache-dir DIR]
      packs the charm project DIR (default .) into <name>_<arch>.charm per architecture and
      prints the path of each, one per line, as the last lines of its output
  charm-pack check FILE.charm...     validates .charm files as Juju would; one line per fault
  charm-pack unpack FILE.charm DIR   unpacks into an empty DIR with the modes Juju gives

Architectures: ${CHARM_ARCHITECTURES.join(', ')} (default: package.json "charm.architectures", else amd64).
Node tarballs are cached in $CHARM_PACK_CACHE_DIR, else ~/.cache/tls-client/node.
Exit codes: 0 done, 1 a fault or failure, 2 a usage error.`;

/** Where the CLI writes; the process streams by default. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * The `charm-pack` command: pack (default), `check`, `unpack`. Returns the exit code.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ options: Record<string, { type: 'string' | 'boolean' }>; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        arch: { type: 'string' },
        out: { type: 'string' },
        entry: { type: 'string' },
        'cache-dir': { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    io.stderr(`charm-pack: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  try {
    if (command === 'check') {
      if (rest.length === 0) {
        io.stderr(`charm-pack check: name at least one .charm file\n\n${USAGE}\n`);
        return 2;
      }
      let bad = 0;
      for (const file of rest) {
        const result = await checkCharm(file);
        if (result.ok) io.stdout(`ok    ${file} (${result.name}, ${result.architectures.join(', ')})\n`);
        for (const fault of result.faults) io.stdout(`FAULT ${file}: ${fault.code}: ${fault.message}\n`);
        if (!result.ok) bad += 1;
      }
      return bad === 0 ? 0 : 1;
    }
    if (command === 'unpack') {
      if (rest.length !== 2) {
        io.stderr(`charm-pack unpack: give FILE.charm and an empty DIR\n\n${USAGE}\n`);
        return 2;
      }
      await unpackCharm(rest[0]!, rest[1]!);
      io.stdout(`${rest[1]}\n`);
      return 0;
    }
    const dirs = command === 'pack' ? rest : positionals;
    if (dirs.length > 1) {
      io.stderr(`charm-pack: give one charm folder\n\n${USAGE}\n`);
      return 2;
    }
    const archOption = typeof values.arch === 'string' ? values.arch : undefined;
    const result = await packCharm(dirs[0] ?? '.', {
      architectures: archOption?.split(',').map((a) => a.trim()),
      outDir: typeof values.out === 'string' ? values.out : undefined,
      entry: typeof values.entry === 'string' ? values.entry : undefined,
      cacheDir: typeof values['cache-dir'] === 'string' ? values['cache-dir'] : undefined,
      env: io.env,
      log: (line) => io.stderr(`${line}\n`),
    });
    io.stderr(
      `charm-pack: bundled ${result.modules.length} modules: ${result.bundle.map((b) => `${b.path} ${(b.size / 1024).toFixed(0)} KiB`).join(', ')}\n`,
    );
    for (const charm of result.charms)
      io.stderr(`charm-pack: ${charm.path}: ${mb(charm.size)}, sha256 ${charm.sha256}\n`);
    for (const charm of result.charms) io.stdout(`${charm.path}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CharmPackError) {
      io.stderr(`charm-pack: ${error.message}\n`);
      return 1;
    }
    if (error instanceof TypeError) {
      io.stderr(`charm-pack: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
