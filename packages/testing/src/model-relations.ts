// The relation topology and databags of the fake model, as functions of the state. FakeModel
// calls them under the state lock (setters) or on a read snapshot (getters).
import { TestingError } from './errors.js';
import type { DatabagRecord, FakeState, RelationState } from './state.js';

/** The relation, or `ERR_TESTING_UNKNOWN_RELATION`. */
export function relationOf(state: FakeState, relationId: string): RelationState {
  const rel = state.relations[relationId];
  if (rel === undefined) {
    throw new TestingError('ERR_TESTING_UNKNOWN_RELATION', `relation "${relationId}" does not exist`, {
      relationId,
    });
  }
  return rel;
}

/** Merges changes into a databag; `null` or `''` deletes a key. */
export function applyChanges(target: DatabagRecord, changes: Readonly<Record<string, string | null>>): void {
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === '') delete target[key];
    else target[key] = value;
  }
}

function checkData(what: string, data: unknown): void {
  if (typeof data !== 'object' || data === null) throw new TypeError(`${what} must be an object of strings`);
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' && value !== null)
      throw new TypeError(`${what}: value of "${key}" must be a string`);
  }
}

/** Adds a relation from our `endpoint` to `remoteApp` and returns its id, e.g. `'certificates:0'`. */
export function addRelation(
  state: FakeState,
  endpoint: string,
  remoteApp: string,
  options: { id?: number } = {},
): string {
  if (!/^[a-z][a-z0-9-]*$/.test(endpoint))
    throw new TypeError(`invalid endpoint name ${JSON.stringify(endpoint)}`);
  if (!/^[a-z][a-z0-9-]*$/.test(remoteApp))
    throw new TypeError(`invalid application name ${JSON.stringify(remoteApp)}`);
  const id = options.id ?? state.nextRelationId;
  if (!Number.isInteger(id) || id < 0)
    throw new TypeError(`relation id must be a non-negative integer, got ${id}`);
  if (Object.values(state.relations).some((r) => r.id === id))
    throw new TypeError(`relation id ${id} is taken`);
  state.nextRelationId = Math.max(state.nextRelationId, id + 1);
  const key = `${endpoint}:${id}`;
  state.relations[key] = {
    endpoint,
    id,
    remoteApp,
    dead: false,
    remoteUnits: {},
    departedUnits: {},
    remoteAppData: {},
    localUnitData: {},
    localAppData: {},
  };
  return key;
}

/** Brings a remote unit into scope with its initial data. */
export function addRemoteUnit(
  state: FakeState,
  relationId: string,
  unit: string,
  data: Record<string, string> = {},
): void {
  checkData('remote unit data', data);
  const rel = relationOf(state, relationId);
  if (unit.split('/')[0] !== rel.remoteApp || !/\/\d+$/.test(unit)) {
    throw new TypeError(`unit ${JSON.stringify(unit)} is not a unit of "${rel.remoteApp}"`);
  }
  rel.remoteUnits[unit] = { ...data };
  delete rel.departedUnits[unit];
}

/** Takes a remote unit out of scope (before a `-relation-departed` hook); its last data stays readable. */
export function removeRemoteUnit(state: FakeState, relationId: string, unit: string): void {
  const rel = relationOf(state, relationId);
  const data = rel.remoteUnits[unit];
  if (data === undefined) {
    throw new TestingError('ERR_TESTING_UNKNOWN_UNIT', `unit "${unit}" is not in relation "${relationId}"`, {
      relationId,
    });
  }
  rel.departedUnits[unit] = data;
  delete rel.remoteUnits[unit];
}

/** Removes a relation (before `-relation-broken`): no longer listed, `relation-list` is empty. */
export function removeRelation(state: FakeState, relationId: string): void {
  const rel = relationOf(state, relationId);
  rel.dead = true;
  for (const [unit, data] of Object.entries(rel.remoteUnits)) rel.departedUnits[unit] = data;
  rel.remoteUnits = {};
}

/** Changes a remote unit's data: merged (`''` or null deletes) or, with `replace`, replaced. */
export function setRemoteUnitData(
  state: FakeState,
  relationId: string,
  unit: string,
  data: Record<string, string | null>,
  options: { replace?: boolean } = {},
): void {
  checkData('remote unit data', data);
  const rel = relationOf(state, relationId);
  const current = rel.remoteUnits[unit];
  if (current === undefined) {
    throw new TestingError('ERR_TESTING_UNKNOWN_UNIT', `unit "${unit}" is not in relation "${relationId}"`, {
      relationId,
    });
  }
  const next = options.replace ? {} : current;
  applyChanges(next, data);
  rel.remoteUnits[unit] = next;
}

/** Changes the remote application's databag: merged (`''` or null deletes) or replaced. */
export function setRemoteAppData(
  state: FakeState,
  relationId: string,
  data: Record<string, string | null>,
  options: { replace?: boolean } = {},
): void {
  checkData('remote application data', data);
  const rel = relationOf(state, relationId);
  const next = options.replace ? {} : rel.remoteAppData;
  applyChanges(next, data);
  rel.remoteAppData = next;
}

/** Seeds our own unit's committed data (as if an earlier hook had published it). */
export function setLocalUnitData(
  state: FakeState,
  relationId: string,
  data: Record<string, string | null>,
  options: { replace?: boolean } = {},
): void {
  checkData('local unit data', data);
  const rel = relationOf(state, relationId);
  const next = options.replace ? {} : rel.localUnitData;
  applyChanges(next, data);
  rel.localUnitData = next;
}

/** Our unit's committed data in a relation (what the remote side sees). */
export function setLocalAppData(
  state: FakeState,
  relationId: string,
  data: Record<string, string | null>,
  options: { replace?: boolean } = {},
): void {
  checkData('local application data', data);
  const rel = relationOf(state, relationId);
  const next = options.replace ? {} : rel.localAppData;
  applyChanges(next, data);
  rel.localAppData = next;
}

export function localUnitData(state: FakeState, relationId: string): Record<string, string> {
  return { ...relationOf(state, relationId).localUnitData };
}

/** Our application's committed data in a relation. */
export function localAppData(state: FakeState, relationId: string): Record<string, string> {
  return { ...relationOf(state, relationId).localAppData };
}

/** A remote unit's data (in scope or departed). */
export function remoteUnitData(state: FakeState, relationId: string, unit: string): Record<string, string> {
  const rel = relationOf(state, relationId);
  const data = rel.remoteUnits[unit] ?? rel.departedUnits[unit];
  if (data === undefined) {
    throw new TestingError('ERR_TESTING_UNKNOWN_UNIT', `unit "${unit}" is not in relation "${relationId}"`, {
      relationId,
    });
  }
  return { ...data };
}

/** The remote application's data. */
export function remoteAppData(state: FakeState, relationId: string): Record<string, string> {
  return { ...relationOf(state, relationId).remoteAppData };
}

/** The remote application of a relation. */
export function remoteApp(state: FakeState, relationId: string): string {
  return relationOf(state, relationId).remoteApp;
}

/** Remote units in scope, sorted as strings. */
export function remoteUnits(state: FakeState, relationId: string): string[] {
  return Object.keys(relationOf(state, relationId).remoteUnits).sort();
}

/** Live relation ids, optionally of one endpoint, sorted as strings. */
export function relationIds(state: FakeState, endpoint?: string): string[] {
  return Object.entries(state.relations)
    .filter(([, r]) => !r.dead && (endpoint === undefined || r.endpoint === endpoint))
    .map(([key]) => key)
    .sort();
}
