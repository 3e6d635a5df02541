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
  FakeModel,
  type FakeModelOptions,
  type HookEnv,
  type HookRun,
  type LogEntry,
  type NetworkInfo,
  type RunHookOptions,
  type StatusValue,
  type ToolCall,
} from './fake-model.js';
export { HOOK_TOOL_NAMES, type HookToolName } from './tools.js';
export type { KeyType } from './x509.js';
