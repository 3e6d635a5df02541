import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishInterruptedWrite, inspectCertificateFile, writeCertificate } from '../src/index.js';
import { type Fixtures, makeFixtures, removeTempDirs, tempDir } from './helpers.js';

let f: Fixtures;
beforeAll(() => {
  f = makeFixtures();
});
afterAll(removeTempDirs);

const versions = (dir: string) => readdirSync(dir).filter((n) => n.includes('.tls-pair.v'));

describe('writeCertificate: pairs are atomic', () => {
  it('lays out one directory as links into one version, and switches it by one rename', async () => {
    const dir = tempDir();
    const paths = {
      certPath: join(dir, 'tls.crt'),
      keyPath: join(dir, 'tls.key'),
      chainPath: join(dir, 'ca.crt'),
    };
    const first = await writeCertificate({ ...f.leafEc, chain: f.intermediate.cert, ...paths });
    expect(first.commit).toBe('swap');
    expect(readlinkSync(paths.keyPath)).toBe('.tls.key.tls-pair/tls.key');
    expect(readlinkSync(paths.certPath)).toBe('.tls.key.tls-pair/tls.crt');
    const [v1] = versions(dir);
    expect(readlinkSync(join(dir, '.tls.key.tls-pair'))).toBe(v1);
    expect(statSync(paths.keyPath).mode & 0o777).toBe(0o600);
    expect(statSync(paths.certPath).mode & 0o777).toBe(0o644);
    // Unchanged: no write, no lock, the same version.
    const again = await writeCertificate({ ...f.leafEc, chain: f.intermediate.cert, ...paths });
    expect(again.commit).toBe('none');
    expect(again.files.map((x) => x.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(versions(dir)).toEqual([v1]);
    // Renewed: a new version, the old one collected, status readers follow the links.
    const renewed = await writeCertificate({ ...f.leafRsa, chain: f.intermediate.cert, ...paths });
    expect(renewed.commit).toBe('swap');
    expect(versions(dir)).toHaveLength(1);
    expect(versions(dir)).not.toEqual([v1]);
    const info = await inspectCertificateFile(paths.certPath, paths.keyPath);
    expect(info.key?.matches).toBe(true);
    expect(info.mode).toBe(0o644);
    expect(readdirSync(dir).sort()).toEqual(
      ['.tls.key.tls-pair', versions(dir)[0], 'ca.crt', 'tls.crt', 'tls.key'].sort(),
    );
  });

  it("migrates a user's regular files only when the pair changes, keeping modes and owners", async () => {
    const dir = tempDir();
    const paths = { certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key') };
    writeFileSync(paths.keyPath, f.leafEc.key, { mode: 0o600 });
    writeFileSync(paths.certPath, f.leafEc.cert + f.intermediate.cert, { mode: 0o644 });
    const same = await writeCertificate({ ...f.leafEc, chain: f.intermediate.cert, ...paths });
    expect(same.commit).toBe('none');
    expect(lstatSync(paths.keyPath).isFile()).toBe(true);
    const changed = await writeCertificate({ ...f.leafRsa, chain: f.intermediate.cert, ...paths });
    expect(changed.commit).toBe('swap');
    expect(changed.files.map((x) => x.action)).toEqual(['updated', 'updated']);
    expect(lstatSync(paths.keyPath).isSymbolicLink()).toBe(true);
    expect(readFileSync(paths.keyPath, 'utf8')).toBe(f.leafRsa.key);
    expect(versions(dir)).toHaveLength(1);
  });

  it('repairs a drifted mode in place without a new version', async () => {
    const dir = tempDir();
    const paths = { certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key') };
    await writeCertificate({ ...f.leafEc, ...paths });
    const [v1] = versions(dir);
    const { chmodSync } = await import('node:fs');
    chmodSync(paths.certPath, 0o600);
    const r = await writeCertificate({ ...f.leafEc, ...paths });
    expect(r.commit).toBe('repair');
    expect(statSync(paths.certPath).mode & 0o777).toBe(0o644);
    expect(versions(dir)).toEqual([v1]);
  });

  it('drops the chain file with a pair that has no chain', async () => {
    const dir = tempDir();
    const paths = {
      certPath: join(dir, 'tls.crt'),
      keyPath: join(dir, 'tls.key'),
      chainPath: join(dir, 'ca.crt'),
    };
    await writeCertificate({ ...f.leafEc, chain: f.intermediate.cert, ...paths });
    const r = await writeCertificate({ ...f.leafRsa, ...paths });
    expect(r.warnings.some((w) => w.includes('ca.crt'))).toBe(true);
    expect(() => lstatSync(paths.chainPath)).toThrow();
  });

  it('journals a pair across directories, and finishInterruptedWrite completes a cut one', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'private'), { mode: 0o700 });
    mkdirSync(join(dir, 'certs'));
    const keyPath = join(dir, 'private', 'app.key');
    const certPath = join(dir, 'certs', 'app.crt');
    const r = await writeCertificate({ ...f.leafEc, keyPath, certPath });
    expect(r.commit).toBe('journal');
    expect(lstatSync(keyPath).isFile()).toBe(true);
    expect(readdirSync(join(dir, 'private'))).toEqual(['app.key']);
    // A crash after the key's rename: the certificate's staged file and the journal remain.
    const staged = join(dir, 'certs', '.app.crt.tls-pair-staged-0123456789ab');
    writeFileSync(staged, f.leafRsa.cert, { mode: 0o644 });
    writeFileSync(keyPath, f.leafRsa.key, { mode: 0o600 });
    writeFileSync(
      join(dir, 'private', '.app.key.tls-pair.journal'),
      JSON.stringify({ version: 1, renames: [{ from: staged, to: certPath }] }),
      { mode: 0o600 },
    );
    expect(await finishInterruptedWrite(keyPath)).toBe(true);
    expect(readFileSync(certPath, 'utf8')).toBe(f.leafRsa.cert);
    expect(readdirSync(join(dir, 'private'))).toEqual(['app.key']);
    expect(await finishInterruptedWrite(keyPath)).toBe(false);
  });
});
