export {
  type AnswerOptions,
  type AnswerResult,
  EmbeddedCa,
  type EmbeddedCaOptions,
  type FaultMode,
  type IssuedPair,
} from './embedded-ca.js';
export type { AnswerV4Options, AnswerV4Result, SanPolicy, V4FaultMode } from './embedded-ca-v4.js';
export { TestingError, type TestingErrorCode } from './errors.js';
export {
  type AddSecretOptions,
  type ExpiredSecret,
  FakeModel,
  type FakeModelOptions,
  type FakeSecret,
  type HookEnv,
  type HookRun,
  type LogEntry,
  type NetworkInfo,
  type RunHookOptions,
  type StatusValue,
  type ToolCall,
} from './fake-model.js';
export { prepareDebianRoot } from './prepare-debian-root.js';
export { HOOK_TOOL_NAMES, type HookToolName, SECRET_TOOL_NAMES } from './tools.js';
export type { KeyType } from './x509.js';
