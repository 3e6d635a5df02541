import { chmod, lstat, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { prepareDebianRoot } from '@tls-client/testing';
import { describe, expect, it } from 'vitest';
import { CaInstaller, CaInstallerError } from '../src/index.js';
import {
  countingRealUpdate,
  filesIn,
  makeCa,
  makeLeaf,
  REAL_UPDATE,
  type Stub,
  tempDir,
  trustedBy,
} from './helpers.js';

const SKIP_REASON = REAL_UPDATE ? '' : ' [skipped: update-ca-certificates is not installed on this machine]';

interface Sandbox {
  dir: string;
  root: string;
  anchors: string;
  counter: Stub;
  installer: CaInstaller;
}

/** A prepared Debian root with the real tool behind a counting wrapper. */
async function sandbox(options: { failFirst?: boolean } = {}): Promise<Sandbox> {
  const dir = await tempDir();
  const root = join(dir, 'root');
  await prepareDebianRoot(root);
  // The wrapper fails its first run when asked: it creates a marker and exits 7 before exec.
  const failOnce = options.failFirst
    ? `if [ ! -e "$STUB_DIR/failed" ]; then : > "$STUB_DIR/failed"; echo 'E: simulated failure' >&2; exit 7; fi`
    : '';
  const counter = await countingRealUpdate(join(dir, 'bin'), failOnce);
  const installer = new CaInstaller({ root, updateCommand: counter.path, env: { PATH: process.env.PATH } });
  return { dir, root, anchors: join(root, 'usr/local/share/ca-certificates'), counter, installer };
}

describe.skipIf(REAL_UPDATE === undefined)(
  `CaInstaller on Debian, real update-ca-certificates in a sandbox root${SKIP_REASON}`,
  () => {
    it('trusts a leaf of the installed CA, and stops trusting it after uninstall', async () => {
      const s = await sandbox();
      const ca = await makeCa(s.dir, 'Alpha CA');
      const leaf = await makeLeaf(s.dir, ca, 'alpha.example');
      expect(await trustedBy(s.root, leaf)).toEqual({ caFile: false, caPath: false });

      const result = await s.installer.install('my-app', ca.pem);
      expect(result).toMatchObject({ name: 'my-app', changed: true, updateRan: true });
      expect(result.files).toEqual([join(s.anchors, 'my-app.crt')]);
      expect((await stat(result.files[0] ?? '')).mode & 0o777).toBe(0o644);
      expect(await trustedBy(s.root, leaf)).toEqual({ caFile: true, caPath: true });
      expect(await s.installer.isTrusted('my-app')).toBe(true);

      const removed = await s.installer.uninstall('my-app');
      expect(removed).toEqual({ name: 'my-app', removed: [join(s.anchors, 'my-app.crt')], updateRan: true });
      expect(await filesIn(s.anchors)).toEqual([]);
      expect(await trustedBy(s.root, leaf)).toEqual({ caFile: false, caPath: false });
      expect(await s.installer.isTrusted('my-app')).toBe(false);
      expect(await s.installer.list()).toEqual([]);
      expect((await s.counter.calls()).length).toBe(2);
    });

    it('keeps another name trusted when one is uninstalled', async () => {
      const s = await sandbox();
      const [a, b] = await Promise.all([makeCa(s.dir, 'A CA'), makeCa(s.dir, 'B CA')]);
      const [leafA, leafB] = await Promise.all([
        makeLeaf(s.dir, a, 'a.example'),
        makeLeaf(s.dir, b, 'b.example'),
      ]);
      await s.installer.install('app-a', a.pem);
      await s.installer.install('app-b', b.pem);
      await s.installer.uninstall('app-a');
      expect(await trustedBy(s.root, leafA)).toEqual({ caFile: false, caPath: false });
      expect(await trustedBy(s.root, leafB)).toEqual({ caFile: true, caPath: true });
    });

    it('runs the update command zero times for an unchanged install', async () => {
      const s = await sandbox();
      const ca = await makeCa(s.dir, 'Same CA');
      await s.installer.install('app', ca.pem);
      const before = await stat(join(s.anchors, 'app.crt'));
      // CRLF and text around the block are the same CA: still unchanged.
      const noisy = `subject=CN = Same CA\r\n${ca.pem.replace(/\n/g, '\r\n')}trailing text`;
      for (const pem of [ca.pem, noisy, ca.pem]) {
        const again = await s.installer.install('app', pem);
        expect(again).toMatchObject({ changed: false, updateRan: false });
      }
      expect((await s.counter.calls()).length).toBe(1);
      expect((await stat(join(s.anchors, 'app.crt'))).ino).toBe(before.ino);
    });

    it('fixes a drifted mode without rewriting the file or running the update', async () => {
      const s = await sandbox();
      const ca = await makeCa(s.dir, 'Mode CA');
      await s.installer.install('app', ca.pem);
      await chmod(join(s.anchors, 'app.crt'), 0o600);
      expect(await s.installer.install('app', ca.pem)).toMatchObject({ changed: false, updateRan: false });
      expect((await stat(join(s.anchors, 'app.crt'))).mode & 0o777).toBe(0o644);
      expect((await s.counter.calls()).length).toBe(1);
    });

    it('restores a deleted anchor file and updates again', async () => {
      const s = await sandbox();
      const ca = await makeCa(s.dir, 'Restored CA');
      await s.installer.install('app', ca.pem);
      await unlink(join(s.anchors, 'app.crt'));
      expect(await s.installer.isTrusted('app')).toBe(false);
      expect(await s.installer.install('app', ca.pem)).toMatchObject({ changed: true, updateRan: true });
      expect(await s.installer.isTrusted('app')).toBe(true);
      expect((await s.counter.calls()).length).toBe(2);
    });

    it('rotates: the old CA is no longer trusted, the new one is, by bundle and by hash directory', async () => {
      const s = await sandbox();
      const [oldCa, newCa] = await Promise.all([makeCa(s.dir, 'Old CA'), makeCa(s.dir, 'New CA')]);
      const [oldLeaf, newLeaf] = await Promise.all([
        makeLeaf(s.dir, oldCa, 'old.example'),
        makeLeaf(s.dir, newCa, 'new.example'),
      ]);
      await s.installer.install('app', oldCa.pem);
      const rotated = await s.installer.install('app', newCa.pem);
      expect(rotated).toMatchObject({ changed: true, updateRan: true, files: [join(s.anchors, 'app.crt')] });
      expect(await trustedBy(s.root, oldLeaf)).toEqual({ caFile: false, caPath: false });
      expect(await trustedBy(s.root, newLeaf)).toEqual({ caFile: true, caPath: true });
      // A replaced file needs --fresh: a plain run would leave the old CA's hash link in place.
      const calls = await s.counter.calls();
      expect(calls[0]).not.toContain('--fresh');
      expect(calls[1]).toContain('--fresh');
    });

    it('trusts every CA of a bundle, one file per certificate, and shrinks the files on rotation', async () => {
      const s = await sandbox();
      const [one, two, three] = await Promise.all([
        makeCa(s.dir, 'One CA'),
        makeCa(s.dir, 'Two CA'),
        makeCa(s.dir, 'Three CA'),
      ]);
      const leaves = await Promise.all([
        makeLeaf(s.dir, one, 'one.example'),
        makeLeaf(s.dir, two, 'two.example'),
        makeLeaf(s.dir, three, 'three.example'),
      ]);
      const result = await s.installer.install('app', `${one.pem}\n${two.pem}`);
      expect(result.files).toEqual([join(s.anchors, 'app.crt'), join(s.anchors, 'app+2.crt')]);
      expect(result.fingerprints).toHaveLength(2);
      expect(await trustedBy(s.root, leaves[0] ?? '')).toEqual({ caFile: true, caPath: true });
      expect(await trustedBy(s.root, leaves[1] ?? '')).toEqual({ caFile: true, caPath: true });

      await s.installer.install('app', three.pem);
      expect(await filesIn(s.anchors)).toEqual(['app.crt']);
      expect(await trustedBy(s.root, leaves[0] ?? '')).toEqual({ caFile: false, caPath: false });
      expect(await trustedBy(s.root, leaves[1] ?? '')).toEqual({ caFile: false, caPath: false });
      expect(await trustedBy(s.root, leaves[2] ?? '')).toEqual({ caFile: true, caPath: true });
    });

    it('retries a failed update on the next call although the files are already in place', async () => {
      const s = await sandbox({ failFirst: true });
      const ca = await makeCa(s.dir, 'Retry CA');
      const leaf = await makeLeaf(s.dir, ca, 'retry.example');
      const error = await s.installer.install('app', ca.pem).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CaInstallerError);
      expect(error).toMatchObject({
        code: 'ERR_CA_INSTALLER_UPDATE_FAILED',
        exitCode: 7,
        stderr: expect.stringContaining('E: simulated failure'),
      });
      expect((error as CaInstallerError).command?.[0]).toBe(s.counter.path);
      expect(await filesIn(s.anchors)).toEqual(['app.crt']);
      expect(await s.installer.isUpdateOwed()).toBe(true);
      expect(await s.installer.isTrusted('app')).toBe(false);
      expect(await trustedBy(s.root, leaf)).toEqual({ caFile: false, caPath: false });

      const retried = await s.installer.install('app', ca.pem);
      expect(retried).toMatchObject({ changed: false, updateRan: true });
      expect(await s.installer.isUpdateOwed()).toBe(false);
      expect(await trustedBy(s.root, leaf)).toEqual({ caFile: true, caPath: true });
      expect((await s.counter.calls()).length).toBe(2);
      // Now settled: the next identical install runs nothing.
      expect(await s.installer.install('app', ca.pem)).toMatchObject({ updateRan: false });
      expect((await s.counter.calls()).length).toBe(2);
    });

    it('keeps a record of what it installed, written atomically under the root', async () => {
      const s = await sandbox();
      const ca = await makeCa(s.dir, 'Record CA');
      await s.installer.install('app', ca.pem);
      expect(s.installer.recordPath).toBe(join(s.root, 'var/lib/tls-client/ca-installer.json'));
      const record = JSON.parse(await readFile(s.installer.recordPath, 'utf8'));
      expect(record).toMatchObject({ version: 1, owed: 'none', withdrawn: [] });
      expect(record.entries.app.files[0].path).toBe(join(s.anchors, 'app.crt'));
      expect(await filesIn(join(s.root, 'var/lib/tls-client'))).toEqual(['ca-installer.json']);
      const list = await s.installer.list();
      expect(list).toEqual([
        {
          name: 'app',
          files: [join(s.anchors, 'app.crt')],
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          fingerprints: [expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)],
        },
      ]);
    });

    it('prunes names no longer wanted with a single update', async () => {
      const s = await sandbox();
      const cas = await Promise.all(['P1 CA', 'P2 CA', 'P3 CA'].map((cn) => makeCa(s.dir, cn)));
      const keptLeaf = await makeLeaf(s.dir, cas[1]!, 'kept.example');
      const goneLeaf = await makeLeaf(s.dir, cas[0]!, 'gone.example');
      await s.installer.install('old-app', cas[0]!.pem);
      await s.installer.install('app', cas[1]!.pem);
      await s.installer.install('older-app', cas[2]!.pem);
      expect(await s.installer.prune(['app'])).toEqual(['old-app', 'older-app']);
      expect(await filesIn(s.anchors)).toEqual(['app.crt']);
      expect((await s.installer.list()).map((e) => e.name)).toEqual(['app']);
      expect((await s.counter.calls()).length).toBe(4);
      expect(await trustedBy(s.root, keptLeaf)).toEqual({ caFile: true, caPath: true });
      expect(await trustedBy(s.root, goneLeaf)).toEqual({ caFile: false, caPath: false });
      expect(await s.installer.prune(['app'])).toEqual([]);
      expect((await s.counter.calls()).length).toBe(4);
    });

    it('removes a file of the name that it never recorded (left by the original layer)', async () => {
      const s = await sandbox();
      const ca = await makeCa(s.dir, 'Legacy CA');
      const leaf = await makeLeaf(s.dir, ca, 'legacy.example');
      const legacy = new CaInstaller({
        root: s.root,
        updateCommand: s.counter.path,
        recordPath: join(s.dir, 'other.json'),
      });
      await legacy.install('app', ca.pem);
      const result = await s.installer.uninstall('app');
      expect(result).toEqual({ name: 'app', removed: [join(s.anchors, 'app.crt')], updateRan: true });
      expect(await trustedBy(s.root, leaf)).toEqual({ caFile: false, caPath: false });
    });

    it('does not run the update to uninstall a name that was never installed', async () => {
      const s = await sandbox();
      expect(await s.installer.uninstall('nothing')).toEqual({
        name: 'nothing',
        removed: [],
        updateRan: false,
      });
      expect(await s.counter.calls()).toEqual([]);
    });

    it('passes the sandbox options so the host trust store is not touched', async () => {
      const s = await sandbox();
      const ca = await makeCa(s.dir, 'Sandbox CA');
      const hostBundle = await lstat('/etc/ssl/certs/ca-certificates.crt').catch(() => undefined);
      await s.installer.install('app', ca.pem);
      const [args] = await s.counter.calls();
      expect(args).toEqual([
        '--certsconf',
        join(s.root, 'etc/ca-certificates.conf'),
        '--certsdir',
        join(s.root, 'usr/share/ca-certificates'),
        '--localcertsdir',
        join(s.root, 'usr/local/share/ca-certificates'),
        '--etccertsdir',
        join(s.root, 'etc/ssl/certs'),
        '--hooksdir',
        join(s.root, 'etc/ca-certificates/update.d'),
      ]);
      const after = await lstat('/etc/ssl/certs/ca-certificates.crt').catch(() => undefined);
      expect(after?.mtimeMs).toBe(hostBundle?.mtimeMs);
    });

    it('runs one call at a time on an instance', async () => {
      const s = await sandbox();
      const [a, b] = await Promise.all([makeCa(s.dir, 'Q1 CA'), makeCa(s.dir, 'Q2 CA')]);
      const results = await Promise.all([
        s.installer.install('q1', a.pem),
        s.installer.install('q2', b.pem),
        s.installer.install('q1', a.pem),
      ]);
      expect(results.map((r) => r.updateRan)).toEqual([true, true, false]);
      expect((await s.installer.list()).map((e) => e.name)).toEqual(['q1', 'q2']);
    });
  },
);

describe('CaInstaller environment', () => {
  it('takes the root and the distribution from TLS_CLIENT_TRUST_ROOT and TLS_CLIENT_DISTRO', async () => {
    const root = await tempDir();
    const installer = new CaInstaller({ env: { TLS_CLIENT_TRUST_ROOT: root, TLS_CLIENT_DISTRO: 'rhel' } });
    expect(installer.root).toBe(root);
    expect(installer.recordPath).toBe(join(root, 'var/lib/tls-client/ca-installer.json'));
    expect(installer.distro()).toBe('rhel');
  });

  it('detects the distribution under the root when nothing forces it', async () => {
    const root = await tempDir();
    await prepareDebianRoot(root);
    expect(new CaInstaller({ root, env: {} }).distro()).toBe('debian');
  });

  it('rejects a relative TLS_CLIENT_TRUST_ROOT and an unknown TLS_CLIENT_DISTRO with typed errors', () => {
    expect(() => new CaInstaller({ env: { TLS_CLIENT_TRUST_ROOT: 'relative/dir' } })).toThrow(
      expect.objectContaining({ code: 'ERR_CA_INSTALLER_INVALID_ROOT' }),
    );
    const installer = new CaInstaller({ root: '/nonexistent-root', env: { TLS_CLIENT_DISTRO: 'arch' } });
    expect(() => installer.distro()).toThrow(
      expect.objectContaining({ code: 'ERR_CA_INSTALLER_UNKNOWN_DISTRO' }),
    );
  });

  it('rejects impossible options with TypeError', () => {
    expect(() => new CaInstaller({ root: 'relative' })).toThrow(TypeError);
    expect(() => new CaInstaller({ distro: 'gentoo' as never })).toThrow(TypeError);
    expect(() => new CaInstaller({ timeoutMs: 0 })).toThrow(TypeError);
    expect(() => new CaInstaller({ recordPath: 'x.json' })).toThrow(TypeError);
    expect(() => new CaInstaller({ updateCommand: '' })).toThrow(TypeError);
  });
});
