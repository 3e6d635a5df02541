import { spawn } from 'node:child_process';
import { HookToolError } from './errors.js';

/**
 * One argv element. A plain string is shown as is in errors; a secret one is passed to the tool
 * but shown as `display`, and its `secret` part is scrubbed from stderr.
 */
export type ToolArg = string | { readonly value: string; readonly display: string; readonly secret: string };

export interface RunToolOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Written to stdin, then stdin is closed. Stdin is always a pipe, empty when this is absent. */
  input?: string | undefined;
  /** Values sent through stdin or files that must never appear in an error (scrubbed from stderr). */
  secrets?: readonly string[] | undefined;
  maxStdoutBytes: number;
}

export interface ToolOutput {
  stdout: string;
  /** Redacted and capped, like the error field. */
  stderr: string;
  /** The redacted argv, for errors raised by the caller while parsing stdout. */
  displayArgs: string[];
}

const STDERR_CAPTURE_BYTES = 64 * 1024;
const STDERR_KEEP_CHARS = 4096;
const MIN_SCRUB_LENGTH = 4;

/**
 * Runs one hook tool with an argv array (never a shell), explicit stdin, separate capped
 * stdout/stderr and a timeout after which the tool is killed with SIGKILL.
 */
export function runTool(
  tool: string,
  args: readonly ToolArg[],
  options: RunToolOptions,
): Promise<ToolOutput> {
  const argv = args.map((a) => (typeof a === 'string' ? a : a.value));
  const displayArgs = args.map((a) => (typeof a === 'string' ? a : a.display));
  const secrets = [
    ...(options.secrets ?? []),
    ...args.flatMap((a) => (typeof a === 'string' ? [] : [a.secret])),
  ].filter((s) => s.length >= MIN_SCRUB_LENGTH);
  for (const arg of argv) {
    // spawn would throw a bare ERR_INVALID_ARG_VALUE; a NUL can never reach a tool through argv.
    if (arg.includes('\0')) throw new TypeError(`${tool}: an argument contains a NUL character`);
  }

  return new Promise<ToolOutput>((resolve, reject) => {
    let settled = false;
    let timedOut = false;
    let stdoutBytes = 0;
    let stdoutTooLarge = false;
    const stdoutChunks: Buffer[] = [];
    let stderrBytes = 0;
    const stderrChunks: Buffer[] = [];

    const child = spawn(tool, argv, {
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
    });

    const fail = (error: HookToolError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      reject(error);
    };
    const stderrText = (): string =>
      redactStderr(Buffer.concat(stderrChunks).toString('utf8'), secrets, stderrBytes);

    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const timeoutError = (): HookToolError =>
      exit === undefined || exit.signal === 'SIGKILL'
        ? new HookToolError(
            'ERR_HOOKENV_TIMEOUT',
            `hook tool ${tool} did not finish within ${options.timeoutMs} ms and was killed`,
            { tool, args: displayArgs, signal: 'SIGKILL', stderr: stderrText() },
          )
        : new HookToolError(
            'ERR_HOOKENV_TIMEOUT',
            `hook tool ${tool} exited, but its output was still open after ${options.timeoutMs} ms (a child process holds it)`,
            {
              tool,
              args: displayArgs,
              exitCode: exit.code ?? undefined,
              signal: exit.signal ?? undefined,
              stderr: stderrText(),
            },
          );
    const timer = setTimeout(() => {
      timedOut = true;
      // The tool itself may be gone while a child of it still holds stdout open: stop waiting.
      if (exit !== undefined) fail(timeoutError());
      else child.kill('SIGKILL');
    }, options.timeoutMs);

    child.on('error', (error: NodeJS.ErrnoException) => {
      const notFound = error.code === 'ENOENT';
      // Juju 2.9 has no secret tools: a missing one means "no secrets here", not "not under Juju".
      const secretTool = notFound && tool.startsWith('secret-');
      fail(
        new HookToolError(
          secretTool
            ? 'ERR_HOOKENV_SECRETS_UNSUPPORTED'
            : notFound
              ? 'ERR_HOOKENV_TOOL_NOT_FOUND'
              : 'ERR_HOOKENV_SPAWN_FAILED',
          secretTool
            ? `hook tool ${tool} is not on PATH: this model has no secrets (Juju 3.0 or later is needed)`
            : notFound
              ? `hook tool ${tool} is not on PATH (is this process running as a Juju hook?)`
              : `hook tool ${tool} could not be started (${error.code ?? error.message})`,
          { tool, args: displayArgs, cause: error },
        ),
      );
    });

    child.stdout.on('data', (chunk: Buffer) => {
      if (stdoutTooLarge) return;
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxStdoutBytes) {
        stdoutTooLarge = true;
        child.kill('SIGKILL');
        fail(
          new HookToolError(
            'ERR_HOOKENV_BAD_OUTPUT',
            `hook tool ${tool} wrote more than ${options.maxStdoutBytes} bytes to stdout`,
            { tool, args: displayArgs },
          ),
        );
        return;
      }
      stdoutChunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const room = STDERR_CAPTURE_BYTES - Math.min(stderrBytes, STDERR_CAPTURE_BYTES);
      if (room > 0) stderrChunks.push(chunk.subarray(0, room));
      stderrBytes += chunk.length;
    });

    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Settled here, not on 'close': a grandchild may hold the pipes open after the kill.
      if (timedOut) fail(timeoutError());
    });

    child.on('close', (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      if (exitCode !== 0) {
        const stderr = stderrText();
        const line = firstErrorLine(stderr);
        const ending =
          exitCode === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${exitCode}`;
        const relationGone =
          (tool.startsWith('relation-') || tool === 'network-get') &&
          /relation not found|unknown relation id|invalid relation id/i.test(stderr);
        // As ops does: a secret-* failure mentioning "not found" is a missing secret.
        const secretGone = tool.startsWith('secret-') && /not found/i.test(stderr);
        fail(
          new HookToolError(
            relationGone
              ? 'ERR_HOOKENV_RELATION_NOT_FOUND'
              : secretGone
                ? 'ERR_HOOKENV_SECRET_NOT_FOUND'
                : 'ERR_HOOKENV_TOOL_FAILED',
            `hook tool ${tool} ${ending}${line ? `: ${line}` : ''}`,
            { tool, args: displayArgs, exitCode: exitCode ?? undefined, signal: signal ?? undefined, stderr },
          ),
        );
        return;
      }
      let stdout: string;
      try {
        stdout = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(stdoutChunks));
      } catch (cause) {
        fail(
          new HookToolError('ERR_HOOKENV_BAD_OUTPUT', `hook tool ${tool} wrote invalid UTF-8 to stdout`, {
            tool,
            args: displayArgs,
            cause,
          }),
        );
        return;
      }
      settled = true;
      clearTimeout(timer);
      resolve({ stdout, stderr: stderrText(), displayArgs });
    });

    // The tool may exit without reading stdin; EPIPE then is not our failure, its exit code is.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Scrubs PEM blocks and the given secrets from tool stderr, then caps it. */
export function redactStderr(text: string, secrets: readonly string[], totalBytes = text.length): string {
  let out = text.replace(
    /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?(?:-----END \1-----|$)/g,
    (_m, label: string) => `<redacted ${label}>`,
  );
  // Longest first, so a secret containing another is removed whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join('<redacted>');
  }
  const dropped = Math.max(0, totalBytes - Buffer.byteLength(text));
  if (dropped > 0) out = scrubSecretPrefixAtEnd(out, secrets);
  if (out.length > STDERR_KEEP_CHARS || dropped > 0) {
    const kept = out.slice(0, STDERR_KEEP_CHARS);
    const more = out.length - kept.length + dropped;
    out = `${kept}… (${more} more)`;
  }
  return out;
}

function firstErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  const line = lines.find((l) => /^(ERROR|error:)/.test(l)) ?? lines.find((l) => l !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** The capture cap may cut a secret in half: drop a tail that starts one. */
function scrubSecretPrefixAtEnd(text: string, secrets: readonly string[]): string {
  for (const secret of secrets) {
    for (let k = Math.min(secret.length - 1, text.length); k >= MIN_SCRUB_LENGTH; k--) {
      if (text.endsWith(secret.slice(0, k))) return `${text.slice(0, text.length - k)}<redacted>`;
    }
  }
  return text;
}
