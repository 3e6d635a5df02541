// Temp tool directories for tests that need exact control of a tool's output (see fixtures/).
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, 'fixtures');

export interface Recorded {
  tool: string;
  args: string[];
  stdin: string;
}
export interface ToolResponse {
  stdout?: string;
  stdoutBase64?: string;
  stderr?: string;
  exitCode?: number;
}

/** A temp dir with a bin/ of recording stand-in tools, an env to run them, and cleanup. */
export class ToolSandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'hookenv-test-'));
  readonly binDir = join(this.dir, 'bin');
  readonly env: NodeJS.ProcessEnv;
  readonly #recordFile = join(this.dir, 'calls.jsonl');
  readonly #responsesFile = join(this.dir, 'responses.json');
  readonly #pidFile = join(this.dir, 'child.pid');

  constructor() {
    writeFileSync(this.#responsesFile, '{}');
    this.env = {
      // The tools' dir, plus the system dirs for sh and sleep; node is called by absolute path.
      PATH: `${this.binDir}:/usr/bin:/bin`,
      RECORD_FILE: this.#recordFile,
      FIXTURE_RESPONSES: this.#responsesFile,
      PID_FILE: this.#pidFile,
    };
    mkdirSync(this.binDir);
  }

  /** Installs the recording tool under each name. */
  install(...tools: string[]): this {
    for (const tool of tools) {
      const path = join(this.binDir, tool);
      writeFileSync(
        path,
        `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(join(FIXTURES, 'record-tool.mjs'))} ${shellQuote(tool)} "$@"\n`,
        { mode: 0o755 },
      );
    }
    return this;
  }

  /** Installs a fixture script (e.g. sleep-tool.sh) under a tool name. */
  installScript(fixture: string, tool: string): this {
    const path = join(this.binDir, tool);
    copyFileSync(join(FIXTURES, fixture), path);
    chmodSync(path, 0o755);
    return this;
  }

  respond(responses: Record<string, ToolResponse>): this {
    writeFileSync(this.#responsesFile, JSON.stringify(responses));
    return this;
  }

  calls(): Recorded[] {
    if (!existsSync(this.#recordFile)) return [];
    return readFileSync(this.#recordFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Recorded);
  }

  cleanup(): void {
    // A fixture's background `sleep` outlives the killed tool: end it by its recorded pid.
    if (existsSync(this.#pidFile)) {
      const pid = Number(readFileSync(this.#pidFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 1) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
