// HookTools against stand-in tools that record argv and stdin and answer exactly as told, for the
// argv templates and the faults the fake Juju cannot produce (garbage output, hangs, missing tools).
// The behaviour against the fake Juju is in fake-juju.test.ts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HookToolError, HookTools } from '../src/index.js';
import { ToolSandbox } from './helpers.js';

const PEM = `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n`;
const TOOLS = [
  'relation-ids',
  'relation-list',
  'relation-get',
  'relation-set',
  'juju-log',
  'status-set',
  'config-get',
  'is-leader',
  'leader-get',
  'leader-set',
  'unit-get',
  'network-get',
  'application-version-set',
];

let sandbox: ToolSandbox;
afterEach(() => sandbox?.cleanup());

function setup(responses: Parameters<ToolSandbox['respond']>[0] = {}, timeoutMs?: number): HookTools {
  sandbox = new ToolSandbox().install(...TOOLS).respond(responses);
  return new HookTools({ env: sandbox.env, timeoutMs });
}

async function rejection(promise: Promise<unknown>): Promise<HookToolError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HookToolError) return error;
    throw error;
  }
  throw new Error('expected a HookToolError');
}

describe('HookTools argv', () => {
  it('uses the argv template of the spec for every read tool', async () => {
    const tools = setup({
      'relation-ids': { stdout: '["certificates:12","certificates:5"]\n' },
      'relation-list': { stdout: '["easyrsa/0"]\n' },
      'relation-get': { stdout: '{"ca":"x"}\n' },
      'relation-get --format=json -r certificates:5 ca easyrsa/0': { stdout: '"x"\n' },
      'config-get': { stdout: '{"port":8080}\n' },
      'is-leader': { stdout: 'true\n' },
      'leader-get': { stdout: '{"a":"b"}\n' },
      'unit-get': { stdout: '"10.0.0.5"\n' },
      'network-get': { stdout: '{}\n' },
    });
    await tools.relationIds('certificates');
    await tools.relationList('certificates:5');
    await tools.relationGet('certificates:5', 'easyrsa/0');
    await tools.relationGet('certificates:5', 'easyrsa', { app: true });
    await tools.relationGetKey('certificates:5', 'ca', 'easyrsa/0');
    await tools.configGet();
    await tools.configGet('port');
    await tools.isLeader();
    await tools.leaderGet();
    await tools.unitGet('private-address');
    await tools.networkGet('certificates');
    await tools.networkGet('certificates', { relationId: 'certificates:5' });
    expect(sandbox.calls().map((c) => [c.tool, ...c.args].join(' '))).toEqual([
      'relation-ids --format=json certificates',
      'relation-list --format=json -r certificates:5',
      'relation-get --format=json -r certificates:5 - easyrsa/0',
      'relation-get --format=json -r certificates:5 --app - easyrsa',
      'relation-get --format=json -r certificates:5 ca easyrsa/0',
      'config-get --format=json',
      'config-get --format=json port',
      'is-leader --format=json',
      'leader-get --format=json -',
      'unit-get --format=json private-address',
      'network-get --format=json certificates',
      'network-get --format=json -r certificates:5 certificates',
    ]);
    expect(sandbox.calls().every((c) => c.stdin === '')).toBe(true);
  });

  it('passes relation data on stdin, never in argv, with "" for deletions', async () => {
    const tools = setup();
    await tools.relationSet('certificates:5', { key: PEM, gone: null, empty: '' });
    await tools.relationSet('certificates:5', { a: 'b' }, { app: true });
    const [unit, app] = sandbox.calls();
    expect(unit?.args).toEqual(['-r', 'certificates:5', '--file', '-']);
    expect(JSON.parse(unit?.stdin ?? '')).toEqual({ key: PEM, gone: '', empty: '' });
    expect(app?.args).toEqual(['-r', 'certificates:5', '--app', '--file', '-']);
  });

  it('makes no call for an empty relation-set or leader-set', async () => {
    const tools = setup();
    await tools.relationSet('certificates:5', {});
    await tools.leaderSet({});
    expect(sandbox.calls()).toEqual([]);
    expect(tools.callCount).toBe(0);
  });

  it('puts "--" before free text, so a leading "-" is not a flag', async () => {
    const tools = setup();
    await tools.jujuLog('-rf looks like a flag', 'WARNING');
    await tools.statusSet('blocked', '--needs a relation');
    await tools.statusSet('active');
    await tools.statusSet('waiting', 'for leader', { application: true });
    await tools.applicationVersionSet('-1.2');
    await tools.leaderSet({ a: 'b', gone: null });
    expect(sandbox.calls().map((c) => [c.tool, ...c.args])).toEqual([
      ['juju-log', '--log-level', 'WARNING', '--', '-rf looks like a flag'],
      ['status-set', '--application=false', 'blocked', '--', '--needs a relation'],
      ['status-set', '--application=false', 'active'],
      ['status-set', '--application=true', 'waiting', '--', 'for leader'],
      ['application-version-set', '--', '-1.2'],
      ['leader-set', 'a=b', 'gone='],
    ]);
  });

  it('splits a log message over the argv limit on character boundaries', async () => {
    const tools = setup();
    const message = `${'é'.repeat(70_000)}end`; // 140 003 bytes
    await tools.jujuLog(message);
    const calls = sandbox.calls();
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.args.at(-1)).join('')).toBe(message);
    for (const call of calls) expect(Buffer.byteLength(call.args.at(-1) ?? '')).toBeLessThanOrEqual(131071);
  });

  it.each([
    ['a relation id that is not endpoint:N', (t: HookTools) => t.relationList('certificates')],
    ['a unit that starts with "-"', (t: HookTools) => t.relationGet('certificates:1', '--app')],
    ['a key that starts with "-"', (t: HookTools) => t.relationGetKey('certificates:1', '-', 'a/0')],
    ['a non-string value', (t: HookTools) => t.relationSet('certificates:1', { a: 1 as unknown as string })],
    ['an unknown status', (t: HookTools) => t.statusSet('error' as 'active')],
    ['an unknown log level', (t: HookTools) => t.jujuLog('x', 'FATAL' as 'INFO')],
    ['a leader-set key with "="', (t: HookTools) => t.leaderSet({ 'a=b': 'c' })],
    ['a leader-set value over the argv limit', (t: HookTools) => t.leaderSet({ a: 'x'.repeat(131071) })],
    ['a NUL in an argument', (t: HookTools) => t.applicationVersionSet('1\u00002')],
  ])('throws TypeError without calling a tool for %s', async (_name, call) => {
    const tools = setup();
    await expect(call(tools)).rejects.toBeInstanceOf(TypeError);
    expect(sandbox.calls()).toEqual([]);
  });

  it('counts calls in total and per tool', async () => {
    const tools = setup({ 'relation-get': { stdout: '{}' }, 'is-leader': { stdout: 'false' } });
    await tools.relationGet('certificates:1', 'a/0');
    await tools.relationGet('certificates:1', 'a/1');
    await tools.relationSet('certificates:1', { a: 'b' });
    await tools.isLeader();
    expect(tools.callCount).toBe(4);
    expect(tools.callsByTool).toEqual({ 'relation-get': 2, 'relation-set': 1, 'is-leader': 1 });
  });

  it('reuses a true is-leader answer (the lease) but asks again after false', async () => {
    const tools = setup({ 'is-leader': { stdout: 'false' } });
    expect(await tools.isLeader()).toBe(false);
    expect(await tools.isLeader()).toBe(false);
    sandbox.respond({ 'is-leader': { stdout: 'true' } });
    expect(await tools.isLeader()).toBe(true);
    expect(await tools.isLeader()).toBe(true);
    expect(tools.callsByTool['is-leader']).toBe(3);
  });
});

describe('HookTools output parsing', () => {
  it('parses Go-escaped JSON and keeps "__proto__" as a plain key', async () => {
    const tools = setup({
      'relation-get': { stdout: '{"__proto__":"x","a\\u003cb":"\\u0026\\u2028"}\n' },
    });
    const data = await tools.relationGet('certificates:1', 'a/0');
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data)).toEqual(['__proto__', 'a<b']);
    expect(data['a<b']).toBe('&\u2028');
  });

  it('maps null lists and databags to empty ones, and a missing key to null', async () => {
    const tools = setup({
      'relation-ids': { stdout: 'null\n' },
      'relation-get': { stdout: 'null\n' },
      'config-get': { stdout: 'null\n' },
    });
    expect(await tools.relationIds('certificates')).toEqual([]);
    expect(await tools.relationGet('certificates:1', 'a/0')).toEqual({});
    expect(await tools.relationGetKey('certificates:1', 'ca', 'a/0')).toBeNull();
    expect(await tools.configGet()).toEqual({});
    expect(await tools.configGet('nope')).toBeNull();
  });

  it('converts network-get output to camelCase with omitted lists as []', async () => {
    const tools = setup({
      'network-get': {
        stdout: JSON.stringify({
          'bind-addresses': [
            {
              'mac-address': '00:16:3e:aa:bb:cc',
              'interface-name': 'eth0',
              addresses: [{ hostname: '', value: '10.0.0.5', cidr: '10.0.0.0/24' }],
              macaddress: 'legacy duplicate, ignored',
            },
          ],
          'ingress-addresses': ['10.0.0.5'],
        }),
      },
    });
    expect(await tools.networkGet('certificates')).toEqual({
      bindAddresses: [
        {
          macAddress: '00:16:3e:aa:bb:cc',
          interfaceName: 'eth0',
          addresses: [{ hostname: '', value: '10.0.0.5', cidr: '10.0.0.0/24' }],
        },
      ],
      egressSubnets: [],
      ingressAddresses: ['10.0.0.5'],
    });
  });

  it.each([
    [
      'not JSON',
      'relation-ids',
      (t: HookTools) => t.relationIds('certificates'),
      'certificates:1\n',
      'not JSON',
    ],
    ['empty output', 'relation-ids', (t: HookTools) => t.relationIds('certificates'), '', 'empty output'],
    ['two JSON documents', 'is-leader', (t: HookTools) => t.isLeader(), 'true\ntrue\n', 'not JSON'],
    [
      'a list with a number',
      'relation-list',
      (t: HookTools) => t.relationList('c:1'),
      '["a/0", 3]',
      'item 1',
    ],
    ['an object for a list', 'relation-ids', (t: HookTools) => t.relationIds('c'), '{}', 'an object'],
    [
      'a databag with a number',
      'relation-get',
      (t: HookTools) => t.relationGet('c:1', 'a/0'),
      '{"k":1}',
      'key "k"',
    ],
    [
      'an array for a databag',
      'relation-get',
      (t: HookTools) => t.relationGet('c:1', 'a/0'),
      '[]',
      'an array',
    ],
    [
      'a number for one key',
      'relation-get',
      (t: HookTools) => t.relationGetKey('c:1', 'k', 'a/0'),
      '5',
      'number',
    ],
    ['"yes" for is-leader', 'is-leader', (t: HookTools) => t.isLeader(), '"yes"', 'true or false'],
    ['smart format for is-leader', 'is-leader', (t: HookTools) => t.isLeader(), 'True\n', 'not JSON'],
    ['a number for unit-get', 'unit-get', (t: HookTools) => t.unitGet('public-address'), '10', 'number'],
    ['a list for config-get', 'config-get', (t: HookTools) => t.configGet(), '[1]', 'an array'],
    [
      'a bad network address',
      'network-get',
      (t: HookTools) => t.networkGet('b'),
      '{"bind-addresses":[{"addresses":[{"value":5}]}]}',
      'bind-addresses[0].addresses[0].value',
    ],
  ])('rejects %s with ERR_HOOKENV_BAD_OUTPUT', async (_name, tool, call, stdout, mention) => {
    const tools = setup({ [tool]: { stdout } });
    const error = await rejection(call(tools));
    expect(error).toMatchObject({ code: 'ERR_HOOKENV_BAD_OUTPUT', tool });
    expect(error.args?.[0]).toBe('--format=json');
    expect(error.message).toContain(mention);
  });

  it('rejects output that is not UTF-8', async () => {
    const tools = setup({
      'unit-get': { stdoutBase64: Buffer.from([0x22, 0xff, 0xfe, 0x22]).toString('base64') },
    });
    const error = await rejection(tools.unitGet('private-address'));
    expect(error.code).toBe('ERR_HOOKENV_BAD_OUTPUT');
    expect(error.message).toContain('UTF-8');
  });

  it('never echoes garbage output (which may be a secret) in the error', async () => {
    const tools = setup({ 'relation-get': { stdout: `${PEM}garbage` } });
    const error = await rejection(tools.relationGet('c:1', 'a/0'));
    expect(error.code).toBe('ERR_HOOKENV_BAD_OUTPUT');
    expect(JSON.stringify({ ...error, message: error.message, cause: String(error.cause) })).not.toContain(
      'MIIE',
    );
  });

  it('kills a tool whose output exceeds maxOutputBytes', async () => {
    sandbox = new ToolSandbox()
      .install('relation-get')
      .respond({ 'relation-get': { stdout: `"${'x'.repeat(5000)}"` } });
    const tools = new HookTools({ env: sandbox.env, maxOutputBytes: 1024 });
    const error = await rejection(tools.relationGetKey('c:1', 'k', 'a/0'));
    expect(error.code).toBe('ERR_HOOKENV_BAD_OUTPUT');
    expect(error.message).toContain('1024 bytes');
  });
});

describe('HookTools errors', () => {
  it('reports a tool missing from PATH as ERR_HOOKENV_TOOL_NOT_FOUND', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'hookenv-empty-path-'));
    try {
      const tools = new HookTools({ env: { PATH: empty } });
      const error = await rejection(tools.relationIds('certificates'));
      expect(error).toMatchObject({ code: 'ERR_HOOKENV_TOOL_NOT_FOUND', tool: 'relation-ids' });
      expect(error.args).toEqual(['--format=json', 'certificates']);
      expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
      expect(tools.callCount).toBe(1);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('reports a tool that is not executable as ERR_HOOKENV_SPAWN_FAILED', async () => {
    sandbox = new ToolSandbox().installScript('sleep-tool.sh', 'is-leader');
    const { chmodSync } = await import('node:fs');
    chmodSync(join(sandbox.binDir, 'is-leader'), 0o644);
    // As root, exec still needs one x bit, so this is EACCES for everyone.
    const error = await rejection(new HookTools({ env: sandbox.env }).isLeader());
    expect(error.code).toBe('ERR_HOOKENV_SPAWN_FAILED');
    expect(error.message).toContain('EACCES');
  });

  it('turns a non-zero exit into ERR_HOOKENV_TOOL_FAILED with exit code and stderr', async () => {
    const tools = setup({
      'relation-set': { exitCode: 1, stderr: 'ERROR cannot write relation settings\n' },
    });
    const error = await rejection(tools.relationSet('certificates:1', { a: 'b' }, { app: true }));
    expect(error).toMatchObject({
      code: 'ERR_HOOKENV_TOOL_FAILED',
      tool: 'relation-set',
      exitCode: 1,
      args: ['-r', 'certificates:1', '--app', '--file', '-'],
      stderr: 'ERROR cannot write relation settings\n',
    });
    expect(error.signal).toBeUndefined();
    expect(error.message).toContain('exited with code 1: ERROR cannot write relation settings');
  });

  it.each([
    'ERROR invalid value "certificates:9" for option -r: relation not found',
    'error: unknown relation id',
  ])('gives a gone relation its own code (%s)', async (stderr) => {
    const tools = setup({ 'relation-list': { exitCode: 2, stderr } });
    const error = await rejection(tools.relationList('certificates:9'));
    expect(error).toMatchObject({ code: 'ERR_HOOKENV_RELATION_NOT_FOUND', exitCode: 2 });
  });

  it('scrubs PEM blocks and the values it sent from stderr', async () => {
    const secret = 'hunter2-password-value';
    const tools = setup({
      'relation-set': {
        exitCode: 1,
        stderr: `ERROR bad value ${secret} near:\n${PEM}trailing -----BEGIN CERTIFICATE-----\nMIIB`,
      },
    });
    const error = await rejection(tools.relationSet('certificates:1', { key: PEM, password: secret }));
    expect(error.stderr).toContain('<redacted>');
    expect(error.stderr).toContain('<redacted PRIVATE KEY>');
    expect(error.stderr).toContain('<redacted CERTIFICATE>');
    for (const leak of [secret, 'MIIE', 'MIIB']) {
      expect(error.stderr).not.toContain(leak);
      expect(error.message).not.toContain(leak);
    }
  });

  it('redacts leader-set values and messages in args and stderr', async () => {
    const tools = setup({
      'leader-set': { exitCode: 1, stderr: 'ERROR cannot write leadership settings: s3cr3t-token\n' },
      'juju-log': { exitCode: 1, stderr: 'ERROR failed to log "my private message"\n' },
    });
    const leader = await rejection(tools.leaderSet({ token: 's3cr3t-token', gone: null }));
    expect(leader.args).toEqual(['token=<redacted 12 bytes>', 'gone=']);
    expect(leader.stderr).not.toContain('s3cr3t-token');
    expect(leader.message).not.toContain('s3cr3t-token');
    const log = await rejection(tools.jujuLog('my private message'));
    expect(log.args).toEqual(['--log-level', 'INFO', '--', '<redacted 18 bytes>']);
    expect(`${log.message}${log.stderr}`).not.toContain('my private message');
  });

  it('caps stderr, without leaving half a secret at the cut', async () => {
    const secret = `S${'e'.repeat(200)}cret`;
    const stderr = `${'x'.repeat(64 * 1024 - 10)}${secret}`;
    const tools = setup({ 'relation-set': { exitCode: 1, stderr } });
    const error = await rejection(tools.relationSet('c:1', { k: secret }));
    expect(error.stderr?.length).toBeLessThan(4200);
    expect(error.stderr).toMatch(/… \(\d+ more\)$/);
    expect(error.stderr).not.toContain('Seeee');
  });

  it('kills a tool that runs past the timeout, even when a child holds its output open', async () => {
    sandbox = new ToolSandbox().installScript('sleep-tool.sh', 'relation-ids');
    const tools = new HookTools({ env: sandbox.env, timeoutMs: 300 });
    const error = await rejection(tools.relationIds('certificates'));
    expect(error).toMatchObject({ code: 'ERR_HOOKENV_TIMEOUT', tool: 'relation-ids', signal: 'SIGKILL' });
    expect(error.exitCode).toBeUndefined();
    expect(error.message).toContain('300 ms');
  });

  it('times out a tool that exits but leaves a child holding its output open', async () => {
    sandbox = new ToolSandbox().installScript('leaky-tool.sh', 'relation-ids');
    const tools = new HookTools({ env: sandbox.env, timeoutMs: 300 });
    const error = await rejection(tools.relationIds('certificates'));
    expect(error).toMatchObject({ code: 'ERR_HOOKENV_TIMEOUT', exitCode: 0 });
    expect(error.signal).toBeUndefined();
    expect(error.message).toContain('a child process holds it');
  });

  it('reports a tool killed by a signal with the signal', async () => {
    sandbox = new ToolSandbox();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(sandbox.binDir, 'unit-get'), '#!/bin/sh\nkill -TERM $$\n', { mode: 0o755 });
    const error = await rejection(new HookTools({ env: sandbox.env }).unitGet('public-address'));
    expect(error).toMatchObject({ code: 'ERR_HOOKENV_TOOL_FAILED', signal: 'SIGTERM' });
    expect(error.exitCode).toBeUndefined();
  });

  it('rejects bad options with TypeError', () => {
    expect(() => new HookTools({ timeoutMs: 0 })).toThrow(TypeError);
    expect(() => new HookTools({ timeoutMs: 2 ** 31 })).toThrow(TypeError);
    expect(() => new HookTools({ maxOutputBytes: 1.5 })).toThrow(TypeError);
  });
});

describe('HookTools secret content files', () => {
  it('passes each value as key#file= of a 0600 file in a 0700 directory, removed after the call', async () => {
    sandbox = new ToolSandbox();
    const statFile = join(sandbox.dir, 'stat.txt');
    const script = [
      '#!/bin/sh',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
      'for a in "$@"; do case "$a" in *"#file="*) p="${a#*#file=}"; stat -c "%a" "$p" "$(dirname "$p")" >> "$STAT_FILE"; cat "$p" >> "$STAT_FILE"; echo >> "$STAT_FILE";; esac; done',
      'echo secret:0123456789abcdefghij',
      '',
    ].join('\n');
    writeFileSync(join(sandbox.binDir, 'secret-add'), script, { mode: 0o755 });
    const tmpDir = mkdtempSync(join(sandbox.dir, 'tmp-'));
    const tools = new HookTools({ env: { ...sandbox.env, STAT_FILE: statFile }, tmpDir });
    const uri = await tools.secretAdd({ 'private-key': PEM });
    expect(uri).toBe('secret:0123456789abcdefghij');
    expect(readFileSync(statFile, 'utf8')).toBe(`600\n700\n${PEM}\n`);
    expect(readdirSync(tmpDir)).toEqual([]);
  });
});
