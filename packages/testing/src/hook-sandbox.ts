// The hook sandbox: what keeps a test's hooks off the host and out of the source tree.
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TestingError } from './errors.js';
import { prepareDebianRoot } from './prepare-debian-root.js';

/** The sandbox options of FakeModel.create (see FakeModelOptions). */
export interface SandboxOptions {
  charmDir: string;
  trustRoot?: string | false | undefined;
  distro?: string | false | undefined;
  stateDir?: string | false | undefined;
  copyCharmDir?: boolean | undefined;
}

/** The hook sandbox: the variables every hook gets unless the test opts out. */
export interface Sandbox {
  env: Record<string, string>;
  /** Where hooks run: charmDir, or its copy. */
  hookCharmDir: string;
}

/**
 * Prepares the sandbox under the model's `dir`: a Debian trust root, a 0700 state directory and,
 * on request, a copy of the charm directory.
 * @throws {TestingError} `ERR_TESTING_IO`
 */
export async function prepareSandbox(dir: string, options: SandboxOptions): Promise<Sandbox> {
  const env: Record<string, string> = {};
  if (options.trustRoot !== false) {
    const trustRoot = options.trustRoot ?? join(dir, 'trust-root');
    if (options.trustRoot === undefined) await prepareDebianRoot(trustRoot);
    env.TLS_CLIENT_TRUST_ROOT = trustRoot;
  }
  if (options.distro !== false) env.TLS_CLIENT_DISTRO = options.distro ?? 'debian';
  if (options.stateDir !== false) {
    const stateDir = options.stateDir ?? join(dir, 'charm-state');
    if (options.stateDir === undefined) await mkdir(stateDir, { recursive: true, mode: 0o700 });
    env.TLS_CLIENT_STATE_DIR = stateDir;
  }
  let hookCharmDir = options.charmDir;
  if (options.copyCharmDir === true) {
    hookCharmDir = join(dir, 'charm');
    try {
      await cp(options.charmDir, hookCharmDir, { recursive: true, verbatimSymlinks: true });
    } catch (error) {
      throw new TestingError('ERR_TESTING_IO', `cannot copy the charm directory ${options.charmDir}`, {
        path: options.charmDir,
        cause: error,
      });
    }
  }
  return { env, hookCharmDir };
}
