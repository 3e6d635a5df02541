// hookenv: how many hook-tool calls a certificates-relation-changed with one provider unit costs
// through RelationDataView, and what one fake tool call costs against `node -e 0` (the floor of
// any Node subprocess) in the same run, including secret-add through its 0600 content files.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { HookTools, RelationDataView } from '../../packages/hookenv/dist/index.js';
import { FakeModel } from '../../packages/testing/dist/index.js';
import { report } from './lib.mjs';

const run = promisify(execFile);
const UNIT = 'web/0';
const PEM = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(64)}\n`
  .repeat(20)
  .concat('-----END CERTIFICATE-----\n');

const charmDir = await mkdtemp(join(tmpdir(), 'hookenv-bench-'));
const model = await FakeModel.create({ unit: UNIT, charmDir });
try {
  const rel = model.addRelation('certificates', 'easyrsa');
  model.addRemoteUnit(rel, 'easyrsa/0', {
    ca: PEM,
    chain: PEM,
    'web_0.server.cert': PEM,
    'web_0.server.key': PEM.replaceAll('CERTIFICATE', 'PRIVATE KEY'),
    'web_0.processed_requests': JSON.stringify({ 'web.internal': { cert: PEM, key: PEM } }),
  });

  // One hook as the façade runs it: find the relation and its units, read the provider's and our
  // own databag, publish the request, flush.
  async function relationChanged() {
    const { env, contextId } = model.hookEnv('certificates-relation-changed', { relationId: rel });
    const tools = new HookTools({ env });
    const view = new RelationDataView(tools, { localUnit: UNIT });
    for (const id of await tools.relationIds('certificates')) {
      for (const unit of await tools.relationList(id)) await view.get(id, unit);
      await view.get(id, UNIT);
      await view.set(id, {
        unit_name: 'web_0',
        common_name: 'web.internal',
        sans: '["web.internal","10.0.0.10"]',
        cert_requests: '{}',
      });
    }
    const { relationSets } = await view.flush();
    model.endHook(contextId, { success: true });
    return { calls: tools.callsByTool, total: tools.callCount, relationSets };
  }

  const first = await relationChanged();
  const steady = await relationChanged();
  const row = (name, r) => ({
    hook: name,
    'relation-ids': r.calls['relation-ids'] ?? 0,
    'relation-list': r.calls['relation-list'] ?? 0,
    'relation-get (view reads)': r.calls['relation-get'] ?? 0,
    'relation-set (view writes)': r.relationSets,
    'total tool calls': r.total,
  });
  console.log('\n## hook-tool calls for certificates-relation-changed, one provider unit');
  console.table([row('first (request published)', first), row('next (nothing changed)', steady)]);

  // Cost of one call. The fake tool is a Node process that locks and rewrites the state file.
  const { env, contextId } = model.hookEnv('certificates-relation-changed', { relationId: rel });
  const tools = new HookTools({ env });
  const key = PEM.replaceAll('CERTIFICATE', 'PRIVATE KEY');
  const secret = await tools.secretAdd({ 'private-key': key }, { owner: 'unit' });
  // Interleaved (one run of each case per round), so load from anything else on the machine hits
  // the baseline and the subjects alike.
  const cases = {
    floor: () => run(process.execPath, ['-e', '0']),
    rawFake: () => run(join(model.binDir, 'relation-list'), ['--format=json', '-r', rel], { env }),
    list: () => tools.relationList(rel),
    get: () => tools.relationGet(rel, 'easyrsa/0'),
    set: () => tools.relationSet(rel, { common_name: 'web.internal' }),
    secretAdd: () => tools.secretAdd({ 'private-key': key, csr: PEM }, { owner: 'unit' }),
    secretGet: () => tools.secretGet({ id: secret }),
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < 24; round++) {
    for (const [name, fn] of Object.entries(cases)) {
      const start = performance.now();
      await fn();
      if (round >= 3) times[name].push(performance.now() - start);
    }
  }
  const med = (name) => times[name].sort((a, b) => a - b)[Math.floor(times[name].length / 2)];
  const [nodeFloor, rawFake, viaClientList, viaClientGet, viaClientSet, secretAdd, secretGet] =
    Object.keys(cases).map(med);
  model.endHook(contextId, { success: false });
  report('one hook-tool call vs `node -e 0`', [
    { case: 'node -e 0 (baseline)', ms: nodeFloor, baselineMs: nodeFloor },
    { case: 'fake relation-list, spawned directly', ms: rawFake, baselineMs: nodeFloor },
    { case: 'HookTools.relationList (fake)', ms: viaClientList, baselineMs: nodeFloor },
    { case: 'HookTools.relationGet, 6 keys ~9 KB (fake)', ms: viaClientGet, baselineMs: nodeFloor },
    { case: 'HookTools.relationSet via stdin (fake)', ms: viaClientSet, baselineMs: nodeFloor },
    { case: 'HookTools.secretAdd, 2 keys via 0600 files (fake)', ms: secretAdd, baselineMs: nodeFloor },
    { case: 'HookTools.secretAdd vs relationSet', ms: secretAdd, baselineMs: viaClientSet },
    { case: 'HookTools.secretGet (fake)', ms: secretGet, baselineMs: nodeFloor },
  ]);
  console.log(
    `\nA first relation-changed costs ~${(first.total * viaClientGet).toFixed(0)} ms in tool calls ` +
      `(${first.total} calls); the steady state ~${(steady.total * viaClientGet).toFixed(0)} ms (${steady.total} calls).`,
  );
} finally {
  await model.cleanup();
  await rm(charmDir, { recursive: true, force: true });
}
