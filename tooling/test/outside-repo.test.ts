// A charm author outside this repository: the packages installed from their tarballs into a fresh
// project with plain npm (no workspace, no pnpm), the layer README's example charm packed with our
// packer, and its hooks run from the unpacked `.charm` under the installed fake Juju, as root. The
// host's trust store and the project folder must come out unchanged.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const HOST_DIRS = ['/usr/local/share/ca-certificates', '/etc/ssl/certs', '/var/lib/tls-client'];
const EXAMPLE_DIR = '/etc/myapp'; // where the README example writes its files

/** Every entry under `dir` with its type, size, mode and mtime: what a change to the host would show. */
function snapshot(dir: string): string[] {
  if (!existsSync(dir)) return [`${dir}: absent`];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false }) ?? {
        size: -1,
        mode: 0,
        mtimeMs: 0,
        isDirectory: () => false,
      };
      out.push(`${p} ${st.size} ${st.mode.toString(8)} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

describe('a charm outside this repository', () => {
  const work = mkdtempSync(join(tmpdir(), 'tls-client-outside-'));
  const project = join(work, 'web-charm');
  const hostBefore = HOST_DIRS.map(snapshot);
  const exampleDirExisted = existsSync(EXAMPLE_DIR);
  let tarballs: string[] = [];
  let result: {
    out: { hook: string; exitCode: number; stderr: string; status: { status: string; message: string } }[];
  };

  beforeAll(() => {
    tarballs = execFileSync(
      process.execPath,
      [join(root, 'tooling/scripts/pack-packages.mjs'), join(work, 'tarballs')],
      {
        encoding: 'utf8',
      },
    )
      .trim()
      .split('\n');
    const byName = Object.fromEntries(
      tarballs.map((file) => {
        const pkg = JSON.parse(
          execFileSync('tar', ['-xzOf', file, 'package/package.json'], { encoding: 'utf8' }),
        );
        return [pkg.name as string, `file:${file}`];
      }),
    );
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(
      join(project, 'package.json'),
      `${JSON.stringify(
        {
          name: 'web-charm',
          private: true,
          type: 'module',
          dependencies: {
            '@tls-client/layer': byName['@tls-client/layer'],
            '@tls-client/hookenv': byName['@tls-client/hookenv'],
          },
          devDependencies: {
            '@tls-client/testing': byName['@tls-client/testing'],
            '@tls-client/charm-pack': byName['@tls-client/charm-pack'],
          },
          // Siblings resolve to the tarballs too, never to the public registry (they are not there yet).
          overrides: byName,
          charm: { entry: 'src/charm.ts', bin: { 'tls-client': '@tls-client/layer' } },
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(
      join(project, 'metadata.yaml'),
      'name: web\nsummary: nginx with TLS\ndescription: A web server that gets TLS certificates over tls-certificates.\nrequires:\n  certificates:\n    interface: tls-certificates\n',
    );
    // The layer README's example, as written (a test in the layer checks that the README quotes this file).
    writeFileSync(
      join(project, 'src/charm.ts'),
      readFileSync(join(root, 'packages/layer/examples/charm.ts')),
    );
    writeFileSync(
      join(project, 'run-web-charm.mjs'),
      readFileSync(join(import.meta.dirname, 'fixtures/run-web-charm.mjs')),
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: project,
      stdio: 'pipe',
    });
    const packed = execFileSync(join(project, 'node_modules/.bin/charm-pack'), ['.'], {
      cwd: project,
      encoding: 'utf8',
    });
    const charm = packed.trim().split('\n').at(-1) ?? '';
    result = JSON.parse(
      execFileSync(process.execPath, ['run-web-charm.mjs', charm], { cwd: project, encoding: 'utf8' }),
    );
  }, 600_000);

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    if (!exampleDirExisted) rmSync(EXAMPLE_DIR, { recursive: true, force: true });
  });

  it('installs every package from its tarball with npm, at a version from changesets', () => {
    expect(tarballs.length).toBeGreaterThanOrEqual(8);
    const installed = readdirSync(join(project, 'node_modules/@tls-client')).sort();
    expect(installed).toEqual(
      expect.arrayContaining(['layer', 'hookenv', 'testing', 'charm-pack', 'protocol']),
    );
    for (const name of installed) {
      const pkg = JSON.parse(
        readFileSync(join(project, 'node_modules/@tls-client', name, 'package.json'), 'utf8'),
      );
      expect(tarballs.map((t) => basename(t))).toContain(`tls-client-${name}-${pkg.version}.tgz`);
      expect(pkg.version, `${pkg.name} is versioned by changesets`).not.toBe('0.0.0');
    }
  });

  it('runs install, relation-joined and relation-changed from the packed charm, ending active', () => {
    expect(result.out.map((o) => [o.hook, o.exitCode])).toEqual([
      ['install', 0],
      ['certificates-relation-joined', 0],
      ['certificates-relation-changed', 0],
    ]);
    expect(result.out.map((o) => o.status.status)).toEqual(['blocked', 'waiting', 'active']);
  });

  it("leaves the host's trust store and /var/lib/tls-client unchanged, though it runs as root", () => {
    expect(HOST_DIRS.map(snapshot)).toEqual(hostBefore);
  });

  it('writes no state into the project folder', () => {
    expect(existsSync(join(project, '.tls-client'))).toBe(false);
  });
});
