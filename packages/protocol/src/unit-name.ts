/**
 * Mangles a unit name the way the protocol prefixes keys with it: every `/` becomes `_`.
 * Idempotent, so an already mangled name is returned unchanged.
 *
 * @example mangleUnitName('kubernetes-control-plane/0') // 'kubernetes-control-plane_0'
 */
export function mangleUnitName(unit: string): string {
  if (typeof unit !== 'string') throw new TypeError('mangleUnitName: unit must be a string');
  return unit.replaceAll('/', '_');
}
