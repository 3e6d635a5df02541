import { FlagsError } from './errors.js';
import type { FlagStore } from './flag-store.js';

/** A handler: runs while its flag condition holds. May be async. */
export type Handler = () => void | Promise<void>;

/** Options of the {@link Dispatcher}. */
export interface DispatcherOptions {
  /**
   * The hook being run, for {@link Dispatcher.hook} handlers. Default: `env.JUJU_HOOK_NAME` when
   * `env` is given. The dispatcher never reads `process.env` itself: with neither, no hook handler runs.
   */
  hookName?: string | undefined;
  /** Environment to take `JUJU_HOOK_NAME` from when `hookName` is not given (e.g. `process.env`). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Passes over the flag handlers before dispatch fails with `ERR_FLAGS_DISPATCH_LOOP`. Default 100, as reactive. */
  maxIterations?: number | undefined;
}

/** What {@link Dispatcher.run} did. */
export interface DispatchResult {
  /** Handler names in the order they ran (a name repeats if the flags changed between its runs). */
  ran: string[];
  /** Passes over the flag handlers, counting the last one that found nothing to run. */
  iterations: number;
}

type Kind = 'when' | 'whenAny' | 'whenNone';

interface Registration {
  name: string;
  handler: Handler;
  flags: readonly string[];
  test: (store: FlagStore) => boolean;
}

function flagList(method: string, flags: string | readonly string[]): string[] {
  const list = typeof flags === 'string' ? [flags] : [...flags];
  if (list.length === 0) throw new TypeError(`${method} needs at least one flag`);
  for (const f of list) {
    if (typeof f !== 'string' || f === '') throw new TypeError(`${method}: flags must be non-empty strings`);
  }
  return list;
}

/**
 * Runs handlers on flag conditions to a fixed point, the way the reactive bus does: first the
 * `hook` handlers of the current hook, then passes over the flag handlers in registration order.
 * Each handler's condition is tested right before it would run, so a handler never runs after its
 * flags went away. After its first run a handler runs again only when one of its own flags changed
 * since, and never twice at the same set of flags. Passes repeat while any handler ran; past
 * `maxIterations` passes dispatch fails, naming the handlers that kept running.
 *
 * @example
 * const bus = new Dispatcher(store);
 * bus.when('certificates.available', () => store.set('app.ready'), 'mark-ready');
 * await bus.run();
 */
export class Dispatcher {
  readonly #store: FlagStore;
  readonly #maxIterations: number;
  readonly #hookName: string | undefined;
  readonly #hooks: { name: string; handler: Handler; matches: (hook: string) => boolean }[] = [];
  readonly #handlers: Registration[] = [];
  readonly #names = new Set<string>();

  constructor(store: FlagStore, options: DispatcherOptions = {}) {
    const max = options.maxIterations ?? 100;
    if (!Number.isInteger(max) || max < 1) throw new TypeError('maxIterations must be an integer >= 1');
    this.#store = store;
    this.#maxIterations = max;
    if (options.hookName !== undefined && (typeof options.hookName !== 'string' || options.hookName === '')) {
      throw new TypeError('hookName must be a non-empty string');
    }
    this.#hookName = options.hookName ?? (options.env?.JUJU_HOOK_NAME || undefined);
  }

  /** Runs `handler` while every one of `flags` is set. */
  when(flags: string | readonly string[], handler: Handler, name?: string): this {
    return this.#add('when', flags, handler, name);
  }

  /**
   * Reactive's `when_not`, which is `when_none`: runs `handler` while none of `flags` is set.
   * @deprecated Use {@link Dispatcher.whenNone}, the same condition under the name that says it.
   */
  whenNot(flags: string | readonly string[], handler: Handler, name?: string): this {
    return this.#add('whenNone', flags, handler, name);
  }

  /** Runs `handler` while at least one of `flags` is set. */
  whenAny(flags: string | readonly string[], handler: Handler, name?: string): this {
    return this.#add('whenAny', flags, handler, name);
  }

  /** Runs `handler` while none of `flags` is set (reactive's `when_none`, and its `when_not`). */
  whenNone(flags: string | readonly string[], handler: Handler, name?: string): this {
    return this.#add('whenNone', flags, handler, name);
  }

  /**
   * Runs `handler` once, before any flag handler, when the current hook is one of `hooks` (exact
   * names, or RegExps such as `/-relation-broken$/`), like reactive's `@hook`.
   */
  hook(hooks: string | RegExp | readonly (string | RegExp)[], handler: Handler, name?: string): this {
    const list = Array.isArray(hooks)
      ? [...(hooks as readonly (string | RegExp)[])]
      : [hooks as string | RegExp];
    if (list.length === 0) throw new TypeError('hook needs at least one hook name');
    // Copies without the g and y flags, whose lastIndex would make test() stateful.
    const patterns = list.map((h) =>
      typeof h === 'string' ? h : new RegExp(h.source, h.flags.replace(/[gy]/g, '')),
    );
    const matches = (hook: string): boolean =>
      patterns.some((p) => (typeof p === 'string' ? p === hook : p.test(hook)));
    this.#hooks.push({ name: this.#uniqueName(handler, name), handler, matches });
    return this;
  }

  #uniqueName(handler: Handler, name: string | undefined): string {
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    if (name !== undefined) {
      if (typeof name !== 'string' || name === '')
        throw new TypeError('handler name must be a non-empty string');
      if (this.#names.has(name)) throw new TypeError(`a handler named "${name}" is already registered`);
      this.#names.add(name);
      return name;
    }
    const base = handler.name || 'handler';
    let candidate = base;
    for (let i = 2; this.#names.has(candidate); i++) candidate = `${base}#${i}`;
    this.#names.add(candidate);
    return candidate;
  }

  #add(kind: Kind, flags: string | readonly string[], handler: Handler, name: string | undefined): this {
    const list = flagList(kind, flags);
    const tests: Record<Kind, (store: FlagStore) => boolean> = {
      when: (s) => s.allSet(...list),
      whenAny: (s) => s.anySet(...list),
      whenNone: (s) => !s.anySet(...list),
    };
    this.#handlers.push({ name: this.#uniqueName(handler, name), handler, flags: list, test: tests[kind] });
    return this;
  }

  /**
   * Dispatches: hook handlers, then flag handlers to a fixed point. A handler's exception stops
   * dispatch and propagates unchanged (use `runHook` to roll the transaction back).
   * @throws FlagsError `ERR_FLAGS_DISPATCH_LOOP` after `maxIterations` passes that still ran handlers.
   */
  async run(): Promise<DispatchResult> {
    const store = this.#store;
    const ran: string[] = [];
    const hook = this.#hookName;
    if (hook !== undefined) {
      for (const h of this.#hooks) {
        if (!h.matches(hook)) continue;
        await h.handler();
        ran.push(h.name);
      }
    }
    // Flag states are interned once per revision; each handler remembers the states it ran in.
    const stateIds = new Map<string, number>();
    let cachedRevision = -1;
    let cachedId = -1;
    const stateId = (): number => {
      if (store.revision !== cachedRevision) {
        const key = JSON.stringify(store.list());
        let id = stateIds.get(key);
        if (id === undefined) {
          id = stateIds.size;
          stateIds.set(key, id);
        }
        cachedRevision = store.revision;
        cachedId = id;
      }
      return cachedId;
    };
    const seen = this.#handlers.map(() => new Set<number>());
    const lastRun = this.#handlers.map(() => -1);
    let lastPass: string[] = [];
    for (let iteration = 1; ; iteration++) {
      const thisPass: string[] = [];
      for (let i = 0; i < this.#handlers.length; i++) {
        const registration = this.#handlers[i] as Registration;
        if (!registration.test(store)) continue;
        // As reactive's FlagWatch: after its first run, a handler runs again only once one of
        // its own flags changed (cleared and set again counts), and never at a flag state it saw.
        const ranAt = lastRun[i] as number;
        if (ranAt >= 0 && !registration.flags.some((f) => store.changedAt(f) > ranAt)) continue;
        const id = stateId();
        const states = seen[i] as Set<number>;
        if (states.has(id)) continue;
        states.add(id);
        lastRun[i] = store.revision;
        await registration.handler();
        ran.push(registration.name);
        thisPass.push(registration.name);
      }
      if (thisPass.length === 0) return { ran, iterations: iteration };
      if (iteration >= this.#maxIterations) {
        const names = [...new Set([...lastPass, ...thisPass])];
        throw new FlagsError(
          'ERR_FLAGS_DISPATCH_LOOP',
          `flag handlers did not settle after ${iteration} iterations; still running: ${names.join(', ')}`,
          { names },
        );
      }
      lastPass = thisPass;
    }
  }
}
