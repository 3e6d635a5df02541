import { execFile } from 'node:child_process';

/**
 * The few hook tools the demo charm calls itself; the layer does all relation work. A charm that
 * depends on `@tls-client/hookenv` would use its `HookTools` instead; this example keeps to one
 * dependency, the layer.
 */
export interface CharmTools {
  configGet(): Promise<Record<string, unknown>>;
  unitGet(attribute: 'public-address' | 'private-address'): Promise<string>;
  networkGet(binding: string): Promise<unknown>;
  statusSet(status: 'maintenance' | 'blocked' | 'waiting' | 'active', message: string): Promise<void>;
  jujuLog(message: string, level?: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR'): Promise<void>;
}

function run(tool: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // argv array, never a shell; the tools live on PATH (Juju prepends its tools directory).
    execFile(
      tool,
      args,
      { encoding: 'utf8', timeout: 30_000, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const firstLine = stderr.trim().split('\n')[0]?.slice(0, 200) ?? '';
          reject(new Error(`hook tool ${tool} failed (${err.code ?? err.signal ?? 'error'}): ${firstLine}`));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

async function runJson(tool: string, args: readonly string[]): Promise<unknown> {
  const out = await run(tool, ['--format=json', ...args]);
  try {
    return JSON.parse(out) as unknown;
  } catch (cause) {
    throw new Error(`hook tool ${tool} printed ${out.length} bytes that are not JSON`, { cause });
  }
}

/** Hook tools through child processes, as Juju provides them on PATH during a hook. */
export function createCharmTools(): CharmTools {
  return {
    async configGet() {
      const value = await runJson('config-get', []);
      return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    },
    async unitGet(attribute) {
      const value = await runJson('unit-get', [attribute]);
      if (typeof value !== 'string') throw new Error(`unit-get ${attribute} did not return a string`);
      return value;
    },
    networkGet(binding) {
      return runJson('network-get', [binding]);
    },
    async statusSet(status, message) {
      await run('status-set', [status, '--', message]);
    },
    async jujuLog(message, level = 'INFO') {
      await run('juju-log', ['--log-level', level, '--', message]);
    },
  };
}
