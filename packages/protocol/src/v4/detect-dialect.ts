import type { Databag } from '../types.js';
import { CAPABILITIES_KEY, CERTIFICATES_KEY, REQUEST_ERRORS_KEY } from './decode-provider-app-data.js';

/** Which protocol a provider speaks, judged from what it published. */
export type Dialect = 'legacy' | 'v4' | 'unknown';

/** Input of {@link detectDialect}. */
export interface DetectDialectInput {
  /** The provider units' databags (where a legacy provider answers). */
  units?: readonly { unit: string; data: Databag }[] | undefined;
  /** The provider application's databag (where a v4 provider answers). */
  app?: Databag | undefined;
}

const V4_APP_KEYS = [CERTIFICATES_KEY, REQUEST_ERRORS_KEY, CAPABILITIES_KEY];
const LEGACY_UNIT_KEYS = new Set(['ca', 'chain', 'client.cert', 'client.key']);
const LEGACY_ANSWER =
  /\.(?:server\.cert|server\.key|processed_requests|processed_client_requests|processed_application_requests|processed_intermediate_requests)$/;

function has(data: Databag, key: string): boolean {
  return Object.hasOwn(data, key) && typeof data[key] === 'string' && data[key] !== '';
}

function assertDatabag(data: unknown, what: string): asserts data is Databag {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TypeError(`detectDialect: ${what} must be an object of strings`);
  }
}

/**
 * Which dialect a provider speaks, from what it has published: `'v4'` when its application databag
 * holds `certificates`, `request_errors` or `capabilities` (non-empty); otherwise `'legacy'` when a
 * unit databag holds `ca`, `chain`, `client.cert`/`client.key` or a `<unit>.server.cert` /
 * `<unit>.processed_*` answer; otherwise `'unknown'` (nothing published yet: keep waiting, or
 * publish both kinds of request). Juju's own keys (`private-address`, …) count for neither. The
 * values are not parsed: a v4 key holding garbage still says `'v4'`.
 *
 * @throws TypeError for caller mistakes (a databag that is not an object).
 * @example detectDialect({ units: providerUnits, app: providerAppDatabag }) // 'v4'
 */
export function detectDialect(input: DetectDialectInput): Dialect {
  if (input === null || typeof input !== 'object')
    throw new TypeError('detectDialect: input must be an object');
  const { units = [], app } = input;
  if (!Array.isArray(units as unknown)) throw new TypeError('detectDialect: units must be an array');
  if (app !== undefined) {
    assertDatabag(app, 'app');
    if (V4_APP_KEYS.some((key) => has(app, key))) return 'v4';
  }
  for (let i = 0; i < units.length; i++) {
    const data = units[i]?.data;
    assertDatabag(data, `units[${i}].data`);
    for (const key of Object.keys(data)) {
      if (!has(data, key)) continue;
      if (LEGACY_UNIT_KEYS.has(key) || LEGACY_ANSWER.test(key)) return 'legacy';
    }
  }
  return 'unknown';
}
