import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

// Registers a load hook that prints every module URL the import pulls in, one per line on stderr.
const TRACE = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent("export async function load(url, context, next) { process.stderr.write('LOAD ' + url + '\\\\n'); return next(url, context); }"));`,
)}`;

/** The modules of this package that importing `specifier` (by package name, as a charm does) loads. */
async function loadedOwnModules(specifier: string): Promise<{ exports: string[]; modules: string[] }> {
  const { stdout, stderr } = await run(
    process.execPath,
    [
      '--import',
      TRACE,
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()));`,
    ],
    { cwd: here },
  );
  const modules = stderr
    .split('\n')
    .filter((line) => line.startsWith('LOAD ') && line.includes('/packages/layer/dist/'))
    .map((line) => line.slice(line.indexOf('/dist/') + 1));
  return { exports: JSON.parse(stdout) as string[], modules };
}

describe('the package entry points', () => {
  it('the main entry (what a hook imports) loads none of the CLI', async () => {
    const { exports, modules } = await loadedOwnModules('@tls-client/layer');
    expect(exports).toContain('TlsClient');
    for (const name of ['readStatus', 'checkStatus', 'formatStatus', 'runCli'])
      expect(exports).not.toContain(name);
    expect(modules).toContain('dist/index.js');
    expect(modules.filter((m) => m.startsWith('dist/cli'))).toEqual([]);
  });

  it('@tls-client/layer/cli has the CLI and its data', async () => {
    const { exports } = await loadedOwnModules('@tls-client/layer/cli');
    expect(exports).toEqual(
      expect.arrayContaining([
        'checkStatus',
        'describeExpiry',
        'EXIT_CODE_LEGEND',
        'formatStatus',
        'readStatus',
        'runCli',
      ]),
    );
  });
});
