// The fake tools on PATH: one small sh wrapper per tool, running dist/fake-tool.js with this Node.
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestingError } from './errors.js';
import { HOOK_TOOL_NAMES, SECRET_TOOL_NAMES } from './tools.js';

/**
 * Where dist/fake-tool.js is.
 * @throws {TestingError} `ERR_TESTING_NOT_BUILT`
 */
export function locateFakeTool(): string {
  const candidates = [
    new URL('./fake-tool.js', import.meta.url),
    new URL('../dist/fake-tool.js', import.meta.url),
  ];
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate);
    if (existsSync(path)) return path;
  }
  throw new TestingError(
    'ERR_TESTING_NOT_BUILT',
    'fake-tool.js not found next to this module or in ../dist: run `pnpm --filter @tls-client/testing build`',
  );
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Writes the wrappers into `binDir`; without `secretTools`, as on Juju 2.9, the secret tools are left out. */
export async function installToolWrappers(
  binDir: string,
  stateFile: string,
  options: { secretTools: boolean },
): Promise<void> {
  const tool = locateFakeTool();
  const secretNames: ReadonlySet<string> = new Set(SECRET_TOOL_NAMES);
  // Wrappers rather than symlinks: they use this Node binary whatever PATH the charm sets, and
  // fall back to this model's state file when the charm scrubbed FAKE_JUJU_STATE.
  for (const name of HOOK_TOOL_NAMES) {
    if (!options.secretTools && secretNames.has(name)) continue;
    const script = [
      '#!/bin/sh',
      `FAKE_JUJU_STATE="\${FAKE_JUJU_STATE:-${stateFile.replace(/["$`\\]/g, '\\$&')}}"`,
      'export FAKE_JUJU_STATE',
      `exec ${shellQuote(process.execPath)} ${shellQuote(tool)} ${shellQuote(name)} "$@"`,
      '',
    ].join('\n');
    const path = join(binDir, name);
    await writeFile(path, script, { mode: 0o755 });
    await chmod(path, 0o755);
  }
}
