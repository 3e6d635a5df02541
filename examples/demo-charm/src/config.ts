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

/** The `protocol` option: which dialect of the relation the layer speaks. */
export type DemoProtocol = 'auto' | 'legacy' | 'v4';
/** The name of the protocol option, as in config.yaml. */
export const PROTOCOL_OPTION = 'protocol';
const PROTOCOLS: readonly DemoProtocol[] = ['auto', 'legacy', 'v4'];

/** Every option the charm reads, as in config.yaml. */
export const CONFIG_OPTIONS: readonly string[] = [...PATH_OPTIONS, PROTOCOL_OPTION];

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

/**
 * Resolves the `protocol` option: unset (an older stored config) means `auto`, the config.yaml
 * default; case and surrounding blanks are ignored.
 * @throws DemoConfigError naming the option for anything but `auto`, `legacy` or `v4`.
 */
export function resolveProtocol(config: Readonly<Record<string, unknown>>): DemoProtocol {
  const value = config[PROTOCOL_OPTION] ?? 'auto';
  const word = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  const protocol = PROTOCOLS.find((p) => p === word);
  if (protocol === undefined) {
    throw new DemoConfigError(
      PROTOCOL_OPTION,
      `config option ${PROTOCOL_OPTION} must be one of auto, legacy, v4`,
    );
  }
  return protocol;
}
