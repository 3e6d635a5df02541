/** The named points of a hook where a crash test may kill it; see {@link testKillPoint}. */
export type TestKillPoint = 'after-key' | 'after-writes' | 'before-commit';

/**
 * **Test-only.** When `TLS_CLIENT_TEST_KILL_AT` names this point, the hook kills itself with
 * SIGKILL there, so a crash test can prove that the next hook converges: `after-key` is after
 * v4 stored a new key (before its CSR exists); `after-writes` is after
 * the layer wrote every file and installed the CA, before the charm's handlers; `before-commit` is
 * after everything (handlers, `relation-set`, logs), just before the flags are committed. Unset in
 * production; it does nothing else.
 */
export function testKillPoint(env: NodeJS.ProcessEnv, point: TestKillPoint): void {
  if (env.TLS_CLIENT_TEST_KILL_AT === point) process.kill(process.pid, 'SIGKILL');
}
