// The README's test, run as written: the charm in fixtures/tiny-charm (importing the built package
// by name) runs as a real process for a hook under the fake Juju. Needs
// `pnpm --filter @tls-client/hookenv build` first (CI builds every package before testing).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeModel } from '@tls-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const charmDir = join(import.meta.dirname, 'fixtures/tiny-charm'); // holds charm.mjs
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
let model: FakeModel;

beforeEach(async () => {
  model = await FakeModel.create({ unit: 'web/0', charmDir });
});
afterEach(async () => {
  await model.cleanup();
});

describe('a charm using hookenv', () => {
  it('asks for a certificate and goes active once the CA arrives', async () => {
    const rel = model.addRelation('certificates', 'easyrsa');
    model.addRemoteUnit(rel, 'easyrsa/0', { ca: CA });

    const run = await model.runHook('certificates-relation-changed', {
      command: [process.execPath, 'charm.mjs'],
    });

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
    const run = await model.runHook('certificates-relation-changed', {
      command: [process.execPath, 'charm.mjs'],
    });
    expect(run.exitCode).toBe(0);
    expect(run.calls.filter((c) => c.tool === 'relation-set')).toEqual([]);
    expect(model.status()).toEqual({ status: 'waiting', message: 'waiting for the CA' });
    expect(model.logs().at(-1)).toMatchObject({ level: 'DEBUG', message: 'relation-set calls: 0' });
  });

  it('fails the hook, and publishes nothing, when a tool fails', async () => {
    const rel = model.addRelation('certificates', 'easyrsa');
    model.addRemoteUnit(rel, 'easyrsa/0', { ca: CA });
    // A failing status-set shadows the fake one; it runs after relation-set, whose data Juju
    // then drops because the hook fails.
    const broken = await mkdtemp(join(tmpdir(), 'hookenv-broken-tool-'));
    try {
      await writeFile(join(broken, 'status-set'), '#!/bin/sh\necho "ERROR status is broken" >&2\nexit 1\n', {
        mode: 0o755,
      });
      const run = await model.runHook('certificates-relation-changed', {
        command: [process.execPath, 'charm.mjs'],
        env: { PATH: `${broken}:${model.binDir}:/usr/bin:/bin` },
      });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('ERR_HOOKENV_TOOL_FAILED');
      expect(run.calls.map((c) => c.tool)).toContain('relation-set');
      expect(model.localUnitData(rel)).toEqual({});
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
