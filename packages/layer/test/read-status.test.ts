import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlagStore } from '@tls-client/flags';
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
});
