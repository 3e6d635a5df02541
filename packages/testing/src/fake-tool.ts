#!/usr/bin/env node
// The fake hook-tool executable. Installed under every tool name (see FakeModel), invoked either
// as `fake-tool.js <tool> args…` by a wrapper script or through a symlink named after the tool.
import { appendFileSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { updateState } from './state-file.js';
import { runTool } from './tools.js';

function main(): number {
  const invokedAs = basename(process.argv[1] ?? '');
  const viaWrapper = invokedAs === 'fake-tool.js' || invokedAs === 'fake-tool';
  const tool = viaWrapper ? (process.argv[2] ?? '') : invokedAs;
  const args = process.argv.slice(viaWrapper ? 3 : 2);
  const statePath = process.env.FAKE_JUJU_STATE;
  if (statePath === undefined || statePath === '') {
    process.stderr.write(
      'ERROR FAKE_JUJU_STATE not set: this fake hook tool needs the fake Juju state file\n',
    );
    return 1;
  }
  // Test instrumentation: the exact argv this process got, from the kernel, so a test can prove
  // that no secret reached a command line.
  const cmdlineLog = process.env.FAKE_JUJU_CMDLINE_LOG;
  if (cmdlineLog !== undefined && cmdlineLog !== '') {
    const cmdline = readFileSync('/proc/self/cmdline', 'utf8').split('\0').slice(0, -1);
    appendFileSync(cmdlineLog, `${JSON.stringify({ pid: process.pid, cmdline })}\n`, { mode: 0o600 });
  }
  // Read stdin before taking the state lock, so a slow writer does not hold up other tools.
  let stdin: string | undefined;
  const readFile = (path: string): string => {
    if (path === '-') {
      stdin ??= readFileSync(0, 'utf8');
      return stdin;
    }
    return readFileSync(path, 'utf8');
  };
  const fileIndex = args.findIndex((a) => a === '--file' || a === '--file=-');
  if (
    tool === 'relation-set' &&
    fileIndex !== -1 &&
    (args[fileIndex] === '--file=-' || args[fileIndex + 1] === '-')
  ) {
    readFile('-');
  }
  let result: { stdout: string; stderr: string; exitCode: number };
  try {
    result = updateState(statePath, (state) => runTool(state, { tool, args, env: process.env, readFile }));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    process.stderr.write(
      `ERROR fake Juju: ${typeof code === 'string' ? `${code}: ` : ''}${(error as Error).message}\n`,
    );
    return 1;
  }
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.exitCode;
}

process.exitCode = main();
