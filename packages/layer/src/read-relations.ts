import type { HookContext, HookTools, RelationDataView } from '@tls-client/hookenv';
import { compareCodePoints, type ProviderUnitData } from '@tls-client/protocol';
import type { RelationDialect } from './state.js';

/**
 * The remote units on the endpoint with their databags, our own databag on the first relation and,
 * when needed, the first relation's provider application databag.
 */
export interface RelationsRead {
  /** The live relation ids on the endpoint, sorted. */
  ids: string[];
  /**
   * Every remote unit, sorted per relation. `data` is `{}` (not read) on a relation whose unit
   * databags are not needed ({@link databagsNeeded}); the unit list itself is always complete.
   */
  units: ProviderUnitData[];
  /** Our unit's databag on the first relation (`{}` without one). */
  published: Readonly<Record<string, string>>;
  /**
   * The first relation's provider application databag (`relation-get --app`, where v4 answers
   * live); `{}` when not needed or when the relation has no remote unit yet.
   */
  app: Readonly<Record<string, string>>;
}

/** A guess of the relation, its remote units and their application, from the hook context and the last hook. */
export interface RelationHint {
  relationId: string;
  units: readonly string[];
  /** The remote application; undefined when no remote unit is expected. */
  app: string | undefined;
}

/** Which databags of the first relation a hook reads besides our own. */
export interface DatabagsNeeded {
  /** The provider units' databags (legacy answers, and what detects the dialect). */
  units: boolean;
  /** The provider application's databag (v4 answers). */
  app: boolean;
}

/**
 * What the first relation's reads need, from the protocol and the dialect the relation settled on
 * (a settled `'legacy'` or `'v4'` stays until relation-broken). Legacy reads no application databag
 * (under `auto`, once settled); a relation settled on v4 reads no unit databags, since its answers
 * are all in the application databag and its dialect needs no detection. Pure.
 */
export function databagsNeeded(
  protocol: 'auto' | 'legacy' | 'v4',
  recorded: RelationDialect | undefined,
): DatabagsNeeded {
  if (protocol === 'legacy' || (protocol === 'auto' && recorded === 'legacy'))
    return { units: true, app: false };
  if (recorded === 'v4') return { units: false, app: true };
  return { units: true, app: true };
}

/** What {@link readRelations} works with; internal. */
export interface ReadRelationsDeps {
  tools: HookTools;
  view: RelationDataView;
  ctx: HookContext;
  endpoint: string;
  /** Wraps a hook-tool call so that its failure becomes our error. */
  tool: <T>(fn: () => Promise<T>) => Promise<T>;
  /** What the reads of a relation need, were it the first one ({@link databagsNeeded}). */
  needs: (relationId: string) => DatabagsNeeded;
}

const APP_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * The relation that is probably there: the hook's own relation on our endpoint, else the single
 * relation the last hook saw, with the remote units it saw, and their application (the hook's
 * `JUJU_REMOTE_APP` in its own relation, else the application of those units). Pure.
 */
export function relationHint(
  ctx: HookContext,
  endpoint: string,
  last: { relationIds: readonly string[]; remoteUnits: readonly string[] },
): RelationHint | undefined {
  const ownHook = ctx.hookName.startsWith(`${endpoint}-relation-`);
  if (ownHook && ctx.hookName.endsWith('-broken')) return undefined;
  const relationId = ownHook && ctx.relationId !== undefined ? ctx.relationId : last.relationIds[0];
  if (relationId === undefined || (!ownHook && last.relationIds.length !== 1)) return undefined;
  const units = new Set(
    last.relationIds.length === 1 && last.relationIds[0] === relationId ? last.remoteUnits : [],
  );
  if (ownHook && ctx.remoteUnit !== undefined && ctx.remoteUnit !== '') units.add(ctx.remoteUnit);
  if (ctx.hookName.endsWith('-departed')) units.delete(ctx.departingUnit ?? ctx.remoteUnit ?? '');
  const list = [...units];
  // Without a remote unit no application databag is read, so none is guessed.
  const first = list[0];
  let app: string | undefined;
  if (first !== undefined) {
    app = ownHook && ctx.relationId === relationId && ctx.remoteApp ? ctx.remoteApp : first.split('/')[0];
  }
  // Only a remote application is worth guessing: reading our own would call is-leader.
  if (app !== undefined && (!APP_NAME.test(app) || app === ctx.unitName.split('/')[0])) app = undefined;
  return { relationId, units: list, app };
}

/**
 * Reads the endpoint's relations. Hook tools are separate processes, so independent reads run at
 * the same time; with a `hint` that proves right (the steady case) the reads it names start at once,
 * next to `relation-ids`, and the whole read takes one round of calls. A wrong hint costs only the
 * calls it wasted: their results are used only once `relation-ids` and `relation-list` confirm them
 * (the application databag: once the first relation's first remote unit names the same
 * application), and their failures are ignored, the read being made again for real.
 */
export async function readRelations(
  deps: ReadRelationsDeps,
  hint: RelationHint | undefined,
): Promise<RelationsRead> {
  const { tools, view, ctx, endpoint, tool, needs } = deps;
  const early = new Map<string, Promise<unknown>>();
  const start = (key: string, fn: () => Promise<unknown>) => {
    const promise = fn();
    promise.catch(() => undefined);
    early.set(key, promise);
  };
  if (hint !== undefined) {
    const { relationId, app } = hint;
    const hinted = needs(relationId);
    start(`list\0${relationId}`, () => tools.relationList(relationId));
    start(`get\0${relationId}\0${ctx.unitName}`, () => view.get(relationId, ctx.unitName));
    if (hinted.units)
      for (const unit of hint.units) start(`get\0${relationId}\0${unit}`, () => view.get(relationId, unit));
    if (hinted.app && app !== undefined)
      start(`app\0${relationId}\0${app}`, () => view.getApp(relationId, app));
  }
  /** The early call's result when it succeeded, else the call made now. */
  const reuse = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const promise = early.get(key) as Promise<T> | undefined;
    if (promise !== undefined) {
      try {
        return await promise;
      } catch {
        // Made for real below, so that a real failure surfaces as ours.
      }
    }
    return tool(fn);
  };
  const get = (relationId: string, unit: string) =>
    reuse(`get\0${relationId}\0${unit}`, () => view.get(relationId, unit));

  let ids = await tool(() => tools.relationIds(endpoint));
  // In relation-broken the dying relation may still be listed; it is gone for our purposes.
  if (ctx.hookName === `${endpoint}-relation-broken` && ctx.relationId !== undefined) {
    ids = ids.filter((id) => id !== ctx.relationId);
  }
  ids = [...ids].sort(compareCodePoints);
  const first = ids[0];
  const published = first === undefined ? Promise.resolve({}) : get(first, ctx.unitName);
  // Marked handled now: if a remote read fails first, this one must not become an unhandled rejection.
  published.catch(() => undefined);
  let app: Promise<Readonly<Record<string, string>>> = Promise.resolve({});
  const perRelation = await Promise.all(
    ids.map(async (relationId) => {
      let remote = await reuse(`list\0${relationId}`, () => tools.relationList(relationId));
      if (ctx.hookName === `${endpoint}-relation-departed` && ctx.relationId === relationId) {
        const departing = ctx.departingUnit ?? ctx.remoteUnit;
        remote = remote.filter((u) => u !== departing);
      }
      const sorted = [...remote].sort(compareCodePoints);
      // Only the first relation is published to and answered on; the others' unit databags are read.
      const relationNeeds = relationId === first ? needs(relationId) : { units: true, app: false };
      const remoteApp = sorted[0]?.split('/')[0];
      if (relationNeeds.app && remoteApp !== undefined) {
        app = reuse(`app\0${relationId}\0${remoteApp}`, () => view.getApp(relationId, remoteApp));
        // Handled now, as `published` above.
        app.catch(() => undefined);
      }
      return Promise.all(
        sorted.map(async (unit) => ({
          relationId,
          unit,
          data: relationNeeds.units ? await get(relationId, unit) : {},
        })),
      );
    }),
  );
  return { ids, units: perRelation.flat(), published: await published, app: await app };
}
