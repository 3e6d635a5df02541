// cert-writer's writeFileAtomic is @tls-client/fs-safe's (tested there) with cert-writer's errors.
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertWriterError, writeFileAtomic } from '../src/index.js';
import { removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

async function rejection(promise: Promise<unknown>): Promise<CertWriterError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CertWriterError);
    return error as CertWriterError;
  }
  throw new Error('expected a CertWriterError');
}

describe('writeFileAtomic (cert-writer)', () => {
  it('writes with the requested mode and reports the action', async () => {
    const path = join(tempDir(), 'ca.pem');
    expect((await writeFileAtomic(path, 'x', { mode: 0o644 })).action).toBe('created');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect((await writeFileAtomic(path, 'x', { mode: 0o644 })).action).toBe('unchanged');
  });

  it('throws CertWriterError codes for file system failures, with the path and errno', async () => {
    const dir = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, 'victim'), 'precious');
    symlinkSync(join(outside, 'victim'), join(dir, 'key.pem'));
    const unsafe = await rejection(writeFileAtomic(join(dir, 'key.pem'), 'new'));
    expect(unsafe).toMatchObject({ code: 'ERR_CERT_WRITER_UNSAFE_PATH', path: join(dir, 'key.pem') });
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('precious');

    mkdirSync(join(dir, 'sub'));
    const notFile = await rejection(writeFileAtomic(join(dir, 'sub'), 'x'));
    expect(notFile.code).toBe('ERR_CERT_WRITER_NOT_A_FILE');

    const user = await rejection(writeFileAtomic(join(dir, 'f'), 'x', { owner: 'no-such-user-xyz' }));
    expect(user).toMatchObject({ code: 'ERR_CERT_WRITER_UNKNOWN_USER', key: 'owner' });
  });

  it('throws TypeError for caller mistakes', async () => {
    await expect(writeFileAtomic('', 'x')).rejects.toThrow(TypeError);
    await expect(writeFileAtomic(join(tempDir(), 'f'), 'x', { mode: 0o1777 })).rejects.toThrow(TypeError);
  });
});
