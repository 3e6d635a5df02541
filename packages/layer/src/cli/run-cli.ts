import { isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { checkStatus } from './check-status.js';
import { CliUsageError, toCliErrorOutput } from './cli-error.js';
import { EXIT_CODE_LEGEND, formatFinding, formatStatus } from './format-status.js';
import { readStatus } from './read-status.js';

const USAGE = `usage: tls-client <command> [options]

commands:
  status                   relation, CA trust, flags and every requested certificate,
                           then the findings of "check" with their remedies (exit 0 once printed)
  check                    findings only, for monitoring (${EXIT_CODE_LEGEND})

options:
  --json                   machine-readable output, also for errors (see the README)
  --warn-days N            warn about certificates expiring within N days (default 30)
  --state-dir DIR          directory of the unit state (default: $TLS_CLIENT_STATE_DIR,
                           else $JUJU_CHARM_DIR/.tls-client, else the one unit under /var/lib/juju/agents)
  --charm-dir DIR          the unit's charm directory (state in DIR/.tls-client)
  --trust-root DIR         the sandbox trust root the hooks ran with (default: what the state records,
                           else $TLS_CLIENT_TRUST_ROOT, else /)
  -h, --help               this text

exit codes: 0 = ok, 1 = warnings (check only), 2 = errors, or no answer (no state, bad arguments)
`;

interface Writable {
  write(text: string): unknown;
}

/**
 * Runs the `tls-client` CLI with `argv` (without node and script); resolves to the exit code:
 * 0 = ok, 1 = warnings (`check`), 2 = errors or no answer. With `--json`, stdout is always one JSON
 * value, errors included (`{ ok: false, error: { code, message, path } }`). Never rejects for a
 * failure it can describe.
 * @example process.exitCode = await runCli(['check', '--json', '--charm-dir', charmDir]);
 */
export async function runCli(
  argv: readonly string[],
  out: Writable = process.stdout,
  err: Writable = process.stderr,
): Promise<number> {
  // Known before parsing, so that even a bad command line answers in JSON.
  const json = argv.includes('--json');
  const fail = (error: unknown, usage = false): 2 => {
    const output = toCliErrorOutput(error);
    if (json) out.write(`${JSON.stringify(output, null, 2)}\n`);
    else err.write(`tls-client: ${output.error.code}: ${output.error.message}\n${usage ? `\n${USAGE}` : ''}`);
    return 2;
  };

  let request: CliRequest;
  try {
    request = parseRequest(argv);
  } catch (error) {
    return fail(error instanceof TypeError ? new CliUsageError(error.message) : error, true);
  }
  if (request.command === 'help') {
    out.write(json ? `${JSON.stringify({ usage: USAGE })}\n` : USAGE);
    return 0;
  }
  try {
    const status = await readStatus({
      stateDir: request.stateDir,
      charmDir: request.charmDir,
      trustRoot: request.trustRoot,
    });
    const result = checkStatus(status, { warnDays: request.warnDays });
    if (request.command === 'status') {
      out.write(json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status, result));
      return 0;
    }
    if (json) {
      out.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      out.write(
        `${result.level.toUpperCase()}: ${summary(result.findings.length, status.certificates.length)} (exit ${result.exitCode}; ${EXIT_CODE_LEGEND})\n`,
      );
      for (const f of result.findings) out.write(`${formatFinding(f).join('\n')}\n`);
    }
    return result.exitCode;
  } catch (error) {
    // Not knowing the state is an error for monitoring too.
    return fail(error);
  }
}

interface CliRequest {
  command: 'status' | 'check' | 'help';
  warnDays: number;
  stateDir?: string | undefined;
  charmDir?: string | undefined;
  trustRoot?: string | undefined;
}

/** The command line as a request. @throws CliUsageError (or parseArgs' TypeError) when it is wrong. */
function parseRequest(argv: readonly string[]): CliRequest {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      'warn-days': { type: 'string' },
      'state-dir': { type: 'string' },
      'charm-dir': { type: 'string' },
      'trust-root': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === 'help') return { command: 'help', warnDays: 30 };
  if (command === undefined) throw new CliUsageError('missing command ("status" or "check")');
  if (command !== 'status' && command !== 'check')
    throw new CliUsageError(`unknown command "${command.slice(0, 40)}" (expected "status" or "check")`);
  if (positionals.length > 1)
    throw new CliUsageError(`unexpected argument "${positionals[1]?.slice(0, 40)}"`);
  const days = values['warn-days'];
  if (days !== undefined && !/^[0-9]{1,5}$/.test(days))
    throw new CliUsageError('--warn-days must be a whole number of days');
  const trustRoot = values['trust-root'];
  if (trustRoot !== undefined && !isAbsolute(trustRoot))
    throw new CliUsageError('--trust-root must be an absolute path');
  for (const name of ['state-dir', 'charm-dir'] as const) {
    if (values[name] === '') throw new CliUsageError(`--${name} must not be empty`);
  }
  return {
    command,
    warnDays: days === undefined ? 30 : Number(days),
    stateDir: values['state-dir'],
    charmDir: values['charm-dir'],
    trustRoot,
  };
}

function summary(findings: number, certificates: number): string {
  const certs = `${certificates} certificate${certificates === 1 ? '' : 's'}`;
  return findings === 0 ? `${certs}, all good` : `${certs}, ${findings} finding${findings === 1 ? '' : 's'}`;
}
