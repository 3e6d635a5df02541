import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The built demo runner. */
export const DEMO = resolve(import.meta.dirname, '../dist/demo.js');

/** The outcome of one demo run; `dir` is the temp directory it reported. */
export interface DemoRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  dir: string;
}

/** Runs `dist/demo.js` as a subprocess with `TMPDIR=tmp`, collecting its output. */
export function runDemo(tmp: string, args: string[] = []): Promise<DemoRun> {
  return new Promise((resolvePromise, reject) => {
    // TMPDIR puts the demo's own mkdtemp inside our temp dir, so cleanup is one rm.
    const child = spawn(process.execPath, [DEMO, ...args], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const dir = /^ {2}directory {3}(\S+)$/m.exec(stdout)?.[1] ?? '';
      resolvePromise({ exitCode, stdout, stderr, dir });
    });
  });
}

/** The end of a run's output, for assertion messages (the demo never prints key material). */
export function outputTail(run: DemoRun): string {
  return `exit ${run.exitCode}\n--- stdout (tail)\n${run.stdout.slice(-3000)}\n--- stderr (tail)\n${run.stderr.slice(-3000)}`;
}
