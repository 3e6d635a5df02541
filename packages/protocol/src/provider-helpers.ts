import type { RequirerRequests } from './decode-requirer-data.js';
import { compareCodePoints } from './py-json.js';
import { mangleUnitName } from './unit-name.js';

/**
 * `sorted(set(sans or []))`: the SAN list the reactive provider hashes to decide whether a request
 * changed. Order and duplicates do not count as a change; adding or removing a SAN does.
 */
export function normalizeSans(sans: readonly string[] | null | undefined): string[] {
  if (sans === null || sans === undefined) return [];
  if (!Array.isArray(sans)) throw new TypeError('normalizeSans: sans must be an array of strings or null');
  return [...new Set(sans)].sort(compareCodePoints);
}

/**
 * The reactive provider's id of a request in its `data_changed` store:
 * `<relation id>.<U>.<common name>`, e.g. `certificates:5.kubernetes-control-plane_0.10.0.0.5`.
 */
export function requestHashId(relationId: string, unitName: string, commonName: string): string {
  return `${relationId}.${mangleUnitName(unitName)}.${commonName}`;
}

/**
 * The SANs of a relation's application certificate, as the reactive provider builds them: the union,
 * over every unit of the relation, of each application request's common name and SANs, sorted and
 * de-duplicated.
 */
export function applicationSans(units: readonly RequirerRequests[]): string[] {
  const all = new Set<string>();
  for (const unit of units) {
    for (const request of unit.requests) {
      if (request.type !== 'application') continue;
      all.add(request.commonName);
      for (const san of request.sans ?? []) all.add(san);
    }
  }
  return [...all].sort(compareCodePoints);
}
