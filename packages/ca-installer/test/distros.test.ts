import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaInstaller, type DistroFamily, detectDistro, distroLayout } from '../src/index.js';
import { filesIn, makeCa, tempDir, writeStub } from './helpers.js';

async function stubbed(distro: DistroFamily, program: string) {
  const dir = await tempDir();
  const bin = join(dir, 'bin');
  const stub = await writeStub(bin, program);
  const root = join(dir, 'root');
  // Only the stub directory on PATH: the real tool of this machine can never be reached.
  const installer = new CaInstaller({ root, distro, env: { PATH: bin } });
  const [one, two] = await Promise.all([makeCa(dir, 'One CA'), makeCa(dir, 'Two CA')]);
  return { dir, root, stub, installer, one, two };
}

describe('CaInstaller on the RHEL family (stub update-ca-trust on PATH)', () => {
  it('writes one anchor file holding the whole bundle and runs "update-ca-trust extract"', async () => {
    const t = await stubbed('rhel', 'update-ca-trust');
    const anchors = join(t.root, 'etc/pki/ca-trust/source/anchors');
    const result = await t.installer.install('my-app', t.one.pem + t.two.pem);
    expect(result).toMatchObject({ changed: true, updateRan: true, files: [join(anchors, 'my-app.crt')] });
    // p11-kit reads every certificate of a PEM file, so the bundle is not split.
    expect(await readFile(join(anchors, 'my-app.crt'), 'utf8')).toBe(t.one.pem + t.two.pem);
    expect((await stat(join(anchors, 'my-app.crt'))).mode & 0o777).toBe(0o644);
    expect(await t.stub.calls()).toEqual([['extract']]);

    expect(await t.installer.install('my-app', t.one.pem + t.two.pem)).toMatchObject({ updateRan: false });
    await t.installer.install('my-app', t.two.pem);
    expect(await readFile(join(anchors, 'my-app.crt'), 'utf8')).toBe(t.two.pem);
    await t.installer.uninstall('my-app');
    expect(await filesIn(anchors)).toEqual([]);
    expect(await t.stub.calls()).toEqual([['extract'], ['extract'], ['extract']]);
  });
});

describe('CaInstaller on SUSE (stub update-ca-certificates on PATH)', () => {
  it('writes to /etc/pki/trust/anchors and runs update-ca-certificates without Debian options', async () => {
    const t = await stubbed('suse', 'update-ca-certificates');
    const anchors = join(t.root, 'etc/pki/trust/anchors');
    const result = await t.installer.install('my-app', t.one.pem + t.two.pem);
    expect(result.files).toEqual([join(anchors, 'my-app.crt')]);
    expect(await readFile(join(anchors, 'my-app.crt'), 'utf8')).toBe(t.one.pem + t.two.pem);
    await t.installer.install('my-app', t.one.pem);
    await t.installer.uninstall('my-app');
    expect(await filesIn(anchors)).toEqual([]);
    // SUSE's script takes at most one option and rebuilds everything through p11-kit anyway.
    expect(await t.stub.calls()).toEqual([[], [], []]);
  });
});

describe('CaInstaller on Alpine (stub update-ca-certificates on PATH)', () => {
  it('splits a bundle into one file per certificate and passes no arguments', async () => {
    const t = await stubbed('alpine', 'update-ca-certificates');
    const anchors = join(t.root, 'usr/local/share/ca-certificates');
    const result = await t.installer.install('my-app', t.one.pem + t.two.pem);
    expect(result.files).toEqual([join(anchors, 'my-app.crt'), join(anchors, 'my-app+2.crt')]);
    expect(await readFile(join(anchors, 'my-app+2.crt'), 'utf8')).toBe(t.two.pem);
    await t.installer.install('my-app', t.one.pem);
    expect(await filesIn(anchors)).toEqual(['my-app.crt']);
    expect(await t.stub.calls()).toEqual([[], []]);
  });
});

describe('CaInstaller when the family changes between runs', () => {
  it('moves the anchor to the new family directory and removes the old file', async () => {
    const t = await stubbed('rhel', 'update-ca-trust');
    await writeStub(t.stub.dir, 'update-ca-certificates');
    await new CaInstaller({ root: t.root, distro: 'debian', env: { PATH: t.stub.dir } }).install(
      'app',
      t.one.pem,
    );
    await t.installer.install('app', t.one.pem);
    expect(await filesIn(join(t.root, 'usr/local/share/ca-certificates'))).toEqual([]);
    expect(await filesIn(join(t.root, 'etc/pki/ca-trust/source/anchors'))).toEqual(['app.crt']);
  });
});

describe('distroLayout', () => {
  it.each([
    ['debian', '/usr/local/share/ca-certificates', ['update-ca-certificates'], true],
    ['alpine', '/usr/local/share/ca-certificates', ['update-ca-certificates'], true],
    ['rhel', '/etc/pki/ca-trust/source/anchors', ['update-ca-trust', 'extract'], false],
    ['suse', '/etc/pki/trust/anchors', ['update-ca-certificates'], false],
  ] as const)('%s keeps anchors in %s', (family, anchorDir, command, splitBundles) => {
    expect(distroLayout(family)).toEqual({ family, anchorDir, command, splitBundles });
  });
});

const OS_RELEASES: [string, string, DistroFamily][] = [
  ['Debian 12', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n', 'debian'],
  ['Ubuntu 24.04', 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', 'debian'],
  ['Linux Mint', 'ID=linuxmint\nID_LIKE="ubuntu debian"\n', 'debian'],
  ['an unknown Debian derivative', 'ID=somethingnew\nID_LIKE="ubuntu"\n', 'debian'],
  ['Alpine', 'NAME="Alpine Linux"\nID=alpine\n', 'alpine'],
  ['RHEL 9', 'ID="rhel"\nID_LIKE="fedora"\n', 'rhel'],
  ['Fedora', 'ID=fedora\n', 'rhel'],
  ['Rocky', 'ID="rocky"\nID_LIKE="rhel centos fedora"\n', 'rhel'],
  ['AlmaLinux', "ID='almalinux'\nID_LIKE='rhel centos fedora'\n", 'rhel'],
  ['Amazon Linux 2023', 'ID="amzn"\nID_LIKE="fedora"\n', 'rhel'],
  ['CentOS Stream', 'ID="centos"\nID_LIKE="rhel fedora"\n', 'rhel'],
  ['SLES 15', 'ID="sles"\nID_LIKE="suse"\n', 'suse'],
  ['openSUSE Tumbleweed', 'ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n', 'suse'],
  ['openSUSE MicroOS', 'ID="opensuse-microos"\n', 'suse'],
];

describe('detectDistro', () => {
  it.each(OS_RELEASES)('detects %s', async (_label, osRelease, family) => {
    const root = await tempDir();
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/os-release'), osRelease);
    expect(detectDistro(root)).toBe(family);
  });

  it('falls back to /usr/lib/os-release', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'usr/lib'), { recursive: true });
    await writeFile(join(root, 'usr/lib/os-release'), 'ID=alpine\n');
    expect(detectDistro(root)).toBe('alpine');
  });

  it.each([
    ['Arch Linux', 'ID=arch\n'],
    ['NixOS', 'ID=nixos\n'],
    ['an empty file', ''],
  ])('refuses to guess for %s', async (_label, osRelease) => {
    const root = await tempDir();
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/os-release'), osRelease);
    expect(() => detectDistro(root)).toThrow(
      expect.objectContaining({
        code: 'ERR_CA_INSTALLER_UNKNOWN_DISTRO',
        path: join(root, 'etc/os-release'),
        message: expect.stringContaining('TLS_CLIENT_DISTRO'),
      }),
    );
  });

  it('reports a system without os-release', async () => {
    const root = await tempDir();
    expect(() => detectDistro(root)).toThrow(
      expect.objectContaining({ code: 'ERR_CA_INSTALLER_UNKNOWN_DISTRO' }),
    );
  });

  it('makes install fail with a typed error before writing anything on an unknown system', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/os-release'), 'ID=gentoo\n');
    const ca = await makeCa(root, 'Unknown CA');
    const installer = new CaInstaller({ root, env: { PATH: '/nonexistent' } });
    await expect(installer.install('app', ca.pem)).rejects.toMatchObject({
      code: 'ERR_CA_INSTALLER_UNKNOWN_DISTRO',
    });
    expect(await filesIn(join(root, 'usr'))).toEqual([]);
    expect(await filesIn(join(root, 'var'))).toEqual([]);
  });
});
