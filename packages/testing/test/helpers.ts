import { spawn } from 'node:child_process';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp directory; remove it with the returned cleanup. */
export async function tempDir(prefix: string): Promise<string> {
  return realpath(await mkdtemp(join(tmpdir(), `tls-testing-${prefix}-`)));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}

/** Writes an executable `dispatch` shell script into `charmDir`. */
export async function writeDispatch(charmDir: string, body: string): Promise<void> {
  await writeFile(join(charmDir, 'dispatch'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

export interface ToolOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/** Runs one executable with an exact environment and optional stdin, like a hook would. */
export function execTool(
  binDir: string,
  tool: string,
  args: readonly string[],
  env: Record<string, string>,
  stdin = '',
): Promise<ToolOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(binDir, tool), [...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ stdout, stderr, exitCode }));
    child.stdin.end(stdin);
  });
}
