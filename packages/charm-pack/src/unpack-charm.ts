import { chmod, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assertValidCharm } from './check-charm.js';
import { CharmPackError } from './errors.js';
import { readZip } from './read-zip.js';

/**
 * Unpacks a `.charm` into an empty folder as the Juju unit agent does: after {@link checkCharm}
 * passes, every member at its path with the mode Juju derives from the zip (folders 0755), symlinks
 * recreated. Used by the demo and the tests to run exactly what ships.
 * @throws CharmPackError `ERR_CHARM_PACK_INVALID_CHARM` (the checker's faults), `ERR_CHARM_PACK_IO`
 *   (the folder is not empty, or a write failed).
 */
export async function unpackCharm(charmPath: string, dir: string): Promise<void> {
  await assertValidCharm(charmPath);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  if ((await readdir(dir)).length > 0) {
    throw new CharmPackError(
      'ERR_CHARM_PACK_IO',
      `${dir} is not empty: unpack a charm into an empty folder`,
      { path: dir },
    );
  }
  const zip = await readZip(await readFile(charmPath));
  try {
    for (const entry of zip.entries) {
      const target = join(dir, entry.path);
      if (entry.kind === 'directory') {
        await mkdir(target, { recursive: true, mode: 0o755 });
        continue;
      }
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      const content = await zip.read(entry.path);
      if (entry.kind === 'symlink') {
        await symlink(content.toString('utf8'), target);
        continue;
      }
      await writeFile(target, content, { flag: 'wx', mode: entry.mode });
      // The umask may have narrowed the mode given at creation: set it exactly, as the zip says.
      await chmod(target, entry.mode);
    }
  } catch (error) {
    if (error instanceof CharmPackError) throw error;
    throw new CharmPackError(
      'ERR_CHARM_PACK_IO',
      `cannot unpack ${charmPath} into ${dir}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        path: dir,
        cause: error,
      },
    );
  } finally {
    zip.close();
  }
}
