import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CertWriterError,
  inspectCertificateFile,
  type WriteCertificateInput,
  writeCaCertificate,
  writeCertificate,
} from '../src/index.js';
import {
  bodyOf,
  distEntry,
  dropPrivileges,
  type Fixtures,
  makeFixtures,
  mountTmpfs,
  removeTempDirs,
  requireMount,
  requireRoot,
  runNode,
  tempDir,
  tempFilesIn,
} from './helpers.js';

let f: Fixtures;
beforeAll(() => {
  f = makeFixtures();
});
afterAll(removeTempDirs);

const modeOf = (path: string) => statSync(path).mode & 0o7777;

async function rejection(promise: Promise<unknown>): Promise<CertWriterError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CertWriterError);
    return error as CertWriterError;
  }
  throw new Error('expected a CertWriterError');
}

function paths(dir: string) {
  return { certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem') };
}

/** Byte content and inode of each file, to prove a failed call left them alone. */
function snapshot(...files: string[]) {
  return files.map((file) =>
    existsSync(file) ? { content: readFileSync(file, 'utf8'), ino: statSync(file).ino } : null,
  );
}

describe('writeCertificate', () => {
  it('writes the key 0600 and the certificate 0644 with the chain appended, normalised', async () => {
    const dir = tempDir();
    const result = await writeCertificate({
      cert: `subject=CN = ec-leaf\r\n${f.leafEc.cert.replace(/\n/g, '\r\n')}\n\n`,
      key: f.leafEc.key,
      chain: `\n${f.intermediate.cert}\n\n${f.root.cert}`,
      ...paths(dir),
    });
    expect(readFileSync(join(dir, 'cert.pem'), 'utf8')).toBe(
      f.leafEc.cert + f.intermediate.cert + f.root.cert,
    );
    expect(readFileSync(join(dir, 'key.pem'), 'utf8')).toBe(f.leafEc.key);
    expect(modeOf(join(dir, 'key.pem'))).toBe(0o600);
    expect(modeOf(join(dir, 'cert.pem'))).toBe(0o644);
    expect(result.files.map((r) => [r.path, r.action, r.mode])).toEqual([
      [join(dir, 'key.pem'), 'created', 0o600],
      [join(dir, 'cert.pem'), 'created', 0o644],
    ]);
    expect(result.changed).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(result.certificate.subject).toBe('CN=ec-leaf');
    expect(result.certificate.sans).toContain('DNS:ec-leaf.test');
  });

  it('writes the key before the certificate', async () => {
    const dir = tempDir();
    await writeCertificate({ ...f.leafRsa, ...paths(dir) });
    const key = statSync(join(dir, 'key.pem'), { bigint: true });
    const cert = statSync(join(dir, 'cert.pem'), { bigint: true });
    expect(key.ctimeNs <= cert.ctimeNs).toBe(true);
  });

  it('is idempotent, repairs drifted modes, restores deleted files and writes a rotated chain', async () => {
    const dir = tempDir();
    const input: WriteCertificateInput = { ...f.leafEd25519, chain: f.intermediate.cert, ...paths(dir) };
    await writeCertificate(input);
    const again = await writeCertificate(input);
    expect(again.changed).toBe(false);
    expect(again.files.map((r) => r.action)).toEqual(['unchanged', 'unchanged']);

    chmodSync(join(dir, 'key.pem'), 0o644);
    const repaired = await writeCertificate(input);
    expect(repaired.files.map((r) => r.action)).toEqual(['repaired', 'unchanged']);
    expect(repaired.changed).toBe(false);
    expect(modeOf(join(dir, 'key.pem'))).toBe(0o600);

    unlinkSync(join(dir, 'cert.pem'));
    const restored = await writeCertificate(input);
    expect(restored.files.map((r) => r.action)).toEqual(['unchanged', 'created']);

    const rotated = await writeCertificate({ ...input, chain: `${f.intermediate.cert}${f.root.cert}` });
    expect(rotated.files.map((r) => r.action)).toEqual(['unchanged', 'updated']);
    expect(rotated.changed).toBe(true);
  });

  it('writes separate chain and full-chain files, and the bare leaf with appendChain: false', async () => {
    const dir = tempDir();
    const result = await writeCertificate({
      ...f.leafEc,
      chain: f.intermediate.cert + f.root.cert,
      ...paths(dir),
      chainPath: join(dir, 'chain.pem'),
      fullchainPath: join(dir, 'fullchain.pem'),
      appendChain: false,
    });
    expect(result.files.map((r) => r.path)).toEqual(
      ['key.pem', 'cert.pem', 'chain.pem', 'fullchain.pem'].map((n) => join(dir, n)),
    );
    expect(readFileSync(join(dir, 'cert.pem'), 'utf8')).toBe(f.leafEc.cert);
    expect(readFileSync(join(dir, 'chain.pem'), 'utf8')).toBe(f.intermediate.cert + f.root.cert);
    expect(readFileSync(join(dir, 'fullchain.pem'), 'utf8')).toBe(
      f.leafEc.cert + f.intermediate.cert + f.root.cert,
    );
    expect(modeOf(join(dir, 'chain.pem'))).toBe(0o644);
  });

  it('does not write a chain file when there is no chain, and says so', async () => {
    const dir = tempDir();
    const result = await writeCertificate({ ...f.leafEc, ...paths(dir), chainPath: join(dir, 'chain.pem') });
    expect(existsSync(join(dir, 'chain.pem'))).toBe(false);
    expect(result.warnings).toEqual([expect.stringContaining('no chain')]);
  });

  it('creates the key directory 0700 and the certificate directory 0755, or as asked', async () => {
    const dir = tempDir();
    await writeCertificate({
      ...f.leafEc,
      certPath: join(dir, 'certs', 'c.pem'),
      keyPath: join(dir, 'private', 'k.pem'),
    });
    expect(modeOf(join(dir, 'private'))).toBe(0o700);
    expect(modeOf(join(dir, 'certs'))).toBe(0o755);
    await writeCertificate({
      ...f.leafEc,
      certPath: join(dir, 'shared', 'c.pem'),
      keyPath: join(dir, 'shared', 'k.pem'),
      keyDirMode: 0o750,
    });
    expect(modeOf(join(dir, 'shared'))).toBe(0o750);
  });

  it('writes an expired certificate with a warning, and refuses it with allowExpired: false', async () => {
    const dir = tempDir();
    const written = await writeCertificate({ ...f.expired, ...paths(dir) });
    expect(written.warnings).toEqual([expect.stringContaining('expired')]);
    const other = tempDir();
    const error = await rejection(writeCertificate({ ...f.expired, ...paths(other), allowExpired: false }));
    expect(error.code).toBe('ERR_CERT_WRITER_EXPIRED');
    expect(tempFilesIn(other)).toEqual([]);
    expect(existsSync(join(other, 'key.pem'))).toBe(false);
  });

  const big = () => 'A'.repeat(10 * 1024 * 1024);
  it.each([
    ['a mismatched key', () => ({ cert: f.leafEc.cert, key: f.leafRsa.key }), 'ERR_CERT_WRITER_KEY_MISMATCH'],
    [
      'garbage PEM',
      () => ({
        cert: '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n',
        key: f.leafEc.key,
      }),
      'ERR_CERT_WRITER_INVALID_PEM',
    ],
    [
      'a key in the cert slot',
      () => ({ cert: f.leafEc.key, key: f.leafEc.key }),
      'ERR_CERT_WRITER_KEY_AS_CERT',
    ],
    [
      'a truncated certificate',
      () => ({ cert: f.leafEc.cert.slice(0, 200), key: f.leafEc.key }),
      'ERR_CERT_WRITER_INVALID_PEM',
    ],
    [
      'a chain in the wrong order',
      () => ({ ...f.leafEc, chain: f.root.cert + f.intermediate.cert }),
      'ERR_CERT_WRITER_CHAIN_ORDER',
    ],
    ['a 10 MB certificate', () => ({ cert: big(), key: f.leafEc.key }), 'ERR_CERT_WRITER_TOO_LARGE'],
    ['a 10 MB key', () => ({ cert: f.leafEc.cert, key: big() }), 'ERR_CERT_WRITER_TOO_LARGE'],
    [
      'an untrusted leaf',
      () => ({ ...f.leafEc, chain: f.intermediate.cert, verifyCa: f.otherRoot.cert }),
      'ERR_CERT_WRITER_UNTRUSTED',
    ],
  ])('rejects %s with a typed error, writes nothing and keeps the old files', async (_name, make, code) => {
    const dir = tempDir();
    const p = { ...paths(dir), fullchainPath: join(dir, 'full.pem') };
    await writeCertificate({ ...f.leafRsa, chain: f.intermediate.cert, ...p });
    const before = snapshot(p.keyPath, p.certPath, p.fullchainPath);
    const error = await rejection(writeCertificate({ ...make(), ...p }));
    expect(error.code).toBe(code);
    expect(snapshot(p.keyPath, p.certPath, p.fullchainPath)).toEqual(before);
    expect(tempFilesIn(dir)).toEqual([]);
    for (const secret of [f.leafEc.key, f.leafRsa.key]) expect(error.message).not.toContain(bodyOf(secret));
    // A fresh location is not even created.
    const fresh = join(tempDir(), 'never');
    await rejection(writeCertificate({ ...make(), ...paths(fresh) }));
    expect(existsSync(fresh)).toBe(false);
  });

  it('throws TypeError for equal paths and for a key mode that others could read', async () => {
    const dir = tempDir();
    const same = join(dir, 'x.pem');
    await expect(writeCertificate({ ...f.leafEc, certPath: same, keyPath: same })).rejects.toThrow(TypeError);
    await expect(writeCertificate({ ...f.leafEc, ...paths(dir), keyMode: 0o644 })).rejects.toThrow(TypeError);
    await expect(writeCertificate({ ...f.leafEc, ...paths(dir), keyMode: 0o604 })).rejects.toThrow(TypeError);
    await expect(writeCertificate({ ...f.leafEc, certPath: join(dir, 'c'), keyPath: '' })).rejects.toThrow(
      TypeError,
    );
  });

  it('sets owner and group by name and by number on every file', async (ctx) => {
    requireRoot(ctx);
    const dir = tempDir();
    const byName = await writeCertificate({
      ...f.leafEc,
      certPath: join(dir, 'n', 'cert.pem'),
      keyPath: join(dir, 'n', 'key.pem'),
      owner: 'nobody',
      group: 'nogroup',
      keyMode: 0o640,
    });
    expect(byName.files.map((r) => [r.uid, r.gid, r.mode])).toEqual([
      [65534, 65534, 0o640],
      [65534, 65534, 0o644],
    ]);
    const dirStat = statSync(join(dir, 'n'));
    expect([dirStat.uid, dirStat.gid, dirStat.mode & 0o777]).toEqual([65534, 65534, 0o700]);
    const byNumber = await writeCertificate({ ...f.leafEc, ...paths(dir), owner: 1234, group: 4321 });
    expect(byNumber.files.map((r) => [r.uid, r.gid])).toEqual([
      [1234, 4321],
      [1234, 4321],
    ]);
    expect(statSync(join(dir, 'key.pem')).uid).toBe(1234);
  });

  it('refuses a key symlink that leads out of its directory unless allowKeyOutsideDir', async () => {
    const dir = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, 'victim'), 'precious');
    symlinkSync(join(outside, 'victim'), join(dir, 'key.pem'));
    const error = await rejection(writeCertificate({ ...f.leafEc, ...paths(dir) }));
    expect(error.code).toBe('ERR_CERT_WRITER_UNSAFE_PATH');
    expect(error.path).toBe(join(dir, 'key.pem'));
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('precious');
    expect(existsSync(join(dir, 'cert.pem'))).toBe(false);

    const result = await writeCertificate({ ...f.leafEc, ...paths(dir), allowKeyOutsideDir: true });
    expect(result.files[0]!.realPath).toBe(join(outside, 'victim'));
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe(f.leafEc.key);
    expect(modeOf(join(outside, 'victim'))).toBe(0o600);
    expect(lstatSync(join(dir, 'key.pem')).isSymbolicLink()).toBe(true);
  });

  it('refuses a certificate symlink out of its directory unless allowCertOutsideDir, and follows one inside', async () => {
    const dir = tempDir();
    const outside = tempDir();
    symlinkSync(join(outside, 'cert.pem'), join(dir, 'cert.pem'));
    expect((await rejection(writeCertificate({ ...f.leafEc, ...paths(dir) }))).code).toBe(
      'ERR_CERT_WRITER_UNSAFE_PATH',
    );
    expect(existsSync(join(dir, 'key.pem'))).toBe(false);
    await writeCertificate({ ...f.leafEc, ...paths(dir), allowCertOutsideDir: true });
    expect(readFileSync(join(outside, 'cert.pem'), 'utf8')).toBe(f.leafEc.cert);

    const inside = tempDir();
    symlinkSync('live-2026.pem', join(inside, 'cert.pem'));
    const result = await writeCertificate({ ...f.leafEc, ...paths(inside) });
    expect(result.files[1]!.realPath).toBe(join(inside, 'live-2026.pem'));
  });

  it('refuses two paths that lead to the same file through a symlink', async () => {
    const dir = tempDir();
    symlinkSync('key.pem', join(dir, 'cert.pem'));
    const error = await rejection(writeCertificate({ ...f.leafEc, ...paths(dir) }));
    expect(error.code).toBe('ERR_CERT_WRITER_UNSAFE_PATH');
    expect(existsSync(join(dir, 'key.pem'))).toBe(false);
  });
});

describe('writeCertificate faults', () => {
  it('fails with ERR_CERT_WRITER_READ_ONLY on a read-only mount and keeps the old pair', async (ctx) => {
    requireMount(ctx);
    const { dir, unmount } = mountTmpfs('256k');
    try {
      await writeCertificate({ ...f.leafEc, ...paths(dir) });
      const before = snapshot(...Object.values(paths(dir)));
      expect(spawnSync('mount', ['-o', 'remount,ro', dir]).status).toBe(0);
      const error = await rejection(writeCertificate({ ...f.leafRsa, ...paths(dir) }));
      expect(error.code).toBe('ERR_CERT_WRITER_READ_ONLY');
      expect(snapshot(...Object.values(paths(dir)))).toEqual(before);
    } finally {
      unmount();
    }
  });

  it('fails with ERR_CERT_WRITER_NO_SPACE on a full disk and changes neither the key nor the cert', async (ctx) => {
    requireMount(ctx);
    const { dir, unmount } = mountTmpfs('128k');
    try {
      await writeCertificate({ ...f.leafEc, ...paths(dir) });
      const before = snapshot(...Object.values(paths(dir)));
      const chunk = Buffer.alloc(4096, 1);
      for (let i = 0; ; i++) {
        try {
          writeFileSync(join(dir, `filler-${i}`), chunk);
        } catch {
          break;
        }
      }
      const error = await rejection(
        writeCertificate({ ...f.leafRsa, chain: f.intermediate.cert, ...paths(dir) }),
      );
      expect(error.code).toBe('ERR_CERT_WRITER_NO_SPACE');
      expect(snapshot(...Object.values(paths(dir)))).toEqual(before);
      expect(tempFilesIn(dir)).toEqual([]);
    } finally {
      unmount();
    }
  });

  it('fails with ERR_CERT_WRITER_PERMISSION for an unprivileged user, even for a missing parent', (ctx) => {
    requireRoot(ctx);
    const entry = distEntry();
    const dir = tempDir();
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'tls'), { mode: 0o755 });
    const fixtures = join(dir, 'in.json');
    writeFileSync(fixtures, JSON.stringify({ cert: f.leafEc.cert, key: f.leafEc.key }), { mode: 0o644 });
    const code = `
      import { readFileSync } from 'node:fs';
      const { writeCertificate } = await import(${JSON.stringify(entry)});
      const input = JSON.parse(readFileSync(${JSON.stringify(fixtures)}, 'utf8'));
        ${dropPrivileges(65534, 65534)}
      const out = [];
      for (const sub of ['tls', 'missing/deeper']) {
        try {
          await writeCertificate({ ...input, certPath: ${JSON.stringify(dir)} + '/' + sub + '/cert.pem', keyPath: ${JSON.stringify(dir)} + '/' + sub + '/key.pem' });
          out.push('written');
        } catch (e) { out.push({ code: e.code, path: e.path, leaks: e.message.includes(input.key.split('\\n')[1]) }); }
      }
      console.log(JSON.stringify(out));`;
    const run = runNode(code);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([
      { code: 'ERR_CERT_WRITER_PERMISSION', path: join(dir, 'tls', 'key.pem'), leaks: false },
      { code: 'ERR_CERT_WRITER_PERMISSION', path: join(dir, 'missing'), leaks: false },
    ]);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(tempFilesIn(join(dir, 'tls'))).toEqual([]);
  });
});

describe('writeCaCertificate', () => {
  it('writes only the certificates, normalised, mode 0644 by default', async () => {
    const dir = tempDir();
    const path = join(dir, 'ca', 'ca.crt');
    const result = await writeCaCertificate(
      path,
      `Issuer: x\r\n${f.root.cert.replace(/\n/g, '\r\n')}junk\n${f.intermediate.cert}`,
    );
    expect(result).toMatchObject({ action: 'created', mode: 0o644 });
    expect(readFileSync(path, 'utf8')).toBe(f.root.cert + f.intermediate.cert);
    expect((await writeCaCertificate(path, f.root.cert + f.intermediate.cert)).action).toBe('unchanged');
    expect((await writeCaCertificate(path, f.root.cert + f.intermediate.cert, { mode: 0o440 })).action).toBe(
      'repaired',
    );
  });

  it.each([
    ['a private key', () => f.root.key, 'ERR_CERT_WRITER_KEY_AS_CERT'],
    ['a CA followed by its key', () => f.root.cert + f.root.key, 'ERR_CERT_WRITER_KEY_AS_CERT'],
    ['garbage', () => 'hello', 'ERR_CERT_WRITER_INVALID_PEM'],
    ['a 10 MB value', () => 'x'.repeat(10 * 1024 * 1024), 'ERR_CERT_WRITER_TOO_LARGE'],
  ])('rejects %s and leaves the old file', async (_name, make, code) => {
    const path = join(tempDir(), 'ca.crt');
    await writeCaCertificate(path, f.root.cert);
    const error = await rejection(writeCaCertificate(path, make()));
    expect(error.code).toBe(code);
    expect(error.key).toBe('pem');
    expect(readFileSync(path, 'utf8')).toBe(f.root.cert);
  });
});

describe('inspectCertificateFile', () => {
  it('reports the certificate, chain, expiry and whether the key matches', async () => {
    const dir = tempDir();
    await writeCertificate({ ...f.leafEc, chain: f.intermediate.cert, ...paths(dir) });
    const info = await inspectCertificateFile(join(dir, 'cert.pem'), join(dir, 'key.pem'));
    expect(info).toMatchObject({
      path: join(dir, 'cert.pem'),
      mode: 0o644,
      chainLength: 1,
      chainInOrder: true,
      expired: false,
      notYetValid: false,
      key: { path: join(dir, 'key.pem'), exists: true, mode: 0o600, matches: true },
    });
    expect(info.certificate.subject).toBe('CN=ec-leaf');
    expect(info.daysLeft).toBeGreaterThanOrEqual(29);
    expect(JSON.stringify(info)).not.toContain(bodyOf(f.leafEc.key));
  });

  it('reports a mismatched, missing or garbled key without throwing', async () => {
    const dir = tempDir();
    await writeCertificate({ ...f.expired, ...paths(dir) });
    writeFileSync(join(dir, 'other.pem'), f.leafRsa.key);
    writeFileSync(join(dir, 'garbage.pem'), 'garbage');
    const cert = join(dir, 'cert.pem');
    expect((await inspectCertificateFile(cert, join(dir, 'other.pem'))).key).toMatchObject({
      matches: false,
      problem: 'ERR_CERT_WRITER_KEY_MISMATCH',
    });
    expect((await inspectCertificateFile(cert, join(dir, 'none.pem'))).key).toMatchObject({
      exists: false,
      problem: 'ERR_CERT_WRITER_NOT_FOUND',
    });
    expect((await inspectCertificateFile(cert, join(dir, 'garbage.pem'))).key).toMatchObject({
      exists: true,
      problem: 'ERR_CERT_WRITER_INVALID_KEY',
    });
    const info = await inspectCertificateFile(cert);
    expect(info.expired).toBe(true);
    expect(info.daysLeft).toBeLessThan(0);
    expect(info.key).toBeUndefined();
  });

  it('throws typed errors for a missing or garbled certificate file, naming the path', async () => {
    const dir = tempDir();
    const missing = await rejection(inspectCertificateFile(join(dir, 'nope.pem')));
    expect(missing).toMatchObject({ code: 'ERR_CERT_WRITER_NOT_FOUND', path: join(dir, 'nope.pem') });
    writeFileSync(join(dir, 'bad.pem'), 'not pem');
    const bad = await rejection(inspectCertificateFile(join(dir, 'bad.pem')));
    expect(bad).toMatchObject({ code: 'ERR_CERT_WRITER_INVALID_PEM', path: join(dir, 'bad.pem') });
    expect(bad.message).toContain(join(dir, 'bad.pem'));
  });
});
