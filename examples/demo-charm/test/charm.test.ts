import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStatus } from '@tls-client/layer/cli';
import { EmbeddedCa, FakeModel, prepareDebianRoot } from '@tls-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedCharm, unitNetwork } from '../src/charm-dir.js';
import { certificateFacts } from '../src/inspect.js';

// The charm itself, hook by hook under the fake Juju: its workload status follows the layer's
// state (including bad provider data), and its path options take effect. It runs the packed .charm.
describe('demo charm', () => {
  let tmp: string;
  let charmDir: string;
  let model: FakeModel;
  let ca: EmbeddedCa;
  let relationId: string;
  let env: Record<string, string>;

  const hook = async (name: string) => {
    const run = await model.runHook(name, {
      ...(name.startsWith('certificates-') ? { relationId, remoteUnit: 'easyrsa/0' } : {}),
      env,
    });
    expect(run.exitCode, `${name} failed: ${run.stderr}`).toBe(0);
    return run;
  };

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'demo-charm-charm-test-'));
    charmDir = join(tmp, 'charm');
    // The packed .charm, unpacked into an empty folder: hooks run on its own bin/node.
    await installPackedCharm(charmDir, { outDir: tmp });
    const trustRoot = join(tmp, 'trust-root');
    await prepareDebianRoot(trustRoot);
    env = { TLS_CLIENT_TRUST_ROOT: trustRoot, TLS_CLIENT_DISTRO: 'debian' };
    model = await FakeModel.create({
      unit: 'demo/0',
      charmDir,
      dir: join(tmp, 'juju'),
      stateDir: false, // the charm dir is a temp dir, and the test reads the state under it
      publicAddress: '198.51.100.7',
      privateAddress: '10.1.2.3',
    });
    model.setNetwork('certificates', unitNetwork('198.51.100.7', '10.1.2.3'));
    ca = await EmbeddedCa.create();
    await hook('install');
    relationId = model.addRelation('certificates', 'easyrsa');
    model.addRemoteUnit(relationId, 'easyrsa/0');
    await hook('certificates-relation-joined');
  }, 60_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('waits for the CA once related', () => {
    expect(model.status()).toEqual({ status: 'waiting', message: 'waiting for the CA certificate' });
  });

  it('goes blocked naming the certificate when the provider publishes a key that does not match', async () => {
    await ca.answer(model, relationId, { fault: 'mismatched-key' });
    await hook('certificates-relation-changed');
    const status = model.status();
    expect(status.status).toBe('blocked');
    expect(status.message).toMatch(/^bad certificate data for (198\.51\.100\.7|demo)/);
    expect(status.message).not.toContain('PRIVATE KEY');
    // Nothing of the rejected answer is written (with protocol=auto the unit's own v4 key may be).
    expect(existsSync(join(charmDir, 'certs', 'server.crt'))).toBe(false);
  });

  it('becomes active once the provider publishes good data', async () => {
    await ca.answer(model, relationId);
    await hook('certificates-relation-changed');
    expect(model.status()).toEqual({ status: 'active', message: 'certificates ready' });
    const server = certificateFacts(readFileSync(join(charmDir, 'certs', 'server.crt'), 'utf8'));
    expect(server.subject).toBe('CN=198.51.100.7');
    expect(statSync(join(charmDir, 'certs', 'server.key')).mode & 0o777).toBe(0o600);
  });

  it("reloads on the layer's reload signal: a log line naming what changed, and no *.changed flag left", async () => {
    const reload = model
      .logs()
      .filter(
        (l) => l.hook === 'certificates-relation-changed' && l.message.includes('reloading the workload'),
      );
    // The CA came with the rejected answer before; the good answer brought the two certificates.
    expect(reload.map((l) => l.message)).toEqual([
      'certificates changed (CA): reloading the workload',
      'certificates changed (client demo, server 198.51.100.7): reloading the workload',
    ]);
    const flags = (await readStatus({ charmDir, env: {} })).flags;
    expect(flags).toContain('tls_client.certs.saved');
    expect(flags.filter((f) => f.endsWith('.changed'))).toEqual([]);
  });

  it('goes blocked naming the option for an unknown protocol, and active again with auto', async () => {
    model.setConfig({ protocol: 'v3' });
    await hook('config-changed');
    expect(model.status()).toEqual({
      status: 'blocked',
      message: 'config option protocol must be one of auto, legacy, v4',
    });
    model.setConfig({ protocol: 'auto' });
    await hook('config-changed');
    expect(model.status().status).toBe('active');
  });

  it('goes blocked naming the option when a path is not absolute, and keeps its files', async () => {
    model.setConfig({ 'server-cert-path': 'relative/server.crt' });
    await hook('config-changed');
    expect(model.status()).toEqual({
      status: 'blocked',
      message: 'config option server-cert-path must be an absolute path or empty',
    });
    expect(existsSync(join(charmDir, 'certs', 'server.crt'))).toBe(true);
  });

  it('writes the server certificate at a new configured path', async () => {
    const moved = join(tmp, 'elsewhere', 'server.pem');
    model.setConfig({ 'server-cert-path': moved });
    await hook('config-changed');
    expect(model.status().status).toBe('active');
    expect(certificateFacts(readFileSync(moved, 'utf8')).subject).toBe('CN=198.51.100.7');
  });

  it('picks up a new address in config-changed, which Juju runs when addresses change', async () => {
    model.setNetwork('certificates', unitNetwork('198.51.100.8', '10.1.2.3'));
    const run = await hook('config-changed');
    expect(run.calls.map((c) => c.tool)).toContain('network-get');
    // The request for the new address is published (the layer keeps the earlier request too).
    expect(Object.values(model.localUnitData(relationId)).join('\n')).toContain('198.51.100.8');
  });

  it('goes blocked again when the relation is removed', async () => {
    model.removeRelation(relationId);
    await hook('certificates-relation-broken');
    expect(model.status()).toEqual({
      status: 'blocked',
      message: 'needs a certificates relation (juju integrate demo <ca>)',
    });
  });
});
