// The charm's config.yaml: the declared options, their types and defaults, as Juju reads them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TestingError } from './errors.js';
import type { ConfigOptionState, FakeState } from './state.js';

const TYPES: ReadonlySet<string> = new Set(['string', 'int', 'float', 'boolean', 'secret']);

/** Whether `value` has the JSON type Juju gives an option of `type` (`null` always fits). */
export function fitsType(type: ConfigOptionState['type'], value: unknown): boolean {
  if (value === null) return true;
  switch (type) {
    case 'string':
    case 'secret':
      return typeof value === 'string';
    case 'int':
      return Number.isInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

/**
 * Reads `<charmDir>/config.yaml` (`options: {name: {type, default, description}}`). A missing file
 * declares nothing. A missing type is `string`, as in Juju; a default of the wrong type is refused.
 * @throws {TestingError} `ERR_TESTING_CONFIG_YAML` for a file that is not such a mapping.
 */
export function loadConfigOptions(charmDir: string): Record<string, ConfigOptionState> {
  const path = join(charmDir, 'config.yaml');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new TestingError('ERR_TESTING_CONFIG_YAML', `cannot read ${path}`, { path, cause: error });
  }
  const bad = (why: string): TestingError =>
    new TestingError('ERR_TESTING_CONFIG_YAML', `${path}: ${why}`, { path });
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new TestingError('ERR_TESTING_CONFIG_YAML', `${path} is not valid YAML`, { path, cause: error });
  }
  if (doc === null || doc === undefined) return {};
  const options = (doc as { options?: unknown }).options;
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw bad('"options" must be a mapping');
  const out: Record<string, ConfigOptionState> = {};
  for (const [name, raw] of Object.entries(options)) {
    const spec = (raw ?? {}) as { type?: unknown; default?: unknown };
    if (typeof spec !== 'object' || Array.isArray(spec)) throw bad(`option "${name}" must be a mapping`);
    const type = spec.type ?? 'string';
    if (typeof type !== 'string' || !TYPES.has(type)) throw bad(`option "${name}" has an unknown type`);
    const value = spec.default ?? null;
    // YAML reads `default: 1` of a float option as an integer; it is still a float to Juju.
    if (!fitsType(type as ConfigOptionState['type'], value)) {
      throw bad(`the default of option "${name}" is not a ${type}`);
    }
    out[name] = { type: type as ConfigOptionState['type'], default: value as ConfigOptionState['default'] };
  }
  return out;
}

/** Sets config values, type-checked against config.yaml when it declares the option. */
export function applyConfig(state: FakeState, config: Record<string, unknown>, replace = false): void {
  if (config === null || typeof config !== 'object') throw new TypeError('config must be an object');
  const declared = Object.keys(state.configOptions).length > 0;
  for (const [key, value] of Object.entries(config)) {
    const option = state.configOptions[key];
    if (option === undefined) {
      if (declared) throw new TypeError(`config option "${key}" is not declared in config.yaml`);
      continue;
    }
    if (!fitsType(option.type, value)) {
      throw new TypeError(`config option "${key}" is a ${option.type}, got ${typeof value}`);
    }
  }
  const next: Record<string, unknown> = replace ? {} : { ...state.config };
  for (const [key, value] of Object.entries(config)) {
    // With config.yaml, null resets an option to its default, as `juju config --reset` does.
    if (value === null && state.configOptions[key] !== undefined) delete next[key];
    else next[key] = value;
  }
  state.config = next;
}
