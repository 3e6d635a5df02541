// `pnpm demo`: runs the demo charm as real subprocesses under the fake Juju of @tls-client/testing,
// answered by its embedded CA, with a sandbox trust store updated by the real update-ca-certificates.
// Prints what happened after each hook and a summary, keeps the files for inspection, and exits 1
// if any step or check failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { readStatus } from '@tls-client/layer/cli';
import { EmbeddedCa, FakeModel, type HookRun, prepareDebianRoot } from '@tls-client/testing';
import { charmCli, installPackedCharm, unitNetwork } from './charm-dir.js';
import { bundleContains, certificateFacts, fileFacts, formatMode } from './inspect.js';
import { textTable } from './text-table.js';

const USAGE = `usage: node examples/demo-charm/dist/demo.js [--charm FILE] [--clean] [--quiet]

Runs the demo charm (examples/demo-charm) under a fake Juju with an embedded CA: the packed .charm
unpacked into an empty temporary directory, hooks on the charm's own bin/node. Prints what each
hook did.

  --charm   the .charm to run (default: pack examples/demo-charm into the temporary directory)
  --clean   remove the temporary directory at the end (default: keep it and print its path)
  --quiet   print only the summary and any failure
  --help    show this text`;

const UNIT = 'demo/0';
const PROVIDER = 'easyrsa';
const PROVIDER_UNIT = `${PROVIDER}/0`;
const ADDRESSES = { publicAddress: '203.0.113.10', privateAddress: '10.0.0.10' } as const;

interface HookRecord {
  step: number;
  hook: string;
  ms: number;
  exitCode: number;
  calls: Map<string, number>;
}

class Demo {
  readonly failures: string[] = [];
  readonly hooks: HookRecord[] = [];
  private step = 0;
  private logsSeen = 0;
  private lastFlags: string[] = [];

  constructor(
    readonly dir: string,
    readonly charmDir: string,
    readonly trustRoot: string,
    readonly model: FakeModel,
    readonly quiet: boolean,
    /** Where step numbers start (the v4 story continues the legacy one's). */
    firstStep = 0,
  ) {
    this.step = firstStep;
  }

  /** The number of the last step run. */
  get lastStep(): number {
    return this.step;
  }

  get bundlePath(): string {
    return join(this.trustRoot, 'etc/ssl/certs/ca-certificates.crt');
  }

  /** The files the charm writes plus the trust store's: certs/, the installed CA files, the bundle. */
  watchedFiles(): string[] {
    return [...Object.values(certPaths(this.charmDir)), ...trustStoreFiles(this.trustRoot), this.bundlePath];
  }

  /** The unit's flag store (the layer's state). */
  get stateFile(): string {
    return join(this.charmDir, '.tls-client', 'flags.json');
  }

  /** The environment the charm's hooks (and the operator's CLI) see besides the fake Juju's. */
  get extraEnv(): Record<string, string> {
    return { TLS_CLIENT_TRUST_ROOT: this.trustRoot, TLS_CLIENT_DISTRO: 'debian' };
  }

  print(text = ''): void {
    if (!this.quiet) console.log(text);
  }

  check(ok: boolean, what: string): boolean {
    if (!ok) this.failures.push(`step ${this.step}: ${what}`);
    if (!ok || !this.quiet) console.log(`    ${ok ? 'ok  ' : 'FAIL'}  ${what}`);
    return ok;
  }

  async hook(
    hook: string,
    title: string,
    relation?: { relationId?: string; remoteUnit?: string; secretId?: string },
  ): Promise<HookRun> {
    this.step += 1;
    const before = snapshot(this.watchedFiles());
    const start = performance.now();
    const run = await this.model.runHook(hook, { ...(relation ?? {}), env: this.extraEnv });
    const ms = performance.now() - start;
    const calls = new Map<string, number>();
    for (const call of run.calls) calls.set(call.tool, (calls.get(call.tool) ?? 0) + 1);
    this.hooks.push({ step: this.step, hook, ms, exitCode: run.exitCode, calls });

    const where = relation
      ? ` (${[relation.relationId, relation.remoteUnit, relation.secretId].filter(Boolean).join(', ')})`
      : '';
    this.print(`\n[${this.step}] ${hook}${where}: ${title}`);
    const callText = [...calls].map(([tool, n]) => `${tool} ${n}`).join(', ');
    this.print(
      `    exit ${run.exitCode} in ${ms.toFixed(0)} ms; ${run.calls.length} hook-tool calls (${callText})`,
    );
    if (run.exitCode !== 0) {
      // The charm's stderr carries messages only (no key or certificate material).
      const tail = run.stderr.trim().split('\n').slice(-8);
      console.log(tail.map((line) => `    stderr: ${line}`).join('\n'));
    }
    const after = snapshot(this.watchedFiles());
    const written = [...after].filter(([p, h]) => before.get(p) !== h).map(([p]) => this.path(p));
    this.print(packed('wrote', written.length === 0 ? ['nothing'] : written));
    const status = this.model.status();
    this.print(`    status  ${status.status}: ${status.message}`);
    const flags = await this.flags();
    this.print(flagLines(flags, this.lastFlags));
    this.lastFlags = flags;
    const logs = this.model.logs();
    const fresh = logs
      .slice(this.logsSeen)
      .filter((l) => l.hook === hook && l.level !== 'DEBUG' && l.level !== 'TRACE');
    this.logsSeen = logs.length;
    for (const line of fresh.slice(0, 6)) this.print(`    log     ${line.level} ${clip(line.message, 110)}`);
    if (fresh.length > 6) this.print(`    log     … ${fresh.length - 6} more`);
    this.check(run.exitCode === 0, `${hook} exits 0`);
    return run;
  }

  /** Flags committed by the last hook, from the layer's state (what `tls-client status` shows). */
  async flags(): Promise<string[]> {
    try {
      return (await readStatus({ charmDir: this.charmDir, env: {} })).flags;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return [`(no flag state: ${typeof code === 'string' ? code : (error as Error).message})`];
    }
  }

  /** Runs the layer's operator CLI as a subprocess in the unit's environment, as `juju exec` would. */
  async cli(args: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const run = await this.model.runHook('juju-exec', {
      command: [charmCli(this.charmDir), ...args],
      env: this.extraEnv,
      timeoutMs: 30_000,
    });
    return { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr };
  }

  path(p: string): string {
    const rel = relative(this.dir, p);
    return rel.startsWith('..') ? p : rel;
  }
}

/** Flags after a hook, `+` marking those new since the last hook; cleared ones listed with `-`. */
function flagLines(flags: readonly string[], previous: readonly string[]): string {
  const cells = [
    ...flags.map((f) => (previous.includes(f) ? ` ${f}` : `+${f}`)),
    ...previous.filter((f) => !flags.includes(f)).map((f) => `-${f}`),
  ];
  return packed('flags', cells.length === 0 ? ['(none)'] : cells);
}

/** `label` then the cells, two spaces apart, wrapped under each other at about 100 columns. */
function packed(label: string, cells: readonly string[]): string {
  const lines: string[] = [];
  let line = '';
  for (const cell of cells) {
    if (line !== '' && line.length + cell.length + 2 > 88) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? cell : `${line}  ${cell}`;
  }
  lines.push(line);
  return lines.map((l, i) => `    ${(i === 0 ? label : '').padEnd(8)}${l}`).join('\n');
}

function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function certPaths(charmDir: string) {
  const certs = join(charmDir, 'certs');
  return {
    serverCert: join(certs, 'server.crt'),
    serverKey: join(certs, 'server.key'),
    clientCert: join(certs, 'client.crt'),
    clientKey: join(certs, 'client.key'),
    caCert: join(certs, 'ca.crt'),
  };
}

function verifyWithOpenssl(bundle: string, leaf: string): { ok: boolean; output: string } {
  const run = spawnSync('openssl', ['verify', '-CAfile', bundle, leaf], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.error) return { ok: false, output: `openssl not runnable: ${run.error.message}` };
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim().split('\n').slice(-1)[0] ?? '' };
}

/** Content hashes of the files that exist, to tell which ones a hook wrote. */
function snapshot(paths: readonly string[]): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const path of paths) {
    const facts = fileFacts(path);
    if (facts) hashes.set(path, facts.sha256);
  }
  return hashes;
}

/** CA files installed under the sandbox's local certificate directory. */
function trustStoreFiles(trustRoot: string): string[] {
  const dir = join(trustRoot, 'usr/local/share/ca-certificates');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .sort();
}

async function runDemo(demo: Demo, ca: EmbeddedCa): Promise<void> {
  const { model, charmDir } = demo;
  const files = certPaths(charmDir);
  const allFiles = Object.values(files);
  const bundle = () => (existsSync(demo.bundlePath) ? readFileSync(demo.bundlePath, 'utf8') : '');

  await demo.hook('install', 'no relation yet');
  demo.check(model.status().status === 'blocked', 'status is blocked until a CA is related');

  const relationId = model.addRelation('certificates', PROVIDER);
  model.addRemoteUnit(relationId, PROVIDER_UNIT);
  await demo.hook('certificates-relation-joined', 'the CA joined: the charm publishes its requests', {
    relationId,
    remoteUnit: PROVIDER_UNIT,
  });
  const published = model.localUnitData(relationId);
  demo.print('    published in our unit databag (names and addresses only, nothing secret):');
  for (const [key, value] of Object.entries(published).sort())
    demo.print(`      ${key} = ${clip(value, 100)}`);
  demo.check(Object.keys(published).length > 0, 'requests are published on the relation');

  const waiting = await demo.hook('certificates-relation-changed', 'the CA has not answered yet', {
    relationId,
    remoteUnit: PROVIDER_UNIT,
  });
  demo.check(
    waiting.calls.every((c) => c.tool !== 'relation-set'),
    'requests unchanged, so no relation-set',
  );
  demo.check(model.status().status === 'waiting', 'status is waiting for the CA');

  const first = await ca.answer(model, relationId, { providerUnit: PROVIDER_UNIT });
  demo.print(`\n    the embedded CA answers: ${first.issued} certificate(s) issued`);
  await demo.hook('certificates-relation-changed', 'the CA answered: files written, CA trusted', {
    relationId,
    remoteUnit: PROVIDER_UNIT,
  });
  demo.check(model.status().status === 'active', 'status is active');
  for (const path of allFiles) demo.check(existsSync(path), `${demo.path(path)} exists`);
  demo.check(fileFacts(files.serverKey)?.mode === 0o600, 'server key has mode 0600');
  demo.check(fileFacts(files.clientKey)?.mode === 0o600, 'client key has mode 0600');
  demo.check(bundleContains(bundle(), ca.caPem), 'the CA is in the sandbox trust bundle');
  const verified = verifyWithOpenssl(demo.bundlePath, files.serverCert);
  demo.check(verified.ok, `openssl verify -CAfile <bundle> server.crt: ${verified.output}`);

  const before = snapshot(demo.watchedFiles());
  const again = await demo.hook('certificates-relation-changed', 'same data again: nothing to do', {
    relationId,
    remoteUnit: PROVIDER_UNIT,
  });
  const after = snapshot(demo.watchedFiles());
  demo.check(
    before.size === after.size && [...before].every(([p, h]) => after.get(p) === h),
    'no file and no trust bundle changed',
  );
  demo.check(
    again.calls.every((c) => c.tool !== 'relation-set'),
    'no relation-set',
  );
  demo.check(
    again.calls.every((c) => c.tool !== 'status-set'),
    'status unchanged, so no status-set',
  );
  demo.check(
    !again.calls.some((c) => c.tool === 'juju-log' && !c.args.includes('DEBUG') && !c.args.includes('TRACE')),
    'nothing happened, so no juju-log above DEBUG',
  );
  demo.check(again.calls.length <= 6, `${again.calls.length} hook-tool calls (at most 6)`);

  const oldCa = ca.caPem;
  await ca.rotate();
  const rotated = await ca.answer(model, relationId, { providerUnit: PROVIDER_UNIT });
  demo.print(`\n    the CA rotates its key and re-issues: ${rotated.issued} certificate(s)`);
  await demo.hook('certificates-relation-changed', 'after the CA rotation', {
    relationId,
    remoteUnit: PROVIDER_UNIT,
  });
  const trusted = bundle();
  demo.check(bundleContains(trusted, ca.caPem), 'the new CA is in the sandbox trust bundle');
  demo.check(!bundleContains(trusted, oldCa), 'the old CA is no longer in the sandbox trust bundle');
  const reverified = verifyWithOpenssl(demo.bundlePath, files.serverCert);
  demo.check(reverified.ok, `openssl verify -CAfile <bundle> server.crt: ${reverified.output}`);
  demo.check(model.status().status === 'active', 'status is active');
}

const V4_PROVIDER = 'self-signed-certificates';
const V4_PROVIDER_UNIT = `${V4_PROVIDER}/0`;
const PRIVATE_KEY = /PRIVATE KEY/;

/** Every databag of every relation of the model, as `(where, key, value)`: what travels. */
function everyDatabag(model: FakeModel): { where: string; key: string; value: string }[] {
  const out: { where: string; key: string; value: string }[] = [];
  const add = (where: string, bag: Record<string, string>) => {
    for (const [key, value] of Object.entries(bag)) out.push({ where, key, value });
  };
  for (const id of model.relationIds()) {
    add(`${id} ${UNIT}`, model.localUnitData(id));
    add(`${id} ${UNIT.split('/')[0]} (app)`, model.localAppData(id));
    add(`${id} ${model.remoteApp(id)} (app)`, model.remoteAppData(id));
    for (const unit of model.remoteUnits(id)) add(`${id} ${unit}`, model.remoteUnitData(id, unit));
  }
  return out;
}

/** The CSRs our unit publishes (v4), as PEM strings; empty when none or unreadable. */
function publishedCsrs(model: FakeModel, relationId: string): string[] {
  const raw = model.localUnitData(relationId).certificate_signing_requests;
  if (raw === undefined) return [];
  try {
    const list = JSON.parse(raw) as { certificate_signing_request?: unknown }[];
    return list.map((e) => String(e.certificate_signing_request ?? ''));
  } catch {
    return [];
  }
}

/** Hook-tool calls of a run that touch secrets (`secret-add`, `secret-set`, …). */
function secretCalls(run: HookRun): number {
  return run.calls.filter((c) => c.tool.startsWith('secret-')).length;
}

/**
 * The same charm with `protocol=v4` against a v4 provider (the EmbeddedCa's v4 mode, as
 * self-signed-certificates answers): keys made on the unit, CSRs on the wire, renewal by
 * secret-expired on the fake clock, a revocation with a CA rotation, relation-broken.
 */
async function runV4Story(demo: Demo, ca: EmbeddedCa): Promise<void> {
  const { model, charmDir } = demo;
  const files = certPaths(charmDir);
  const bundle = () => (existsSync(demo.bundlePath) ? readFileSync(demo.bundlePath, 'utf8') : '');
  const sha = (path: string) => fileFacts(path)?.sha256;
  demo.print(
    '\n== Part 2: the same charm with protocol=v4, against a v4 provider (keys never leave the unit)',
  );

  await demo.hook('install', 'config protocol=v4, no relation yet');
  const relationId = model.addRelation('certificates', V4_PROVIDER);
  model.addRemoteUnit(relationId, V4_PROVIDER_UNIT);
  const where = { relationId, remoteUnit: V4_PROVIDER_UNIT };
  await demo.hook(
    'certificates-relation-joined',
    'the v4 provider joined: keys made here, CSRs published',
    where,
  );
  const csrs = publishedCsrs(model, relationId);
  demo.print('    published in our unit databag:');
  for (const [key, value] of Object.entries(model.localUnitData(relationId)).sort())
    demo.print(`      ${key} = ${clip(value, 100)}`);
  demo.check(csrs.length === 2, `${csrs.length} CSRs published (server and client)`);
  demo.check(
    fileFacts(files.serverKey)?.mode === 0o600,
    'the server key is on the unit, mode 0600, before any answer',
  );
  const bags = everyDatabag(model);
  demo.check(
    bags.every((b) => !PRIVATE_KEY.test(b.value)),
    `no "PRIVATE KEY" in any databag (${bags.length} keys scanned in ${new Set(bags.map((b) => b.where)).size} databags)`,
  );

  const first = await ca.answerV4(model, relationId, { providerUnit: V4_PROVIDER_UNIT });
  demo.print(
    `\n    the v4 provider answers in its app databag: ${first.issued} certificate(s) signed from our CSRs`,
  );
  await demo.hook('certificates-relation-changed', 'the answer: certificates accepted, files written', where);
  demo.check(model.status().status === 'active', 'status is active');
  demo.check(bundleContains(bundle(), ca.caPem), 'the CA is in the sandbox trust bundle');
  const verified = verifyWithOpenssl(demo.bundlePath, files.serverCert);
  demo.check(verified.ok, `openssl verify -CAfile <bundle> server.crt: ${verified.output}`);
  const answered = everyDatabag(model);
  demo.check(
    answered.every((b) => !PRIVATE_KEY.test(b.value)),
    `no "PRIVATE KEY" in any databag after the answer (${answered.length} keys scanned in ${new Set(answered.map((b) => b.where)).size} databags)`,
  );
  const keyBefore = sha(files.serverKey);
  const certBefore = certificateFacts(readFileSync(files.serverCert, 'utf8')).fingerprint256;

  const before = snapshot([...demo.watchedFiles(), demo.stateFile]);
  const steady = await demo.hook(
    'certificates-relation-changed',
    'the same data again: a steady hook',
    where,
  );
  const after = snapshot([...demo.watchedFiles(), demo.stateFile]);
  const writes = [...after].filter(([p, h]) => before.get(p) !== h).length;
  const sets = steady.calls.filter((c) => c.tool === 'relation-set').length;
  demo.check(
    sets === 0 && secretCalls(steady) === 0 && writes === 0 && before.size === after.size,
    `steady: ${sets} relation-set, ${secretCalls(steady)} secret calls, ${writes} writes`,
  );

  const expiry = certificateFacts(readFileSync(files.serverCert, 'utf8')).notAfter;
  const skip = expiry.getTime() - model.now().getTime() - 86_400_000;
  model.advanceClock(skip);
  const expired = model.expiredSecrets();
  demo.print(
    `\n    the fake clock moves ${Math.round(skip / 86_400_000)} days on: ${expired.length} certificate secret(s) expired (renewal time reached)`,
  );
  demo.check(expired.length > 0, 'the renewal time is on a secret expiry');
  for (const secret of expired) {
    await demo.hook('secret-expired', `renewal of ${secret.label ?? secret.id}: a new CSR, same key`, {
      secretId: secret.uri,
    });
  }
  const renewedCsrs = publishedCsrs(model, relationId);
  demo.check(
    renewedCsrs.length === csrs.length && renewedCsrs.some((c) => !csrs.includes(c)),
    'a CSR differs from the one before (a renewal that resends the same CSR does nothing)',
  );
  await ca.answerV4(model, relationId, { providerUnit: V4_PROVIDER_UNIT });
  await demo.hook('certificates-relation-changed', 'the renewed certificate arrives', where);
  const certAfter = certificateFacts(readFileSync(files.serverCert, 'utf8')).fingerprint256;
  demo.check(sha(files.serverKey) === keyBefore, 'the same server key (byte for byte)');
  demo.check(certAfter !== certBefore, 'a new server certificate');
  demo.check(
    inspectPair(files.serverCert, files.serverKey),
    'the server certificate and key on disk are a matching pair',
  );

  const oldCa = ca.caPem;
  await ca.rotate();
  const revoked = await ca.answerV4(model, relationId, { providerUnit: V4_PROVIDER_UNIT });
  demo.print(
    `\n    the provider rotates its CA and revokes what the old one signed: ${revoked.revoked} revoked`,
  );
  await demo.hook('certificates-relation-changed', 'revoked: renewed at once (new CSRs)', where);
  const reissued = await ca.answerV4(model, relationId, { providerUnit: V4_PROVIDER_UNIT });
  demo.print(`    the provider signs the new CSRs with its new CA: ${reissued.issued} issued`);
  await demo.hook('certificates-relation-changed', 'the new CA and certificates', where);
  const trusted = bundle();
  demo.check(bundleContains(trusted, ca.caPem), 'the new CA is in the sandbox trust bundle');
  demo.check(!bundleContains(trusted, oldCa), 'the old CA is no longer in the sandbox trust bundle');
  const reverified = verifyWithOpenssl(demo.bundlePath, files.serverCert);
  demo.check(reverified.ok, `openssl verify -CAfile <bundle> server.crt: ${reverified.output}`);
  demo.check(model.status().status === 'active', 'status is active');

  const status = await demo.cli(['status']);
  demo.print('\n    bin/tls-client status (v4 unit):');
  // The head of the table, then each certificate's row and its renewal line (file rows left out).
  const statusLines = status.stdout.trimEnd().split('\n');
  const head = statusLines.slice(0, statusLines.findIndex((l) => l.startsWith('TYPE')) + 1);
  const rows = statusLines.filter((l) => /^(server|client) /.test(l) || /renewal: |request error: /.test(l));
  demo.print([...head, ...rows].map((line) => `      ${line}`).join('\n'));
  demo.check(status.stdout.includes(`${relationId} (v4)`), `tls-client status shows ${relationId} (v4)`);

  model.removeRelation(relationId);
  await demo.hook('certificates-relation-broken', 'the relation is removed', { relationId });
  demo.check(!bundleContains(bundle(), ca.caPem), 'the CA is withdrawn from the trust bundle');
  demo.check(existsSync(files.serverKey), 'the keys stay on disk (removeFilesOnBroken is off)');
  const left = model.secrets().filter((x) => x.ownedByUs && /certificate/.test(x.label ?? ''));
  demo.check(left.length === 0, `${left.length} certificate secrets left`);
  demo.check(model.status().status === 'blocked', 'status is blocked: no relation');
  const allBags = everyDatabag(model);
  demo.check(
    allBags.every((b) => !PRIVATE_KEY.test(b.value)),
    'still no "PRIVATE KEY" in any databag',
  );
}

/** Whether a certificate file and a key file hold a matching pair (openssl, public keys compared). */
function inspectPair(certPath: string, keyPath: string): boolean {
  const pub = (args: string[]) =>
    spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 }).stdout.trim();
  const fromCert = pub(['x509', '-in', certPath, '-noout', '-pubkey']);
  const fromKey = pub(['pkey', '-in', keyPath, '-pubout']);
  return fromCert !== '' && fromCert === fromKey;
}

async function printSummary(demo: Demo): Promise<void> {
  const files = certPaths(demo.charmDir);
  const log = (text = '') => console.log(text);

  log('\n== Files');
  const rows = demo.watchedFiles().map((path) => {
    const facts = fileFacts(path);
    return facts
      ? [formatMode(facts.mode), `${facts.owner}:${facts.group}`, String(facts.size), demo.path(path)]
      : ['-', '-', '-', `${demo.path(path)} (missing)`];
  });
  log(textTable(['mode', 'owner', 'bytes', 'path'], rows));

  log('\n== Certificates');
  for (const path of [files.serverCert, files.clientCert, files.caCert]) {
    if (!existsSync(path)) continue;
    try {
      const c = certificateFacts(readFileSync(path, 'utf8'));
      log(`  ${demo.path(path)}`);
      log(`    subject  ${c.subject}`);
      log(`    issuer   ${c.issuer}`);
      if (c.sans.length > 0) log(`    SANs     ${c.sans.join(', ')}`);
      log(`    expires  ${c.notAfter.toISOString()} (${c.daysLeft} days left)`);
      if (c.blocks > 1) log(`    chain    ${c.blocks - 1} more certificate(s) after the leaf`);
    } catch (error) {
      log(`  ${demo.path(path)}: unreadable (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  log('\n== bin/tls-client status (the layer CLI shipped in the charm, run as juju exec would)');
  const status = await demo.cli(['status']);
  log(
    status.stdout
      .trimEnd()
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
  );
  if (status.stderr.trim() !== '') log(`  stderr: ${clip(status.stderr.trim(), 300)}`);
  demo.check(status.exitCode === 0, 'tls-client status exits 0');
  const check = await demo.cli(['check']);
  log(`  tls-client check: exit ${check.exitCode} (exit codes: 0 = ok, 1 = warnings, 2 = errors)`);
  demo.check(check.exitCode === 0, 'tls-client check reports no warning or error');

  printCallTable(demo, 'Hook-tool calls per hook');
}

/** The table of hook-tool calls per hook of one unit. */
function printCallTable(demo: Demo, title: string): void {
  const log = (text = '') => console.log(text);
  log(`\n== ${title}`);
  const tools = [...new Set(demo.hooks.flatMap((h) => [...h.calls.keys()]))].sort();
  log(
    textTable(
      ['#', 'hook', 'ms', 'exit', 'total', ...tools],
      demo.hooks.map((h) => [
        String(h.step),
        h.hook,
        h.ms.toFixed(0),
        String(h.exitCode),
        String([...h.calls.values()].reduce((a, b) => a + b, 0)),
        ...tools.map((t) => String(h.calls.get(t) ?? 0)),
      ]),
    ),
  );
}

async function main(): Promise<number> {
  let values: { clean: boolean; quiet: boolean; help: boolean; charm?: string | undefined };
  try {
    ({ values } = parseArgs({
      options: {
        charm: { type: 'string' },
        clean: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'tls-client-demo-'));
  const charmDir = join(dir, 'charm');
  const trustRoot = join(dir, 'trust-root');
  let demo: Demo | undefined;
  let v4Demo: Demo | undefined;
  try {
    console.log('tls-client demo: the demo charm under a fake Juju, answered by an embedded CA');
    console.log(`  directory   ${dir}`);
    const charmFile = await installPackedCharm(charmDir, {
      charmFile: values.charm,
      outDir: dir,
      log: values.quiet ? undefined : (line) => console.log(`  ${line}`),
    });
    const nodeVersion = spawnSync(join(charmDir, 'bin/node'), ['--version'], {
      encoding: 'utf8',
    }).stdout.trim();
    await prepareDebianRoot(trustRoot);
    const model = await FakeModel.create({
      unit: UNIT,
      charmDir,
      dir: join(dir, 'juju'),
      // The charm dir is a temp dir, and readStatus reads the state under it.
      stateDir: false,
      config: {},
      ...ADDRESSES,
    });
    model.setNetwork('certificates', unitNetwork(ADDRESSES.publicAddress, ADDRESSES.privateAddress));
    console.log(`  .charm      ${charmFile} (${(statSync(charmFile).size / 1e6).toFixed(1)} MB)`);
    console.log(
      `  charm       ${charmDir} (unpacked ${basename(charmFile)}; dispatch → bin/node ${nodeVersion} lib/charm.mjs)`,
    );
    console.log(`  trust root  ${trustRoot} (sandbox for update-ca-certificates)`);
    console.log(`  fake juju   ${model.dir}`);
    const ca = await EmbeddedCa.create({ commonName: 'tls-client demo CA' });
    demo = new Demo(dir, charmDir, trustRoot, model, values.quiet);
    await runDemo(demo, ca);
    await printSummary(demo);

    // Part 2: the same .charm on a second unit with protocol=v4, answered by the CA's v4 mode.
    const v4Dir = join(dir, 'v4');
    const v4CharmDir = join(v4Dir, 'charm');
    const v4TrustRoot = join(v4Dir, 'trust-root');
    await installPackedCharm(v4CharmDir, { charmFile, outDir: dir });
    await prepareDebianRoot(v4TrustRoot);
    const v4Model = await FakeModel.create({
      unit: UNIT,
      charmDir: v4CharmDir,
      dir: join(v4Dir, 'juju'),
      stateDir: false,
      config: { protocol: 'v4' },
      ...ADDRESSES,
    });
    v4Model.setNetwork('certificates', unitNetwork(ADDRESSES.publicAddress, ADDRESSES.privateAddress));
    console.log(
      `\n  v4 unit     ${v4CharmDir} (the same .charm, config protocol=v4; its own trust root and fake Juju)`,
    );
    v4Demo = new Demo(dir, v4CharmDir, v4TrustRoot, v4Model, values.quiet, demo.lastStep);
    await runV4Story(v4Demo, await EmbeddedCa.create({ commonName: 'tls-client demo v4 CA' }));
    printCallTable(v4Demo, 'Hook-tool calls per hook (v4 unit)');
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`\ndemo: step failed: ${message}`);
    demo?.failures.push('the demo aborted');
    if (!demo) {
      if (values.clean) rmSync(dir, { recursive: true, force: true });
      else console.error(`  files kept in ${dir}`);
      return 1;
    }
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const failures = [...demo.failures, ...(v4Demo?.failures ?? [])];
  console.log(
    `\n== Result: ${failures.length === 0 ? 'all checks passed' : `${failures.length} check(s) failed`} in ${seconds} s`,
  );
  for (const failure of failures) console.log(`  FAIL  ${failure}`);
  if (values.clean) {
    rmSync(dir, { recursive: true, force: true });
    console.log(`  removed ${dir}`);
  } else {
    console.log(`  files kept in ${dir}`);
    console.log(`  look around: ls -la ${join(dir, 'charm/certs')}; remove with rm -rf ${dir}`);
  }
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
