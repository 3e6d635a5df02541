import { isAbsolute, join } from 'node:path';

/** Where the demo charm keeps its files, resolved from config.yaml. */
export interface DemoPaths {
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  caCert: string;
}

const OPTIONS = {
  serverCert: ['server-cert-path', 'server.crt'],
  serverKey: ['server-key-path', 'server.key'],
  clientCert: ['client-cert-path', 'client.crt'],
  clientKey: ['client-key-path', 'client.key'],
  caCert: ['ca-cert-path', 'ca.crt'],
} as const satisfies Record<keyof DemoPaths, readonly [string, string]>;

/** The names of the path options, as in config.yaml. */
export const PATH_OPTIONS: readonly string[] = Object.values(OPTIONS).map(([option]) => option);

/** A config value the charm cannot use; the charm turns it into a blocked status. */
export class DemoConfigError extends Error {
  override readonly name = 'DemoConfigError';
  readonly option: string;
  constructor(option: string, message: string) {
    super(message);
    this.option = option;
  }
}

/**
 * Resolves the five path options: empty (the default) means `<charmDir>/certs/<file>`; anything
 * else must be an absolute path.
 * @throws DemoConfigError naming the option when a value is not a string or not absolute.
 */
export function resolvePaths(config: Readonly<Record<string, unknown>>, charmDir: string): DemoPaths {
  const entries = Object.entries(OPTIONS).map(([field, [option, file]]) => {
    const value = config[option] ?? '';
    if (typeof value !== 'string') {
      throw new DemoConfigError(option, `config option ${option} must be a string (got ${typeof value})`);
    }
    const trimmed = value.trim();
    if (trimmed === '') return [field, join(charmDir, 'certs', file)];
    if (!isAbsolute(trimmed) || trimmed.includes('\0')) {
      throw new DemoConfigError(option, `config option ${option} must be an absolute path or empty`);
    }
    return [field, trimmed];
  });
  return Object.fromEntries(entries) as unknown as DemoPaths;
}
