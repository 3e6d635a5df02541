import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { connectAndIssue, expectOk, standardSpec } from './scenario.js';

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'TlsClient.run when juju-log fails (update-ca-certificates found)',
  () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it('still succeeds, and writes the problem to stderr instead of the unit log', async () => {
      h = await createHarness({});
      await h.setSpec(standardSpec(h.out));
      const ca = await EmbeddedCa.create();
      const rel = await connectAndIssue(h, ca);

      // A juju-log that always fails, first on PATH.
      const broken = join(h.dir, 'broken-log');
      await mkdir(broken);
      await writeFile(
        join(broken, 'juju-log'),
        '#!/bin/sh\necho "ERROR cannot reach the agent" >&2\nexit 1\n',
      );
      await chmod(join(broken, 'juju-log'), 0o755);

      await ca.answer(h.model, rel, { fault: 'mismatched-key' });
      const run = await h.hook('certificates-relation-changed', {
        relationId: rel,
        env: { PATH: `${broken}:${h.env.PATH}` },
      });
      expectOk(run);
      expect(run.last.problems?.length).toBeGreaterThan(0);
      expect(run.stderr).toMatch(
        /^ERROR tls-client: skipped provider data: .*relation key "myapp_0\.server\.cert"/m,
      );
      expect(run.stderr).not.toMatch(/-----BEGIN|MII[A-Za-z0-9+/]{20}/);
    });
  },
);
