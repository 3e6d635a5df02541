import type { FlagStore } from './flag-store.js';

/**
 * Runs one hook's work as a transaction: commits the store when `fn` resolves, rolls it back when
 * `fn` or the commit rejects, and rethrows, so a failed hook leaves the last committed state.
 * @throws whatever `fn` throws, or the commit's `FlagsError`.
 * @example
 * await runHook(store, async () => { await dispatcher.run(); });
 */
export async function runHook(store: FlagStore, fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
    await store.commit();
  } catch (error) {
    store.rollback();
    throw error;
  }
}
