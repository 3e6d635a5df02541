// @tls-client/protocol/schemas: zod schemas of the legacy databags and the strict parsers built on
// them. A subpath of its own, so that importing the codec does not load zod. Re-exports only.
export type { ProviderUnitAnswers } from './databag-schemas.js';
export {
  CertEntry,
  CertMap,
  ProviderDatabag,
  RequestEntry,
  RequestMap,
  RequirerDatabag,
  Sans,
} from './databag-schemas.js';
export {
  parseProviderDatabag,
  parseRequirerDatabag,
  safeParseProviderDatabag,
  safeParseRequirerDatabag,
} from './parse-databag.js';
