// Internal: the shared edit-then-diff machinery of the two encoders.
import { isPlainRecord, Problems, readJsonMap } from './fields.js';
import { pyJsonDumps } from './py-json.js';
import type { Databag, DatabagChanges } from './types.js';

/** Sets an own property, so a key named "__proto__" from outside cannot change a prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export class DatabagEditor {
  readonly problems = new Problems();
  private readonly current: Record<string, string>;
  private readonly data: Record<string, string | undefined>;
  private readonly maps = new Map<string, Record<string, unknown>>();

  constructor(current: Databag | undefined, fn: string) {
    if (current !== undefined && (current === null || typeof current !== 'object')) {
      throw new TypeError(`${fn}: current must be an object`);
    }
    this.current = Object.create(null);
    this.data = Object.create(null);
    for (const key of Object.keys(current ?? {})) {
      const value = (current as Record<string, unknown>)[key];
      if (typeof value !== 'string')
        throw new TypeError(`${fn}: current[${JSON.stringify(key)}] is not a string`);
      // Juju treats an empty value as an absent key.
      if (value === '') continue;
      this.current[key] = value;
      this.data[key] = value;
    }
  }

  get(key: string): string | undefined {
    return this.data[key];
  }

  /** A raw write; `""` deletes the key, as `relation-set key=` does. */
  setRaw(key: string, value: string): void {
    this.data[key] = value === '' ? undefined : value;
  }

  /**
   * The JSON object stored under `key`, for editing. An absent or empty value starts a new map; a
   * value that is not a JSON object is reported and replaced, since this unit owns the key.
   */
  map(key: string): Record<string, unknown> {
    let map = this.maps.get(key);
    if (map === undefined) {
      const stored = readJsonMap(
        this.data as Record<string, string>,
        key,
        this.problems,
        undefined,
        '(our own published value; replaced)',
      );
      map = Object.create(null) as Record<string, unknown>;
      if (stored !== undefined && isPlainRecord(stored)) {
        for (const name of Object.keys(stored)) setOwn(map, name, stored[name]);
      }
      this.maps.set(key, map);
    }
    return map;
  }

  /** Encodes a map; an old entry that cannot be encoded (e.g. absurdly deep) is dropped and reported. */
  private encodeMap(key: string, map: Record<string, unknown>): string {
    try {
      return pyJsonDumps(map);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      const kept: Record<string, unknown> = {};
      for (const name of Object.keys(map)) {
        try {
          pyJsonDumps(map[name]);
          setOwn(kept, name, map[name]);
        } catch {
          this.problems.add(
            'ERR_PROTOCOL_INVALID_SHAPE',
            key,
            'cannot be re-encoded (nested too deeply); the entry was dropped',
            undefined,
            name,
          );
        }
      }
      return pyJsonDumps(kept);
    }
  }

  finish(): DatabagChanges {
    for (const [key, map] of this.maps) this.data[key] = this.encodeMap(key, map);
    // Plain objects for callers; setOwn keeps a "__proto__" key an ordinary own property.
    const data: Record<string, string> = {};
    const set: Record<string, string> = {};
    const deleted: string[] = [];
    for (const key of Object.keys(this.data)) {
      const value = this.data[key];
      if (value === undefined) {
        if (key in this.current) deleted.push(key);
        continue;
      }
      setOwn(data, key, value);
      if (this.current[key] !== value) setOwn(set, key, value);
    }
    const changed = deleted.length > 0 || Object.keys(set).length > 0;
    return { data, set, deleted, changed, problems: this.problems.list };
  }
}
