import { compareCodePoints } from './py-json.js';
import type { Databag } from './types.js';

/** One remote unit's databag, with the relation it belongs to. */
export interface ProviderUnitData {
  /** The relation id as Juju prints it, e.g. `certificates:5`. */
  relationId: string;
  /** The remote unit's name, e.g. `easyrsa/0`. */
  unit: string;
  data: Databag;
}

/** Where a merged key came from. */
export interface KeySource {
  relationId: string;
  unit: string;
}

/** Sorts units as the reactive framework does: relation id, then unit name, both as Python strings. */
export function sortUnits(units: readonly ProviderUnitData[]): ProviderUnitData[] {
  if (!Array.isArray(units as unknown)) throw new TypeError('units must be an array');
  for (const entry of units) {
    if (
      entry === null ||
      typeof entry !== 'object' ||
      typeof entry.relationId !== 'string' ||
      typeof entry.unit !== 'string' ||
      entry.data === null ||
      typeof entry.data !== 'object'
    ) {
      throw new TypeError('every unit must be { relationId: string, unit: string, data: object }');
    }
  }
  return [...units].sort(
    (a, b) => compareCodePoints(a.relationId, b.relationId) || compareCodePoints(a.unit, b.unit),
  );
}

/**
 * Merges with the source of every key, for error reports. The first unit in sort order wins each
 * key, as when the reactive framework applies the units in reverse order.
 */
export function mergeWithSources(units: readonly ProviderUnitData[]): {
  data: Record<string, string>;
  sources: Map<string, KeySource>;
} {
  const data: Record<string, string> = {};
  const sources = new Map<string, KeySource>();
  for (const { relationId, unit, data: bag } of sortUnits(units)) {
    for (const key of Object.keys(bag)) {
      if (sources.has(key)) continue;
      const value = bag[key];
      if (typeof value !== 'string') {
        throw new TypeError(
          `databag of ${unit} on ${relationId}: value of key ${JSON.stringify(key)} is not a string`,
        );
      }
      // An own property even for a key named "__proto__" from outside.
      Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true });
      sources.set(key, { relationId, unit });
    }
  }
  return { data, sources };
}

/**
 * Merges the databags of all remote units of all relations on an endpoint into one view, per key,
 * as the reactive framework does: the unit with the lowest relation id, then the lowest unit name
 * (compared as Python compares strings, so `easyrsa/10` < `easyrsa/2`), wins each key.
 *
 * @throws TypeError when `units` is not an array of `{ relationId, unit, data }` with string values.
 */
export function mergeUnitData(units: readonly ProviderUnitData[]): Record<string, string> {
  return mergeWithSources(units).data;
}
