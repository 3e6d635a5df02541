import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaInstaller } from '@tls-client/ca-installer';
import { FlagStore } from '@tls-client/flags';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStatus } from '../src/cli/index.js';

describe('readStatus', () => {
  let agents: string;
  beforeEach(async () => {
    agents = await mkdtemp(join(tmpdir(), 'tls-client-agents-'));
  });
  afterEach(async () => {
    await rm(agents, { recursive: true, force: true });
  });

  async function unitWithState(name: string): Promise<string> {
    const charmDir = join(agents, name, 'charm');
    await mkdir(charmDir, { recursive: true });
    const store = FlagStore.open({ charmDir });
    store.set('certificates.available');
    store.setValue('layer.tls-client.requests', [
      { type: 'server', commonName: 'a.internal', sans: ['a.internal'] },
    ]);
    store.setValue('layer.tls-client.cert-paths', {
      server: {
        'a.internal': {
          crt: join(charmDir, 'a.crt'),
          key: join(charmDir, 'a.key'),
          chain: null,
          fullchain: null,
          owner: null,
          group: null,
          certMode: null,
          keyMode: null,
        },
      },
    });
    await store.commit();
    return charmDir;
  }

  it('finds the one unit under the Juju agents directory when run outside a hook', async () => {
    const charmDir = await unitWithState('unit-myapp-0');
    await mkdir(join(agents, 'unit-other-0', 'charm'), { recursive: true });
    const status = await readStatus({ env: {}, agentsDir: agents });
    expect(status.statePath).toBe(join(charmDir, '.tls-client', 'flags.json'));
    expect(status.flags).toEqual(['certificates.available']);
    expect(status.certificates).toEqual([
      expect.objectContaining({
        type: 'server',
        commonName: 'a.internal',
        state: 'pending',
        requestedSans: ['a.internal'],
        keyMatches: null,
        files: [
          expect.objectContaining({ kind: 'cert', exists: false, mode: null }),
          expect.objectContaining({ kind: 'key', exists: false, mode: null }),
        ],
      }),
    ]);
  });

  it('asks which unit when several have state, and says where it looked when none has', async () => {
    await expect(readStatus({ env: {}, agentsDir: agents })).rejects.toMatchObject({
      code: 'ERR_LAYER_STATE_NOT_FOUND',
      message: expect.stringContaining(agents),
    });
    await unitWithState('unit-a-0');
    await unitWithState('unit-b-0');
    await expect(readStatus({ env: {}, agentsDir: agents })).rejects.toMatchObject({
      code: 'ERR_LAYER_STATE_NOT_FOUND',
      message: expect.stringContaining('--charm-dir'),
    });
  });

  it('prefers TLS_CLIENT_STATE_DIR from the environment', async () => {
    const charmDir = await unitWithState('unit-a-0');
    const status = await readStatus({ env: { TLS_CLIENT_STATE_DIR: join(charmDir, '.tls-client') } });
    expect(status.certificates).toHaveLength(1);
  });

  describe('the trust anchor', () => {
    /** A unit whose state says it installed CA "a", installed for real under a sandbox root. */
    async function unitWithInstalledCa(recordPathInState: boolean) {
      const charmDir = await unitWithState('unit-a-0');
      const root = join(agents, 'root');
      const installer = new CaInstaller({ root, distro: 'debian', updateCommand: '/bin/true', env: {} });
      await installer.install('a', (await EmbeddedCa.create()).caPem);
      const store = FlagStore.open({ charmDir });
      store.setValue('layer.tls-client.state', {
        version: 1,
        endpoint: 'certificates',
        application: 'a',
        unit: 'a/0',
        lastHook: 'install',
        lastRun: '2026-12-01T00:00:00.000Z',
        relationIds: [],
        remoteUnits: [],
        ca: {
          name: 'a',
          sha256: null,
          installed: true,
          path: null,
          ...(recordPathInState ? { recordPath: installer.recordPath } : {}),
        },
        certificates: {},
        problems: [],
        warnings: [],
      });
      await store.commit();
      return { charmDir, root, installer };
    }

    it('is found through the record path the state names, with no option or environment', async () => {
      const { charmDir, installer } = await unitWithInstalledCa(true);
      const status = await readStatus({ env: {}, charmDir });
      expect(status.ca.anchor).toEqual({
        state: 'trusted',
        recordPath: installer.recordPath,
        files: [{ path: join(agents, 'root', 'usr/local/share/ca-certificates/a.crt'), exists: true }],
        error: null,
      });
    });

    it('lets an explicit trust root win over the state, and falls back to TLS_CLIENT_TRUST_ROOT', async () => {
      const { charmDir, root } = await unitWithInstalledCa(false);
      expect((await readStatus({ env: { TLS_CLIENT_TRUST_ROOT: root }, charmDir })).ca.anchor?.state).toBe(
        'trusted',
      );
      expect((await readStatus({ env: {}, charmDir, trustRoot: root })).ca.anchor?.state).toBe('trusted');
      const elsewhere = join(agents, 'elsewhere');
      expect((await readStatus({ env: {}, charmDir, trustRoot: elsewhere })).ca.anchor).toMatchObject({
        state: 'not-recorded',
        recordPath: join(elsewhere, 'var/lib/tls-client/ca-installer.json'),
      });
    });

    it('reports an unreadable installer record instead of failing', async () => {
      const { charmDir, installer } = await unitWithInstalledCa(true);
      await writeFile(installer.recordPath, '{ not json');
      expect((await readStatus({ env: {}, charmDir })).ca.anchor).toMatchObject({
        state: 'unreadable',
        error: { code: 'ERR_CA_INSTALLER_RECORD_CORRUPT' },
      });
    });
  });
});
