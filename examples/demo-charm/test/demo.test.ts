import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFacts } from '../src/inspect.js';
import { DEMO, type DemoRun, outputTail, runDemo } from './run-demo.js';

describe('pnpm demo', () => {
  let tmp: string;
  let run: DemoRun;

  beforeAll(async () => {
    if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: run pnpm --filter demo-charm build first`);
    tmp = mkdtempSync(join(tmpdir(), 'demo-charm-test-'));
    run = await runDemo(tmp);
  }, 60_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('exits 0 with every check passed', () => {
    expect(run.stdout, outputTail(run)).toContain('== Result: all checks passed');
    expect(run.stdout).not.toMatch(/^ {4}FAIL/m);
    expect(run.exitCode).toBe(0);
  });

  it('keeps its files in a fresh directory under TMPDIR and says where', () => {
    expect(run.dir.startsWith(tmp)).toBe(true);
    expect(run.stdout).toContain(`files kept in ${run.dir}`);
  });

  it('writes the certificates and the CA with private keys at 0600', () => {
    const certs = join(run.dir, 'charm', 'certs');
    for (const file of ['server.crt', 'client.crt', 'ca.crt']) {
      expect((statSync(join(certs, file)).mode & 0o777).toString(8)).toBe('644');
    }
    for (const file of ['server.key', 'client.key']) {
      expect((statSync(join(certs, file)).mode & 0o777).toString(8)).toBe('600');
    }
  });

  it('requests the server certificate for the unit addresses and the client one for the app', () => {
    const certs = join(run.dir, 'charm', 'certs');
    const server = certificateFacts(readFileSync(join(certs, 'server.crt'), 'utf8'));
    expect(server.subject).toBe('CN=203.0.113.10');
    expect(server.sans).toEqual(
      expect.arrayContaining(['IP:203.0.113.10', 'IP:10.0.0.10', `DNS:${hostname()}`]),
    );
    const client = certificateFacts(readFileSync(join(certs, 'client.crt'), 'utf8'));
    expect(client.subject).toBe('CN=demo');
  });

  it('trusts the rotated CA in the sandbox bundle, so openssl verifies the leaf', () => {
    const bundle = join(run.dir, 'trust-root', 'etc', 'ssl', 'certs', 'ca-certificates.crt');
    const leaf = join(run.dir, 'charm', 'certs', 'server.crt');
    const verify = spawnSync('openssl', ['verify', '-CAfile', bundle, leaf], { encoding: 'utf8' });
    expect(verify.error).toBeUndefined();
    expect(verify.stdout).toContain(': OK');
    expect(verify.status).toBe(0);
  });

  it('prints flags per hook, the status table and the hook-tool calls', () => {
    expect(run.stdout).toContain('tls_client.certs.saved');
    expect(run.stdout).toContain('tls_client.ca_installed');
    expect(run.stdout).toContain('== bin/tls-client status');
    expect(run.stdout).toContain('== Hook-tool calls per hook');
  });

  it('never prints a private key', () => {
    expect(run.stdout).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  });

  it('tells the v4 story on a second unit: CSRs and no key in any databag, steady, renewal, revocation, broken', () => {
    const v4 = run.stdout.slice(run.stdout.indexOf('== Part 2'));
    expect(v4).toContain('ok    2 CSRs published (server and client)');
    expect(v4).toMatch(/ok {4}no "PRIVATE KEY" in any databag \(\d+ keys scanned/);
    expect(v4).toContain('ok    steady: 0 relation-set, 0 secret calls, 0 writes');
    expect(v4).toMatch(/\] secret-expired \(secret:/);
    expect(v4).toContain('ok    the same server key (byte for byte)');
    expect(v4).toContain('ok    a new server certificate');
    expect(v4).toContain('ok    the old CA is no longer in the sandbox trust bundle');
    expect(v4).toContain('(v4)');
    expect(v4).toContain('ok    0 certificate secrets left');
    expect(v4).toContain('== Hook-tool calls per hook (v4 unit)');
  });

  it("keeps the v4 unit's key on disk at 0600 and its certificate verifiable against its own trust root", () => {
    const certs = join(run.dir, 'v4', 'charm', 'certs');
    expect((statSync(join(certs, 'server.key')).mode & 0o777).toString(8)).toBe('600');
    // A v4 CSR's subject carries a fresh x500UniqueIdentifier after the CN (protocol-v4 §2.4).
    expect(certificateFacts(readFileSync(join(certs, 'server.crt'), 'utf8')).subject).toMatch(
      /^CN=203\.0\.113\.10, x500UniqueIdentifier=[0-9a-f-]{36}$/,
    );
  });
});
