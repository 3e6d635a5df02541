import { checkRelationId, type HookTools } from './hook-tools.js';

/** Options for {@link RelationDataView}. */
export interface RelationDataViewOptions {
  /** This unit's name (`JUJU_UNIT_NAME`): the only databag {@link RelationDataView.set} writes. */
  localUnit: string;
}

/** What {@link RelationDataView.flush} did. */
export interface FlushResult {
  /** How many `relation-set` calls were made: at most one per relation, none without a change. */
  relationSets: number;
}

/**
 * Relation unit data for one hook. Reads are cached per (relation, unit), so each databag is read
 * at most once; writes to this unit's databag are collected and sent by {@link flush}, once per
 * relation and only for keys whose value differs from what is published.
 *
 * @example
 * const view = new RelationDataView(new HookTools(), { localUnit: getHookContext().unitName });
 * const ours = await view.get('certificates:3', 'myapp/0');
 * await view.set('certificates:3', { common_name: 'myapp.internal', stale: null });
 * const { relationSets } = await view.flush(); // 0 if nothing changed
 */
export class RelationDataView {
  readonly #tools: HookTools;
  readonly #localUnit: string;
  /** relationId → unit → the databag as published (for our unit: as published plus what we flushed). */
  readonly #cache = new Map<string, Map<string, Promise<Record<string, string>>>>();
  /** relationId → key → value to publish ('' deletes). */
  readonly #pending = new Map<string, Map<string, string>>();

  constructor(tools: HookTools, options: RelationDataViewOptions) {
    if (typeof options?.localUnit !== 'string' || !/^[^/\s]+\/[0-9]+$/.test(options.localUnit)) {
      throw new TypeError('RelationDataView: options.localUnit must be a unit name like "app/0"');
    }
    this.#tools = tools;
    this.#localUnit = options.localUnit;
  }

  /**
   * A unit's databag on a relation. Our own unit's databag includes the writes not flushed yet
   * (deleted keys absent). Returns a fresh copy; editing it changes nothing.
   *
   * @throws {HookToolError} from `relation-get` (the failed read is not cached).
   */
  async get(relationId: string, unit: string): Promise<Record<string, string>> {
    const published = { ...(await this.#published(relationId, unit)) };
    if (unit !== this.#localUnit) return published;
    for (const [key, value] of this.#pending.get(relationId) ?? []) {
      if (value === '') delete published[key];
      else putOwn(published, key, value);
    }
    return published;
  }

  /**
   * Records writes to this unit's databag; `null` or `''` deletes a key. Nothing is sent until
   * {@link flush}. A later `set` of the same key wins.
   */
  async set(relationId: string, data: Readonly<Record<string, string | null>>): Promise<void> {
    checkRelationId(relationId);
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new TypeError('RelationDataView.set: data must be an object of strings');
    }
    const entries = Object.entries(data);
    for (const [key, value] of entries) {
      if (key === '') throw new TypeError('RelationDataView.set: keys must be non-empty');
      if (value !== null && typeof value !== 'string') {
        throw new TypeError(`RelationDataView.set: the value of "${key}" must be a string or null`);
      }
    }
    let pending = this.#pending.get(relationId);
    if (pending === undefined) {
      pending = new Map();
      this.#pending.set(relationId, pending);
    }
    for (const [key, value] of entries) pending.set(key, value ?? '');
  }

  /**
   * Sends the collected writes: per relation, reads our published databag (cached), keeps only the
   * keys whose value differs (a deletion only if the key exists), and makes one `relation-set`
   * when anything is left. On a failure the relations not yet sent keep their writes.
   *
   * @throws {HookToolError} from `relation-get` or `relation-set`.
   */
  async flush(): Promise<FlushResult> {
    let relationSets = 0;
    for (const [relationId, pending] of [...this.#pending]) {
      const published = await this.#published(relationId, this.#localUnit);
      const changes: Record<string, string> = {};
      let changed = false;
      for (const [key, value] of pending) {
        const current = Object.hasOwn(published, key) ? published[key] : undefined;
        if (value === '' ? current === undefined || current === '' : current === value) continue;
        putOwn(changes, key, value);
        changed = true;
      }
      if (changed) {
        await this.#tools.relationSet(relationId, changes);
        relationSets++;
        // relation-get of our own unit now returns the buffered values; the cache matches it.
        const next = { ...published };
        for (const [key, value] of Object.entries(changes)) {
          if (value === '') delete next[key];
          else putOwn(next, key, value);
        }
        this.#unitCache(relationId).set(this.#localUnit, Promise.resolve(next));
      }
      this.#pending.delete(relationId);
    }
    return { relationSets };
  }

  #unitCache(relationId: string): Map<string, Promise<Record<string, string>>> {
    let units = this.#cache.get(relationId);
    if (units === undefined) {
      units = new Map();
      this.#cache.set(relationId, units);
    }
    return units;
  }

  #published(relationId: string, unit: string): Promise<Record<string, string>> {
    const units = this.#unitCache(relationId);
    let read = units.get(unit);
    if (read === undefined) {
      // Cached as a promise, so concurrent get()s share one relation-get.
      read = this.#tools.relationGet(relationId, unit);
      units.set(unit, read);
      read.catch(() => {
        if (units.get(unit) === read) units.delete(unit);
      });
    }
    return read;
  }
}

/** Assignment would treat a "__proto__" key as the prototype; relation keys are data. */
function putOwn(target: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
