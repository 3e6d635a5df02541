import { basename } from 'node:path';
import { HookToolError } from './errors.js';
import { parseSecretUri } from './secret-args.js';

/**
 * The hook context Juju gives a charm process through `JUJU_*` variables. Required values are
 * getters that throw {@link HookToolError} (`ERR_HOOKENV_MISSING_ENV`) when read, not before, so a
 * tool that only needs the unit name works in a partial environment.
 */
export interface HookContext {
  /** `JUJU_UNIT_NAME`, e.g. `myapp/0`. Throws when absent or not `<app>/<N>`. */
  readonly unitName: string;
  /** The application part of the unit name, e.g. `myapp`. */
  readonly appName: string;
  /** `JUJU_HOOK_NAME`, else the basename of `JUJU_DISPATCH_PATH`, else the basename of argv0. */
  readonly hookName: string;
  /** `JUJU_CHARM_DIR`, else `CHARM_DIR`. */
  readonly charmDir: string;
  /** `JUJU_RELATION`: the endpoint name in relation hooks. */
  readonly relationName: string | undefined;
  /** `JUJU_RELATION_ID`, e.g. `certificates:5`. */
  readonly relationId: string | undefined;
  /** `JUJU_REMOTE_UNIT`; undefined when empty (app-data events, `-created`, `-broken`). */
  readonly remoteUnit: string | undefined;
  /** `JUJU_REMOTE_APP`. */
  readonly remoteApp: string | undefined;
  /** `JUJU_DEPARTING_UNIT` in `-relation-departed` hooks. */
  readonly departingUnit: string | undefined;
  /** `JUJU_MODEL_NAME`. */
  readonly modelName: string | undefined;
  /** `JUJU_MODEL_UUID`. */
  readonly modelUuid: string | undefined;
  /** `JUJU_VERSION`, e.g. `3.6.4`. */
  readonly jujuVersion: string | undefined;
  /** `JUJU_DISPATCH_PATH`, e.g. `hooks/install` or `actions/backup`. */
  readonly dispatchPath: string | undefined;
  /** True when `JUJU_RELATION_ID` is set. */
  readonly isRelationHook: boolean;
  /** `JUJU_SECRET_ID` in `secret-*` hooks: `secret:<id>` or `secret://<model-uuid>/<id>`. */
  readonly secretId: string | undefined;
  /** `JUJU_SECRET_LABEL`; undefined when empty (a secret without a label). */
  readonly secretLabel: string | undefined;
  /** `JUJU_SECRET_REVISION` in `secret-expired`, `secret-remove` (and `secret-rotate`), as a number. */
  readonly secretRevision: number | undefined;
}

const UNIT_NAME = /^([a-z][a-z0-9-]*)\/(0|[1-9][0-9]*)$/;
const RELATION_ID = /^(?:[^:\s]+:)?[0-9]+$/;
const ENV_NAMES = [
  'JUJU_UNIT_NAME',
  'JUJU_HOOK_NAME',
  'JUJU_DISPATCH_PATH',
  'JUJU_CHARM_DIR',
  'CHARM_DIR',
  'JUJU_RELATION',
  'JUJU_RELATION_ID',
  'JUJU_REMOTE_UNIT',
  'JUJU_REMOTE_APP',
  'JUJU_DEPARTING_UNIT',
  'JUJU_MODEL_NAME',
  'JUJU_MODEL_UUID',
  'JUJU_VERSION',
  'JUJU_SECRET_ID',
  'JUJU_SECRET_LABEL',
  'JUJU_SECRET_REVISION',
] as const;
type EnvName = (typeof ENV_NAMES)[number];

class EnvHookContext implements HookContext {
  readonly #env: ReadonlyMap<EnvName, string>;
  readonly #argv0: string | undefined;

  constructor(env: NodeJS.ProcessEnv, argv0: string | undefined) {
    // A snapshot: the context describes the hook as it started, even if the charm edits process.env.
    const copy = new Map<EnvName, string>();
    for (const name of ENV_NAMES) {
      const value = env[name];
      if (typeof value === 'string' && value !== '') copy.set(name, value);
    }
    this.#env = copy;
    this.#argv0 = argv0;
  }

  #optional(name: EnvName): string | undefined {
    return this.#env.get(name);
  }

  #required(name: EnvName, what: string): string {
    const value = this.#env.get(name);
    if (value === undefined) {
      throw new HookToolError(
        'ERR_HOOKENV_MISSING_ENV',
        `${name} is not set, so the ${what} is unknown (is this process running as a Juju hook?)`,
        { variable: name },
      );
    }
    return value;
  }

  get unitName(): string {
    const value = this.#required('JUJU_UNIT_NAME', 'unit name');
    if (!UNIT_NAME.test(value)) {
      throw new HookToolError(
        'ERR_HOOKENV_INVALID_ENV',
        `JUJU_UNIT_NAME must look like "app/0" (got ${describe(value)})`,
        { variable: 'JUJU_UNIT_NAME' },
      );
    }
    return value;
  }

  get appName(): string {
    return this.unitName.slice(0, this.unitName.indexOf('/'));
  }

  get hookName(): string {
    const hook = this.#optional('JUJU_HOOK_NAME');
    if (hook !== undefined) return hook;
    const dispatch = this.#optional('JUJU_DISPATCH_PATH');
    if (dispatch !== undefined && basename(dispatch) !== '') return basename(dispatch);
    if (this.#argv0 !== undefined && basename(this.#argv0) !== '') return basename(this.#argv0);
    throw new HookToolError(
      'ERR_HOOKENV_MISSING_ENV',
      'JUJU_HOOK_NAME and JUJU_DISPATCH_PATH are not set and there is no argv[0], so the hook name is unknown',
      { variable: 'JUJU_HOOK_NAME' },
    );
  }

  get charmDir(): string {
    return (
      this.#optional('JUJU_CHARM_DIR') ?? this.#required('CHARM_DIR', 'charm directory (JUJU_CHARM_DIR)')
    );
  }

  get relationName(): string | undefined {
    return this.#optional('JUJU_RELATION');
  }

  get relationId(): string | undefined {
    const value = this.#optional('JUJU_RELATION_ID');
    if (value !== undefined && !RELATION_ID.test(value)) {
      throw new HookToolError(
        'ERR_HOOKENV_INVALID_ENV',
        `JUJU_RELATION_ID must look like "endpoint:5" (got ${describe(value)})`,
        { variable: 'JUJU_RELATION_ID' },
      );
    }
    return value;
  }

  get remoteUnit(): string | undefined {
    return this.#optional('JUJU_REMOTE_UNIT');
  }

  get remoteApp(): string | undefined {
    return this.#optional('JUJU_REMOTE_APP');
  }

  get departingUnit(): string | undefined {
    return this.#optional('JUJU_DEPARTING_UNIT');
  }

  get modelName(): string | undefined {
    return this.#optional('JUJU_MODEL_NAME');
  }

  get modelUuid(): string | undefined {
    return this.#optional('JUJU_MODEL_UUID');
  }

  get jujuVersion(): string | undefined {
    return this.#optional('JUJU_VERSION');
  }

  get dispatchPath(): string | undefined {
    return this.#optional('JUJU_DISPATCH_PATH');
  }

  get isRelationHook(): boolean {
    return this.#env.has('JUJU_RELATION_ID');
  }

  get secretId(): string | undefined {
    const value = this.#optional('JUJU_SECRET_ID');
    if (value !== undefined && parseSecretUri(value) === undefined) {
      throw new HookToolError(
        'ERR_HOOKENV_INVALID_ENV',
        `JUJU_SECRET_ID must look like "secret:<id>" (got ${describe(value)})`,
        { variable: 'JUJU_SECRET_ID' },
      );
    }
    return value;
  }

  get secretLabel(): string | undefined {
    return this.#optional('JUJU_SECRET_LABEL');
  }

  get secretRevision(): number | undefined {
    const value = this.#optional('JUJU_SECRET_REVISION');
    if (value === undefined) return undefined;
    if (!/^[1-9][0-9]{0,15}$/.test(value)) {
      throw new HookToolError(
        'ERR_HOOKENV_INVALID_ENV',
        `JUJU_SECRET_REVISION must be a positive integer (got ${describe(value)})`,
        { variable: 'JUJU_SECRET_REVISION' },
      );
    }
    return Number(value);
  }

  toJSON(): Record<string, string | number | boolean | undefined> {
    const out: Record<string, string | number | boolean | undefined> = {};
    for (const key of [
      'unitName',
      'appName',
      'hookName',
      'charmDir',
      'relationName',
      'relationId',
      'remoteUnit',
      'remoteApp',
      'departingUnit',
      'modelName',
      'modelUuid',
      'jujuVersion',
      'dispatchPath',
      'isRelationHook',
      'secretId',
      'secretLabel',
      'secretRevision',
    ] as const) {
      try {
        out[key] = this[key];
      } catch {
        out[key] = undefined;
      }
    }
    return out;
  }
}

/** Describes an environment value for an error message without echoing much of it. */
function describe(value: string): string {
  return value.length <= 64
    ? JSON.stringify(value)
    : `${JSON.stringify(value.slice(0, 64))}… (${value.length} chars)`;
}

/**
 * Reads the hook context from the environment. Empty variables count as absent. Nothing is
 * validated until a value is read.
 *
 * @param env defaults to `process.env`; the relevant variables are copied at call time.
 * @param argv0 the last fallback for the hook name; defaults to `process.argv[1]` (the script); pass `''` for none.
 * @throws {HookToolError} from the getters: `ERR_HOOKENV_MISSING_ENV`, `ERR_HOOKENV_INVALID_ENV`.
 * @example
 * const ctx = getHookContext();
 * if (ctx.isRelationHook) console.log(ctx.hookName, ctx.relationId, ctx.remoteUnit);
 */
export function getHookContext(
  env: NodeJS.ProcessEnv = process.env,
  argv0: string | undefined = process.argv[1],
): HookContext {
  return new EnvHookContext(env, argv0);
}
