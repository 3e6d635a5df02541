#!/usr/bin/env node
import { runCli } from './cli/run-cli.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // runCli answers every failure itself; this is a last resort, still in the documented shape.
    const message = error instanceof Error ? error.message : String(error);
    if (process.argv.includes('--json'))
      process.stdout.write(
        `${JSON.stringify({ ok: false, error: { code: 'ERR_LAYER_CLI_INTERNAL', message, path: null } })}\n`,
      );
    else process.stderr.write(`tls-client: ERR_LAYER_CLI_INTERNAL: ${message}\n`);
    process.exitCode = 2;
  },
);
