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

it('renews an expired secret and follows a shared one', async () => {
  const charmDir = await mkdtemp(join(tmpdir(), 'charm-'));
  const dispatch = `#!/bin/sh
case "$JUJU_HOOK_NAME" in
  install) secret-add --owner unit --label cert --expire 720h certificate=v1 >/dev/null ;;
  secret-expired)
    secret-set "$JUJU_SECRET_ID" certificate=v2 --expire 720h
    secret-remove "$JUJU_SECRET_ID" --revision "$JUJU_SECRET_REVISION" ;;
  secret-changed) secret-get --refresh "$JUJU_SECRET_ID" >/dev/null ;;
esac
`;
  await writeFile(join(charmDir, 'dispatch'), dispatch, { mode: 0o755 });
  const model = await FakeModel.create({ unit: 'web/0', charmDir });
  const rel = model.addRelation('certificates', 'vault');
  await model.runHook('install');

  model.advanceClock(31 * 24 * 3600_000); // the fake clock, 31 days on
  const [expired] = model.expiredSecrets();
  expect(expired).toMatchObject({ label: 'cert', revision: 1 });
  await model.runHook('secret-expired', { secretId: expired?.uri, secretRevision: expired?.revision });
  expect(model.secret(expired!.uri).revisions.map((r) => r.revision)).toEqual([2]);
  expect(model.expiredSecrets()).toEqual([]);

  // A secret another application shares with us, then a new revision of it.
  const theirs = model.addSecret({ owner: 'vault', content: { token: 'a' }, grant: { relationId: rel } });
  model.setSecretContent(theirs, { token: 'b' });
  await model.runHook('secret-changed', { secretId: theirs });
  expect(model.secret(theirs).trackedRevision).toBe(2);
  await model.cleanup();
  await rm(charmDir, { recursive: true });
});
