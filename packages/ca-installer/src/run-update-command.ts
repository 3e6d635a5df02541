import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { CaInstallerError } from './errors.js';

/** PATH used when the environment has none (Juju hooks always set one). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const STDERR_CAP = 2048;
const CAPTURE_CAP = 64 * 1024;

/** What a successful run printed (tails, capped). */
export interface UpdateRun {
  command: string[];
  stdout: string;
  stderr: string;
  durationMs: number;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const st = await stat(path);
    if (!st.isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves a program name on `PATH` (absolute entries only); a name with `/` is taken as a path. */
export async function resolveCommand(program: string, pathVar: string): Promise<string | undefined> {
  if (program.includes('/')) return (await isExecutableFile(program)) ? program : undefined;
  // A relative PATH entry would make the result depend on the working directory: skip it.
  for (const dir of pathVar.split(':')) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const candidate = join(dir, program);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Keeps the end of a text within `cap` characters, with PEM bodies replaced, for error fields. */
export function redactTail(text: string, cap = STDERR_CAP): string {
  const redacted = text.replace(
    /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?(?:-----END \1-----|$)/g,
    '[PEM $1 redacted]',
  );
  return redacted.length <= cap ? redacted : `…${redacted.slice(-(cap - 1))}`;
}

function appendCapped(current: string, chunk: Buffer): string {
  const next = current + chunk.toString('utf8');
  return next.length > CAPTURE_CAP ? next.slice(-CAPTURE_CAP) : next;
}

/**
 * Runs an update command with an argument vector (never a shell), in its own process group so a
 * timeout kills the tool and everything it started. Resolves on exit code 0.
 *
 * @throws {CaInstallerError} `ERR_CA_INSTALLER_UPDATE_NOT_FOUND`, `_UPDATE_FAILED`, `_UPDATE_TIMEOUT`,
 *   each with `command`, and `exitCode`/`signal`/`stderr` where known.
 */
export async function runUpdateCommand(
  argv: readonly [string, ...string[]],
  options: { env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<UpdateRun> {
  const [program, ...args] = argv;
  const pathVar = options.env.PATH ?? DEFAULT_PATH;
  const file = await resolveCommand(program, pathVar);
  const command = [...argv];
  if (file === undefined) {
    throw new CaInstallerError(
      'ERR_CA_INSTALLER_UPDATE_NOT_FOUND',
      program.includes('/')
        ? `update command "${program}" does not exist or is not executable`
        : `update command "${program}" is not on PATH (${pathVar.slice(0, 200)})`,
      { command },
    );
  }
  const started = performance.now();
  return await new Promise<UpdateRun>((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const child = spawn(file, args, {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      shell: false,
    });
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = appendCapped(stdout, chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = appendCapped(stderr, chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const notFound = error.code === 'ENOENT' || error.code === 'EACCES';
      reject(
        new CaInstallerError(
          notFound ? 'ERR_CA_INSTALLER_UPDATE_NOT_FOUND' : 'ERR_CA_INSTALLER_UPDATE_FAILED',
          `cannot start update command "${file}" (${error.code ?? 'error'})`,
          { command, cause: error },
        ),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const durationMs = performance.now() - started;
      if (timedOut) {
        reject(
          new CaInstallerError(
            'ERR_CA_INSTALLER_UPDATE_TIMEOUT',
            `update command "${command.join(' ')}" ran longer than ${options.timeoutMs} ms and was killed`,
            { command, signal: signal ?? 'SIGKILL', stderr: redactTail(stderr) },
          ),
        );
        return;
      }
      if (code === 0) {
        resolvePromise({ command, stdout, stderr, durationMs });
        return;
      }
      const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${code}`;
      const tail = redactTail(stderr).trim().split('\n').pop()?.slice(0, 200) ?? '';
      reject(
        new CaInstallerError(
          'ERR_CA_INSTALLER_UPDATE_FAILED',
          `update command "${command.join(' ')}" ${how}${tail === '' ? '' : `: ${tail}`}`,
          {
            command,
            exitCode: code ?? undefined,
            signal: signal ?? undefined,
            stderr: redactTail(stderr),
          },
        ),
      );
    });
  });
}
