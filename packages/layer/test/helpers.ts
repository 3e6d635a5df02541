import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlagStore } from '@tls-client/flags';
import { FakeModel, type HookRun, prepareDebianRoot } from '@tls-client/testing';
import type { Changes, Problem, RunResult } from '../src/index.js';

/** The real update-ca-certificates, or undefined when this machine has none. */
export const UPDATE_CA_CERTIFICATES = [
  '/usr/sbin/update-ca-certificates',
  '/usr/bin/update-ca-certificates',
].find((p) => existsSync(p));

/** The test charm: `dispatch` runs `charm.mjs`, which imports the layer's built dist. */
export const FIXTURE_DISPATCH = join(
  dirname(fileURLToPath(import.meta.url)),
  'fixtures',
  'charm',
  'dispatch',
);
export const UNIT = 'myapp/0';

/** What the fixture charm reads from `spec.json`. */
export interface CharmSpec {
  options?: Record<string, unknown>;
  requests?: {
    type: 'server' | 'client' | 'application' | 'intermediate';
    commonName: string;
    sans?: string[] | null;
    files?: Record<string, unknown>;
  }[];
  requestsInHandler?: CharmSpec['requests'];
  failInHandler?: boolean;
  clearChanged?: boolean;
  /** Register `tls.whenChanged`, which records what it was given in `changesSeen`. */
  whenChanged?: boolean;
  /** Call `tls.rotateKey(type, commonName)` before `run()`. */
  rotateKey?: { type: string; commonName: string };
}

/** What the fixture charm writes to `last-run.json`. */
export interface LastRun {
  ok: boolean;
  code?: string;
  message?: string;
  result?: RunResult;
  problems?: Problem[];
  flags?: string[];
  seen?: string[];
  changesSeen?: Changes[];
}

/** A unit in a temp directory: charm dir, sandbox trust root, output dir, fake Juju. */
export interface Harness {
  dir: string;
  charmDir: string;
  root: string;
  out: string;
  model: FakeModel;
  env: Record<string, string>;
  setSpec(spec: CharmSpec): Promise<void>;
  hook(
    name: string,
    options?: {
      relationId?: string;
      remoteUnit?: string;
      env?: Record<string, string>;
      secretId?: string;
      secretLabel?: string;
      secretRevision?: number;
    },
  ): Promise<HookRun & { last: LastRun }>;
  /** How many times update-ca-certificates ran. */
  updateCalls(): Promise<number>;
  /** Makes update-ca-certificates fail (exit 1) until called with false. */
  failUpdates(fail: boolean): Promise<void>;
  /** Reads the committed flag store of the unit. */
  flags(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function createHarness(spec: CharmSpec): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'tls-client-layer-'));
  const charmDir = join(dir, 'charm');
  const root = join(dir, 'root');
  const out = join(dir, 'out');
  await mkdir(charmDir);
  await mkdir(out);
  await prepareDebianRoot(root);
  const model = await FakeModel.create({
    unit: UNIT,
    charmDir,
    dir: join(dir, 'juju'),
    // The charm dir is already a temp dir, and the tests read the state under it.
    stateDir: false,
  });
  // A wrapper in front of the real update-ca-certificates counts its runs and can fail on demand.
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const wrapper = join(bin, 'update-ca-certificates');
  await writeFile(
    wrapper,
    `#!/bin/sh\necho "$*" >> '${dir}/update-calls.log'\nif [ -e '${dir}/fail-update' ]; then echo 'ERROR: simulated failure' >&2; exit 1; fi\nexec '${UPDATE_CA_CERTIFICATES}' "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  const env = {
    TLS_CLIENT_TRUST_ROOT: root,
    TLS_CLIENT_DISTRO: 'debian',
    PATH: `${bin}:${model.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  };
  const setSpec = async (next: CharmSpec) => writeFile(join(charmDir, 'spec.json'), JSON.stringify(next));
  await setSpec(spec);
  return {
    dir,
    charmDir,
    root,
    out,
    model,
    env,
    setSpec,
    async hook(name, options = {}) {
      await rm(join(charmDir, 'last-run.json'), { force: true });
      const run = await model.runHook(name, {
        ...options,
        command: [FIXTURE_DISPATCH],
        env: { ...env, ...(options.env ?? {}) },
      });
      let last: LastRun;
      try {
        last = JSON.parse(await readFile(join(charmDir, 'last-run.json'), 'utf8')) as LastRun;
      } catch {
        last = {
          ok: false,
          message: `no last-run.json; exit ${run.exitCode}; stderr: ${run.stderr.slice(0, 2000)}`,
        };
      }
      return { ...run, last };
    },
    async flags() {
      return FlagStore.open({ charmDir }).list().sort();
    },
    async updateCalls() {
      try {
        return (await readFile(join(dir, 'update-calls.log'), 'utf8')).split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    },
    async failUpdates(fail) {
      if (fail) await writeFile(join(dir, 'fail-update'), '');
      else await rm(join(dir, 'fail-update'), { force: true });
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Inode, mtime and mode of a file, to prove it was not rewritten. */
export async function fileStamp(path: string): Promise<{ ino: number; mtimeMs: number; mode: number }> {
  const s = await stat(path);
  return { ino: s.ino, mtimeMs: s.mtimeMs, mode: s.mode & 0o777 };
}

/** Tool names of the calls a hook made. */
export function toolNames(run: HookRun): string[] {
  return run.calls.map((c) => c.tool);
}
