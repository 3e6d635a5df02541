export { Dispatcher, type DispatcherOptions, type DispatchResult, type Handler } from './dispatcher.js';
export { FlagsError, type FlagsErrorCode } from './errors.js';
export { FlagStore, type FlagStoreOptions, type FlagTrigger } from './flag-store.js';
export { runHook } from './run-hook.js';
export {
  DEFAULT_STATE_SUBDIR,
  STATE_FILE_NAME,
  STATE_FILE_VERSION,
  type StateLocationOptions,
} from './state-file.js';
