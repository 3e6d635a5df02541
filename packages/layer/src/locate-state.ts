import { FlagStore } from '@tls-client/flags';

/**
 * Opens the unit's flag store with the flags package's location rules: `TLS_CLIENT_STATE_DIR`
 * from `env`, else `<charmDir>/.tls-client`.
 * @throws FlagsError when the state file is unreadable or corrupt.
 */
export function openFlagStore(options: {
  env: NodeJS.ProcessEnv;
  charmDir?: string;
  stateDir?: string;
}): FlagStore {
  return FlagStore.open({
    env: options.env,
    ...(options.charmDir === undefined ? {} : { charmDir: options.charmDir }),
    ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
  });
}
