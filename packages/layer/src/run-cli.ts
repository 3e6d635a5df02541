import { parseArgs } from 'node:util';
import { checkStatus } from './check-status.js';
import { LayerError } from './errors.js';
import { formatStatus } from './format-status.js';
import { readStatus } from './read-status.js';

const USAGE = `usage: tls-client <command> [options]

commands:
  status [--json]          relation state, flags and every requested certificate
  check [--warn-days N]    exit 0 ok, 1 warning, 2 error (for monitoring)

options:
  --state-dir DIR          directory of the unit state (default: $TLS_CLIENT_STATE_DIR,
                           else $JUJU_CHARM_DIR/.tls-client, else the one unit under /var/lib/juju/agents)
  --charm-dir DIR          the unit's charm directory (state in DIR/.tls-client)
  --json                   machine-readable output (format version 1, see the README)
  -h, --help               this text
`;

/** Runs the `tls-client` CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(
  argv: readonly string[],
  out = process.stdout,
  err = process.stderr,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    err.write(`tls-client: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === 'help') {
    out.write(USAGE);
    return 0;
  }
  if (command !== 'status' && command !== 'check') {
    err.write(
      `tls-client: ${command === undefined ? 'missing command' : `unknown command "${command}"`}\n\n${USAGE}`,
    );
    return 2;
  }
  if (positionals.length > 1) {
    err.write(`tls-client: unexpected argument "${positionals[1]}"\n`);
    return 2;
  }
  let warnDays = 30;
  if (values['warn-days'] !== undefined) {
    if (command !== 'check') {
      err.write('tls-client: --warn-days applies to "check" only\n');
      return 2;
    }
    warnDays = Number(values['warn-days']);
    if (!/^[0-9]+$/.test(values['warn-days'])) {
      err.write('tls-client: --warn-days must be a whole number of days\n');
      return 2;
    }
  }
  try {
    const status = await readStatus({
      ...(values['state-dir'] === undefined ? {} : { stateDir: values['state-dir'] }),
      ...(values['charm-dir'] === undefined ? {} : { charmDir: values['charm-dir'] }),
    });
    if (command === 'status') {
      out.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
      return 0;
    }
    const result = checkStatus(status, { warnDays });
    if (values.json) {
      out.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      out.write(
        `${result.level.toUpperCase()}: ${summary(result.findings.length, status.certificates.length)}\n`,
      );
      for (const f of result.findings) out.write(`  ${f.level.padEnd(7)} ${f.subject}: ${f.message}\n`);
    }
    return result.exitCode;
  } catch (error) {
    const code = error instanceof LayerError ? `${error.code}: ` : '';
    err.write(`tls-client: ${code}${(error as Error).message}\n`);
    // check: not knowing the state is an error for monitoring too.
    return 2;
  }
}

function summary(findings: number, certificates: number): string {
  const certs = `${certificates} certificate${certificates === 1 ? '' : 's'}`;
  return findings === 0 ? `${certs}, all good` : `${certs}, ${findings} finding${findings === 1 ? '' : 's'}`;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      'warn-days': { type: 'string' },
      'state-dir': { type: 'string' },
      'charm-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
