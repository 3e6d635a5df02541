import { HookToolError } from './errors.js';
import { checkRelationId, type HookTools } from './hook-tools.js';

/** Options for {@link RelationDataView}. */
export interface RelationDataViewOptions {
  /** This unit's name (`JUJU_UNIT_NAME`): the only databag {@link RelationDataView.set} writes. */
  localUnit: string;
}

/** What {@link RelationDataView.flush} did. */
export interface FlushResult {
  /** How many `relation-set` calls were made: at most one per relation and databag, none without a change. */
  relationSets: number;
}

/** Cache key of an application databag; unit names always hold a "/", so they never clash. */
const APP = (app: string): string => `app:${app}`;

/**
 * Relation data for one hook. Reads are cached per (relation, unit or application), so each
 * databag is read at most once; writes to this unit's databag and, as leader, to our
 * application's databag are collected and sent by {@link flush}, once per relation and databag and
 * only for keys whose value differs from what is published.
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
  readonly #localApp: string;
  /** relationId → unit or APP(app) → the databag as published (ours: as published plus what we flushed). */
  readonly #cache = new Map<string, Map<string, Promise<Record<string, string>>>>();
  /** relationId → key → value to publish in our unit's databag ('' deletes). */
  readonly #pending = new Map<string, Map<string, string>>();
  /** The same for our application's databag (leader only). */
  readonly #pendingApp = new Map<string, Map<string, string>>();

  constructor(tools: HookTools, options: RelationDataViewOptions) {
    if (typeof options?.localUnit !== 'string' || !/^[^/\s]+\/[0-9]+$/.test(options.localUnit)) {
      throw new TypeError('RelationDataView: options.localUnit must be a unit name like "app/0"');
    }
    this.#tools = tools;
    this.#localUnit = options.localUnit;
    this.#localApp = options.localUnit.slice(0, options.localUnit.indexOf('/'));
  }

  /**
   * A unit's databag on a relation. Our own unit's databag includes the writes not flushed yet
   * (deleted keys absent). Returns a fresh copy; editing it changes nothing.
   *
   * @throws {HookToolError} from `relation-get` (the failed read is not cached).
   */
  async get(relationId: string, unit: string): Promise<Record<string, string>> {
    const published = { ...(await this.#published(relationId, unit, false)) };
    return unit === this.#localUnit ? overlay(published, this.#pending.get(relationId)) : published;
  }

  /**
   * An application's databag on a relation (`relation-get --app`): the remote application's, which
   * every unit may read, or ours, which only the leader may read (with the writes not flushed yet).
   *
   * @throws {HookToolError} `ERR_HOOKENV_NOT_LEADER` for our own application when we are not the
   *   leader (checked with `is-leader`); others from `relation-get`.
   */
  async getApp(relationId: string, app: string): Promise<Record<string, string>> {
    checkRelationId(relationId);
    if (typeof app !== 'string' || !/^[a-z][a-z0-9-]*$/.test(app)) {
      throw new TypeError(
        `RelationDataView.getApp: app must be an application name (got ${JSON.stringify(app)})`,
      );
    }
    if (app !== this.#localApp) return { ...(await this.#published(relationId, app, true)) };
    await this.#requireLeader('read');
    const published = { ...(await this.#published(relationId, app, true)) };
    return overlay(published, this.#pendingApp.get(relationId));
  }

  /**
   * Records writes to this unit's databag; `null` or `''` deletes a key. Nothing is sent until
   * {@link flush}. A later `set` of the same key wins.
   */
  async set(relationId: string, data: Readonly<Record<string, string | null>>): Promise<void> {
    record(this.#pending, 'set', relationId, data);
  }

  /**
   * Records writes to our application's databag (`relation-set --app` at {@link flush}). Only the
   * leader may write it: leadership is checked with `is-leader` before anything is recorded.
   *
   * @throws {HookToolError} `ERR_HOOKENV_NOT_LEADER` when this unit is not the leader.
   */
  async setApp(relationId: string, data: Readonly<Record<string, string | null>>): Promise<void> {
    checkData('setApp', relationId, data);
    await this.#requireLeader('write');
    record(this.#pendingApp, 'setApp', relationId, data);
  }

  /**
   * Sends the collected writes: per relation and databag, reads what is published (cached), keeps
   * only the keys whose value differs (a deletion only if the key exists), and makes one
   * `relation-set` (`--app` for our application) when anything is left. On a failure the writes
   * not yet sent are kept.
   *
   * @throws {HookToolError} from `relation-get` or `relation-set`.
   */
  async flush(): Promise<FlushResult> {
    let relationSets = 0;
    for (const [pendingMap, app] of [
      [this.#pending, false],
      [this.#pendingApp, true],
    ] as const) {
      const owner = app ? this.#localApp : this.#localUnit;
      for (const [relationId, pending] of [...pendingMap]) {
        const published = await this.#published(relationId, owner, app);
        const changes: Record<string, string> = {};
        let changed = false;
        for (const [key, value] of pending) {
          const current = Object.hasOwn(published, key) ? published[key] : undefined;
          if (value === '' ? current === undefined || current === '' : current === value) continue;
          putOwn(changes, key, value);
          changed = true;
        }
        if (changed) {
          await this.#tools.relationSet(relationId, changes, { app });
          relationSets++;
          // relation-get of our own databags now returns the buffered values; the cache matches it.
          this.#unitCache(relationId).set(
            app ? APP(owner) : owner,
            Promise.resolve(overlay({ ...published }, new Map(Object.entries(changes)))),
          );
        }
        pendingMap.delete(relationId);
      }
    }
    return { relationSets };
  }

  async #requireLeader(what: 'read' | 'write'): Promise<void> {
    if (await this.#tools.isLeader()) return;
    throw new HookToolError(
      'ERR_HOOKENV_NOT_LEADER',
      `only the leader may ${what} the application databag of ${this.#localApp} (is-leader says false)`,
      { tool: 'is-leader' },
    );
  }

  #unitCache(relationId: string): Map<string, Promise<Record<string, string>>> {
    let units = this.#cache.get(relationId);
    if (units === undefined) {
      units = new Map();
      this.#cache.set(relationId, units);
    }
    return units;
  }

  #published(relationId: string, name: string, app: boolean): Promise<Record<string, string>> {
    const units = this.#unitCache(relationId);
    const key = app ? APP(name) : name;
    let read = units.get(key);
    if (read === undefined) {
      // Cached as a promise, so concurrent get()s share one relation-get.
      read = this.#tools.relationGet(relationId, name, { app });
      units.set(key, read);
      read.catch(() => {
        if (units.get(key) === read) units.delete(key);
      });
    }
    return read;
  }
}

/** Assignment would treat a "__proto__" key as the prototype; relation keys are data. */
function putOwn(target: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A databag with pending writes applied ('' deletes). */
function overlay(
  published: Record<string, string>,
  pending: ReadonlyMap<string, string> | undefined,
): Record<string, string> {
  for (const [key, value] of pending ?? []) {
    if (value === '') delete published[key];
    else putOwn(published, key, value);
  }
  return published;
}

function checkData(fn: string, relationId: string, data: Readonly<Record<string, string | null>>): void {
  checkRelationId(relationId);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TypeError(`RelationDataView.${fn}: data must be an object of strings`);
  }
  for (const [key, value] of Object.entries(data)) {
    if (key === '') throw new TypeError(`RelationDataView.${fn}: keys must be non-empty`);
    if (value !== null && typeof value !== 'string') {
      throw new TypeError(`RelationDataView.${fn}: the value of "${key}" must be a string or null`);
    }
  }
}

function record(
  target: Map<string, Map<string, string>>,
  fn: string,
  relationId: string,
  data: Readonly<Record<string, string | null>>,
): void {
  checkData(fn, relationId, data);
  let pending = target.get(relationId);
  if (pending === undefined) {
    pending = new Map();
    target.set(relationId, pending);
  }
  for (const [key, value] of Object.entries(data)) pending.set(key, value ?? '');
}
