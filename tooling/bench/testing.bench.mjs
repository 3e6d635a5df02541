// @tls-client/testing: what a fake hook-tool call, a fake hook run and an issued certificate cost,
// each against a baseline measured in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCsr, generatePrivateKey } from '../../packages/csr/dist/index.js';
import { encodeCsrRequests } from '../../packages/protocol/dist/v4.js';
import { EmbeddedCa, FakeModel } from '../../packages/testing/dist/index.js';
import { median, report } from './lib.mjs';

const charmDir = mkdtempSync(join(tmpdir(), 'bench-testing-'));
const model = await FakeModel.create({ unit: 'app/0', charmDir });
const rel = model.addRelation('certificates', 'easyrsa');
const ca = await EmbeddedCa.create({ withIntermediate: true });
const pem = ca.issue({ type: 'server', commonName: 'a.example', sans: ['a.example'] });
model.addRemoteUnit(rel, 'easyrsa/0', {
  ca: ca.caPem,
  'app_0.server.cert': pem.cert,
  'app_0.server.key': pem.key,
});
const { env, contextId } = model.hookEnv('certificates-relation-changed');
const tool = (name, args, input) => execFileSync(join(model.binDir, name), args, { env, input: input ?? '' });

// The machine may be busy: measure the baseline again right before each case.
const nodeBaseline = () => median(() => execFileSync(process.execPath, ['-e', '0']), { runs: 15, warmup: 2 });
const rows = [];
for (const [name, args, input] of [
  ['is-leader', ['--format=json']],
  ['relation-get', ['--format=json', '-', 'easyrsa/0']],
  ['relation-set', ['--file', '-'], JSON.stringify({ cert: pem.cert, key: pem.key })],
]) {
  const baselineMs = await nodeBaseline();
  const ms = await median(() => tool(name, args, input), { runs: 15, warmup: 2 });
  rows.push({ case: `fake ${name}`, ms, baselineMs, extra: { baseline: 'node -e 0' } });
}
model.endHook(contextId, { success: true });
report('one fake hook-tool call vs starting node', rows);

const trueBaseline = await median(() => spawnSync('true'), { runs: 15, warmup: 2 });
const hookMs = await median(() => model.runHook('update-status', { command: ['true'] }), {
  runs: 15,
  warmup: 2,
});
report('FakeModel.runHook of `true` vs spawning `true`', [
  {
    case: 'runHook (context, env, commit)',
    ms: hookMs,
    baselineMs: trueBaseline,
    extra: { baseline: 'spawn true' },
  },
]);

const issueRows = [];
for (const keyType of ['ec', 'rsa']) {
  const issuer = await EmbeddedCa.create({ keyType });
  const keygen = await median(
    () =>
      keyType === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    { runs: keyType === 'rsa' ? 5 : 15, warmup: 1 },
  );
  const ms = await median(
    () => issuer.issue({ type: 'server', commonName: 'b.example', sans: ['b.example', '10.0.0.1'] }),
    {
      runs: keyType === 'rsa' ? 5 : 15,
      warmup: 1,
    },
  );
  issueRows.push({
    case: `issue ${keyType} cert + key`,
    ms,
    baselineMs: keygen,
    extra: { baseline: 'key generation only' },
  });
}
report('EmbeddedCa.issue vs generating the key alone', issueRows);

// v4: one requirer unit with 3 CSRs, answered from scratch (parse, sign, encode, publish) against
// signing the same 3 certificates with the legacy issue().
const v4Rel = model.addRelation('certificates', 'self-signed-certificates');
const csrKey = await generatePrivateKey({ type: 'ec' });
const csrs = await Promise.all(
  ['a', 'b', 'c'].map((n) => createCsr(csrKey, { commonName: `${n}.example`, sansDns: [`${n}.example`] })),
);
model.setLocalUnitData(
  v4Rel,
  encodeCsrRequests({ requests: csrs.map((c) => ({ certificateSigningRequest: c, ca: false })) }).data,
);
const v4Ca = await EmbeddedCa.create();
const issue3 = await median(
  () => {
    for (const n of ['a', 'b', 'c'])
      v4Ca.issue({ type: 'server', commonName: `${n}.example`, sans: [`${n}.example`] });
  },
  { runs: 15, warmup: 2 },
);
const answer3 = await median(
  async () => {
    model.setRemoteAppData(v4Rel, {}, { replace: true });
    await v4Ca.answerV4(model, v4Rel);
  },
  { runs: 15, warmup: 2 },
);
report('EmbeddedCa.answerV4 of 3 CSRs vs 3 legacy issue() calls', [
  {
    case: 'answerV4, 3 new CSRs',
    ms: answer3,
    baselineMs: issue3,
    extra: { baseline: '3 × issue (key + cert)' },
  },
]);

await model.cleanup();
rmSync(charmDir, { recursive: true, force: true });
