import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_PEM_BYTES as MAX_CA_PEM_BYTES } from '@tls-client/cert-writer';
import { describe, expect, it } from 'vitest';
import { CaInstaller, CaInstallerError } from '../src/index.js';
import { filesIn, makeCa, makeSelfSignedLeaf, tempDir, writeStub } from './helpers.js';

interface Fixture {
  dir: string;
  installer: CaInstaller;
  anchors: string;
  stubCalls: () => Promise<string[][]>;
  ca: string;
  leaf: { pem: string; key: string };
}

async function fixture(options: { allowNonCa?: boolean } = {}): Promise<Fixture> {
  const dir = await tempDir();
  const stub = await writeStub(join(dir, 'bin'), 'update-ca-certificates');
  const root = join(dir, 'root');
  const installer = new CaInstaller({
    root,
    distro: 'debian',
    updateCommand: stub.path,
    env: { PATH: '/usr/bin:/bin' },
    ...options,
  });
  const ca = (await makeCa(dir, 'Input CA')).pem;
  const leaf = await makeSelfSignedLeaf(dir, 'leaf.example');
  return {
    dir,
    installer,
    anchors: join(root, 'usr/local/share/ca-certificates'),
    stubCalls: stub.calls,
    ca,
    leaf,
  };
}

/** Swaps one base64 character inside the DER so it no longer parses as a certificate. */
function corrupt(pem: string): string {
  const lines = pem.split('\n');
  lines[2] = `${lines[2]?.slice(0, 10)}AAAAAAAAAAAAAAAA${lines[2]?.slice(26)}`;
  lines[1] = 'MIIB';
  return lines.join('\n');
}

const ROWS: [string, (f: Fixture) => string, string][] = [
  ['a private key alone', (f) => f.leaf.key, 'ERR_CA_INSTALLER_PRIVATE_KEY'],
  ['a CA followed by a private key', (f) => f.ca + f.leaf.key, 'ERR_CA_INSTALLER_PRIVATE_KEY'],
  ['a non-CA leaf certificate', (f) => f.leaf.pem, 'ERR_CA_INSTALLER_NOT_CA'],
  ['a CA bundled with a non-CA leaf', (f) => f.ca + f.leaf.pem, 'ERR_CA_INSTALLER_NOT_CA'],
  ['garbage text', () => 'this is not a certificate at all', 'ERR_CA_INSTALLER_INVALID_PEM'],
  ['an empty string', () => '', 'ERR_CA_INSTALLER_INVALID_PEM'],
  ['a truncated PEM block', (f) => f.ca.slice(0, 200), 'ERR_CA_INSTALLER_INVALID_PEM'],
  [
    'a PEM block that is not a certificate',
    () => '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
    'ERR_CA_INSTALLER_INVALID_PEM',
  ],
  ['base64 that is not DER', (f) => corrupt(f.ca), 'ERR_CA_INSTALLER_INVALID_CERTIFICATE'],
  [
    'a TRUSTED CERTIFICATE',
    (f) => f.ca.replace(/CERTIFICATE/g, 'TRUSTED CERTIFICATE'),
    'ERR_CA_INSTALLER_INVALID_CERTIFICATE',
  ],
  ['more than 1 MiB', (f) => f.ca + ' '.repeat(MAX_CA_PEM_BYTES), 'ERR_CA_INSTALLER_INVALID_PEM'],
];

describe('CaInstaller.install input validation', () => {
  it.each(ROWS)('rejects %s with a typed error and writes nothing', async (_label, input, code) => {
    const f = await fixture();
    const pem = input(f);
    let error: unknown;
    try {
      await f.installer.install('app', pem);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CaInstallerError);
    expect((error as CaInstallerError).code).toBe(code);
    const message = (error as Error).message;
    // Never a body in the message: no base64 line of the CA or the key.
    for (const secret of [f.leaf.key, f.ca, f.leaf.pem]) {
      for (const line of secret.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) {
        expect(message).not.toContain(line);
      }
    }
    expect(await filesIn(f.anchors)).toEqual([]);
    expect(await filesIn(join(f.dir, 'root'))).toEqual([]);
    expect(await f.stubCalls()).toEqual([]);
  });

  it('names the offending block by index', async () => {
    const f = await fixture();
    const error = await f.installer.install('app', f.ca + f.leaf.pem).catch((e: CaInstallerError) => e);
    expect(error).toMatchObject({ code: 'ERR_CA_INSTALLER_NOT_CA', blockIndex: 1 });
  });

  it('accepts a non-CA certificate with allowNonCa', async () => {
    const f = await fixture({ allowNonCa: true });
    const result = await f.installer.install('pinned', f.leaf.pem);
    expect(result).toMatchObject({ changed: true, updateRan: true });
    expect(await filesIn(f.anchors)).toEqual(['pinned.crt']);
  });

  it('writes the canonical PEM of the certificate, dropping text around it and duplicates', async () => {
    const f = await fixture();
    const noisy = `Certificate:\n    Data: ...\r\n${f.ca.replace(/\n/g, '\r\n')}\n\n${f.ca}`;
    const result = await f.installer.install('app', noisy);
    expect(result.files).toHaveLength(1);
    expect(await readFile(result.files[0] ?? '', 'utf8')).toBe(f.ca);
  });

  it('throws TypeError for a pem or name that is not a string', async () => {
    const f = await fixture();
    await expect(f.installer.install('app', 42 as never)).rejects.toThrow(TypeError);
    await expect(f.installer.install(undefined as never, f.ca)).rejects.toThrow(TypeError);
  });
});

const BAD_NAMES: [string, string][] = [
  ['a path that climbs out', '../../etc/x'],
  ['a name with a slash', 'a/b'],
  ['a name with a backslash', 'a\\b'],
  ['a name with a newline', 'app\nevil'],
  ['a name with a carriage return', 'app\r'],
  ['a name with a tab', 'app\tx'],
  ['a name with NUL', 'app\0'],
  ['a name with a line separator', 'app\u2028x'],
  ['an empty name', ''],
  ['"."', '.'],
  ['".."', '..'],
  ['a lone surrogate', 'app\uD800'],
  ['a name too long for a file name', 'x'.repeat(201)],
];

describe('CaInstaller name checks', () => {
  it.each(BAD_NAMES)(
    'rejects %s with ERR_CA_INSTALLER_INVALID_NAME and writes nothing',
    async (_label, name) => {
      const f = await fixture();
      for (const call of [
        () => f.installer.install(name, f.ca),
        () => f.installer.uninstall(name),
        () => f.installer.isTrusted(name),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'ERR_CA_INSTALLER_INVALID_NAME' });
      }
      expect(await filesIn(join(f.dir, 'root'))).toEqual([]);
      expect(await filesIn(join(f.dir, 'etc'))).toEqual([]);
      expect(await f.stubCalls()).toEqual([]);
    },
  );

  it('keeps names with spaces, dots and non-ASCII letters apart, in safe file names', async () => {
    const f = await fixture();
    const names = ['my app', 'my_app', 'my%20app', 'app.', 'app', '.app', 'a..b', 'café', '__proto__'];
    for (const name of names) await f.installer.install(name, f.ca);
    const files = await filesIn(f.anchors);
    expect(files).toEqual(
      [
        '%2Eapp.crt',
        '__proto__.crt',
        'a.%2Eb.crt',
        'app%2E.crt',
        'app.crt',
        'caf%C3%A9.crt',
        'my%2520app.crt',
        'my%20app.crt',
        'my_app.crt',
      ].sort(),
    );
    expect((await f.installer.list()).map((e) => e.name).sort()).toEqual([...names].sort());
    for (const file of files) expect(file).toMatch(/^[A-Za-z0-9_%-][A-Za-z0-9_.%-]*\.crt$/);
    expect(files.some((file) => file.includes('..'))).toBe(false);
  });
});
