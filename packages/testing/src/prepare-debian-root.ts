import { constants } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { TestingError } from './errors.js';

const DIRECTORIES = [
  'etc/ssl/certs',
  'etc/ca-certificates/update.d',
  'usr/share/ca-certificates',
  'usr/local/share/ca-certificates',
  'var/lib/tls-client',
];

// Non-empty on purpose: with an empty file Debian's script behaves as if --fresh were always given.
const CERTS_CONF =
  '# Prepared by @tls-client/testing: a sandbox trust store with no distribution certificates.\n';
const OS_RELEASE = 'ID=debian\nNAME="Debian GNU/Linux (tls-client sandbox)"\n';

function ioError(cause: unknown, path: string, what: string): TestingError {
  const code = (cause as NodeJS.ErrnoException).code ?? 'unknown error';
  return new TestingError('ERR_TESTING_IO', `cannot ${what} ${JSON.stringify(path)} (${code})`, {
    path,
    cause,
  });
}

async function createIfMissing(path: string, content: string): Promise<void> {
  try {
    await writeFile(path, content, {
      mode: 0o644,
      flag: constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(error, path, 'create');
  }
}

/**
 * Lays out a directory like a Debian trust store (`etc/ca-certificates.conf`, `etc/ssl/certs`, the
 * certificate directories, an empty hooks directory, `etc/os-release` saying Debian, and
 * `var/lib/tls-client`), so the real `update-ca-certificates` can run against it through
 * `TLS_CLIENT_TRUST_ROOT` or the CA installer's `root`. Existing files are kept. Refuses `/`.
 * {@link FakeModel} prepares one for every model unless told otherwise.
 *
 * @throws {TypeError} when `root` is not absolute or is `/`.
 * @throws {TestingError} `ERR_TESTING_IO`
 * @example
 * const root = await mkdtemp(join(tmpdir(), 'trust-'));
 * await prepareDebianRoot(root);
 * await new CaInstaller({ root }).install('demo', caPem);
 */
export async function prepareDebianRoot(root: string): Promise<void> {
  if (typeof root !== 'string' || !isAbsolute(root)) throw new TypeError('root must be an absolute path');
  const base = resolve(root);
  if (base === '/') throw new TypeError('prepareDebianRoot refuses "/": it is for sandbox directories');
  for (const dir of DIRECTORIES) {
    const path = join(base, dir);
    try {
      await mkdir(path, { recursive: true, mode: 0o755 });
    } catch (error) {
      throw ioError(error, path, 'create directory');
    }
  }
  await createIfMissing(join(base, 'etc/ca-certificates.conf'), CERTS_CONF);
  await createIfMissing(join(base, 'etc/os-release'), OS_RELEASE);
}
