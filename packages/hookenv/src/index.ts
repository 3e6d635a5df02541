export { HookToolError, type HookToolErrorCode, type HookToolErrorOptions } from './errors.js';
export { getHookContext, type HookContext } from './hook-context.js';
export {
  type BindAddress,
  HookTools,
  type HookToolsOptions,
  type LogLevel,
  type NetworkAddress,
  type NetworkInfo,
  type RelationGetOptions,
  type WorkloadStatus,
} from './hook-tools.js';
export { type FlushResult, RelationDataView, type RelationDataViewOptions } from './relation-data-view.js';
export {
  parseSecretUri,
  type SecretAddOptions,
  type SecretGetOptions,
  type SecretInfo,
  type SecretOwner,
  type SecretRotatePolicy,
  type SecretSetOptions,
  type SecretUri,
} from './secret-args.js';
