// The README's example, kept runnable: a tiny shell charm tested against the fake Juju.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { EmbeddedCa, FakeModel } from '../src/index.js';

it('publishes its unit name when the relation joins', async () => {
  const charmDir = await mkdtemp(join(tmpdir(), 'charm-'));
  const dispatch = `#!/bin/sh
echo "{\\"unit_name\\": \\"$JUJU_UNIT_NAME\\"}" | relation-set --file -
status-set active -- joined
`;
  await writeFile(join(charmDir, 'dispatch'), dispatch, { mode: 0o755 });
  const model = await FakeModel.create({ unit: 'web/0', charmDir });
  const rel = model.addRelation('certificates', 'easyrsa');
  model.addRemoteUnit(rel, 'easyrsa/0');

  const run = await model.runHook('certificates-relation-joined');

  expect(run.exitCode).toBe(0);
  expect(run.calls.map((c) => c.tool)).toEqual(['relation-set', 'status-set']);
  expect(model.localUnitData(rel)).toEqual({ unit_name: 'web/0' });
  expect(model.status()).toEqual({ status: 'active', message: 'joined' });

  const ca = await EmbeddedCa.create();
  await ca.answer(model, rel); // nothing requested yet: publishes only the CA
  expect(model.remoteUnitData(rel, 'easyrsa/0').ca).toBe(ca.caPem);
  await model.cleanup();
  await rm(charmDir, { recursive: true });
});
