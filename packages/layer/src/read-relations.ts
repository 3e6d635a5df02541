import type { HookContext, HookTools, RelationDataView } from '@tls-client/hookenv';
import { compareCodePoints, type ProviderUnitData } from '@tls-client/protocol';

/** Every remote unit's databag on the endpoint, and our own on the first relation. */
export interface RelationsRead {
  /** The live relation ids on the endpoint, sorted. */
  ids: string[];
  units: ProviderUnitData[];
  /** Our unit's databag on the first relation (`{}` without one). */
  published: Readonly<Record<string, string>>;
}

/** A guess of the relation and its remote units, from the hook context and the last hook. */
export interface RelationHint {
  relationId: string;
  units: readonly string[];
}

/** What {@link readRelations} works with; internal. */
export interface ReadRelationsDeps {
  tools: HookTools;
  view: RelationDataView;
  ctx: HookContext;
  endpoint: string;
  /** Wraps a hook-tool call so that its failure becomes our error. */
  tool: <T>(fn: () => Promise<T>) => Promise<T>;
}

/**
 * The relation that is probably there: the hook's own relation on our endpoint, else the single
 * relation the last hook saw, with the remote units it saw. Pure.
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
  return { relationId, units: [...units] };
}

/**
 * Reads the endpoint's relations. Hook tools are separate processes, so independent reads run at
 * the same time; with a `hint` that proves right (the steady case) the reads it names start at once,
 * next to `relation-ids`, and the whole read takes one round of calls. A wrong hint costs only the
 * calls it wasted: their results are used only once `relation-ids` and `relation-list` confirm them,
 * and their failures are ignored.
 */
export async function readRelations(
  deps: ReadRelationsDeps,
  hint: RelationHint | undefined,
): Promise<RelationsRead> {
  const { tools, view, ctx, endpoint, tool } = deps;
  const early = new Map<string, Promise<unknown>>();
  const start = (key: string, fn: () => Promise<unknown>) => {
    const promise = fn();
    promise.catch(() => undefined);
    early.set(key, promise);
  };
  if (hint !== undefined) {
    start(`list\0${hint.relationId}`, () => tools.relationList(hint.relationId));
    start(`get\0${hint.relationId}\0${ctx.unitName}`, () => view.get(hint.relationId, ctx.unitName));
    for (const unit of hint.units)
      start(`get\0${hint.relationId}\0${unit}`, () => view.get(hint.relationId, unit));
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
  const perRelation = await Promise.all(
    ids.map(async (relationId) => {
      let remote = await reuse(`list\0${relationId}`, () => tools.relationList(relationId));
      if (ctx.hookName === `${endpoint}-relation-departed` && ctx.relationId === relationId) {
        const departing = ctx.departingUnit ?? ctx.remoteUnit;
        remote = remote.filter((u) => u !== departing);
      }
      return Promise.all(
        [...remote].sort(compareCodePoints).map(async (unit) => ({
          relationId,
          unit,
          data: await get(relationId, unit),
        })),
      );
    }),
  );
  return { ids, units: perRelation.flat(), published: await published };
}
