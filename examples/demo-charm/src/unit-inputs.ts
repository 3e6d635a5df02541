import { CONFIG_OPTIONS } from './config.js';

/** What the charm reads from Juju besides the relation: its path options and its addresses. */
export interface UnitInputs {
  /** The options the charm reads (paths and `protocol`), as config-get gave them (nothing else is kept). */
  config: Record<string, unknown>;
  /** The address clients use (network-get's first ingress address); the server certificate's CN. */
  ingress: string;
  /** The other addresses of the unit on the endpoint's network, for the SANs. */
  others: string[];
}

/** The unit-state key of the inputs read last. */
export const INPUTS_KEY = 'demo.unit-inputs';

/**
 * Hooks in which config or addresses may be new. Juju runs config-changed after every config change,
 * after the machine's addresses change, after upgrade-charm and whenever the unit agent starts, so
 * in every other hook the inputs read last are still current.
 */
export const REFRESH_HOOKS: ReadonlySet<string> = new Set([
  'install',
  'start',
  'config-changed',
  'upgrade-charm',
  'post-series-upgrade',
]);

/** Whether this hook must ask Juju again (`config-get`, `network-get`) instead of using `cached`. */
export function needsRefresh(hookName: string, cached: unknown): boolean {
  return REFRESH_HOOKS.has(hookName) || !isUnitInputs(cached);
}

/** The charm's options of a `config-get` answer, values as they are (a wrong type must still be seen). */
export function pickOptions(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const option of CONFIG_OPTIONS) {
    if (config[option] !== undefined && config[option] !== null) picked[option] = config[option];
  }
  return picked;
}

/** Whether a stored value is a complete {@link UnitInputs}. */
export function isUnitInputs(value: unknown): value is UnitInputs {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<UnitInputs>;
  return (
    typeof v.ingress === 'string' &&
    Array.isArray(v.others) &&
    v.others.every((a) => typeof a === 'string') &&
    typeof v.config === 'object' &&
    v.config !== null &&
    !Array.isArray(v.config)
  );
}
