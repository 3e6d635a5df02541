// A charm process using the built package, run by the fake Juju for a hook, as the README shows.
// Needs `pnpm --filter @tls-client/hookenv build` (CI builds every package before testing).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeModel } from '@tls-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const CHARM = join(import.meta.dirname, 'fixtures/tiny-charm/charm.mjs');
let charmDir: string;
let model: FakeModel;

beforeEach(async () => {
  charmDir = await mkdtemp(join(tmpdir(), 'hookenv-tiny-charm-'));
  model = await FakeModel.create({ unit: 'web/0', charmDir });
});
afterEach(async () => {
  await model.cleanup();
  await rm(charmDir, { recursive: true, force: true });
});

describe('a charm using hookenv', () => {
  it('publishes its request and goes active once the provider sends a CA', async () => {
    const rel = model.addRelation('certificates', 'easyrsa');
    model.addRemoteUnit(rel, 'easyrsa/0', {
      ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    });
    const run = await model.runHook('certificates-relation-changed', { command: [process.execPath, CHARM] });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(model.localUnitData(rel)).toEqual({ common_name: 'web.internal' });
    expect(model.status()).toEqual({ status: 'active', message: '' });
    expect(run.calls.map((c) => c.tool)).toEqual([
      'relation-get',
      'relation-get',
      'relation-set',
      'juju-log',
      'status-set',
    ]);
  });

  it('sends nothing on the next hook when nothing changed, and waits without a CA', async () => {
    const rel = model.addRelation('certificates', 'easyrsa');
    model.addRemoteUnit(rel, 'easyrsa/0');
    model.setLocalUnitData(rel, { common_name: 'web.internal' });
    const run = await model.runHook('certificates-relation-changed', { command: [process.execPath, CHARM] });
    expect(run.exitCode).toBe(0);
    expect(run.calls.filter((c) => c.tool === 'relation-set')).toEqual([]);
    expect(model.status()).toEqual({ status: 'waiting', message: 'waiting for the CA' });
    expect(model.logs().at(-1)).toMatchObject({ level: 'DEBUG', message: 'relation-set calls: 0' });
  });
});
