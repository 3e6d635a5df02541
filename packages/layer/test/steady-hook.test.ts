import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedCa } from '@tls-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type CharmSpec, createHarness, type Harness, UPDATE_CA_CERTIFICATES } from './helpers.js';
import { connectAndIssue, expectOk, standardSpec } from './scenario.js';

/** One hook-tool call as the timing wrappers saw it (nanoseconds). */
interface TimedCall {
  tool: string;
  start: bigint;
  end: bigint;
}

/**
 * Puts a wrapper in front of every fake hook tool that logs when it started and ended, so the test
 * can tell which calls overlapped. Returns the directory to put first on PATH and a reader.
 */
async function timeTools(h: Harness): Promise<{ bin: string; read: () => Promise<TimedCall[]> }> {
  const bin = join(h.dir, 'timed-bin');
  const log = join(h.dir, 'tool-times.log');
  await mkdir(bin);
  for (const tool of await readdir(h.model.binDir)) {
    const wrapper = join(bin, tool);
    await writeFile(
      wrapper,
      // The sleep makes every call last long enough that calls started together always overlap,
      // and calls that waited for another never do, however loaded the machine.
      `#!/bin/sh\ns=$(date +%s%N)\nsleep 0.4\n'${join(h.model.binDir, tool)}' "$@"\nrc=$?\necho "${tool} $s $(date +%s%N)" >> '${log}'\nexit $rc\n`,
    );
    await chmod(wrapper, 0o755);
  }
  return {
    bin,
    async read() {
      const text = await readFile(log, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [tool, start, end] = line.split(' ');
          return { tool: tool!, start: BigInt(start!), end: BigInt(end!) };
        });
    },
  };
}

/**
 * Sequential rounds: a call is in round 1 + the highest round of the calls that ended before it
 * started. Calls that overlap are in the same round.
 */
export function countRounds(calls: readonly TimedCall[]): number {
  const sorted = [...calls].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const rounds: number[] = [];
  for (const [i, call] of sorted.entries()) {
    let round = 1;
    for (let j = 0; j < i; j++) if (sorted[j]!.end <= call.start) round = Math.max(round, rounds[j]! + 1);
    rounds.push(round);
  }
  return Math.max(0, ...rounds);
}

describe('countRounds', () => {
  it('puts overlapping calls in one round and chained ones in successive rounds', () => {
    const c = (start: number, end: number) => ({ tool: 't', start: BigInt(start), end: BigInt(end) });
    expect(countRounds([])).toBe(0);
    expect(countRounds([c(0, 10), c(1, 9), c(2, 12)])).toBe(1);
    expect(countRounds([c(0, 10), c(11, 20), c(12, 19), c(21, 30)])).toBe(3);
  });
});

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'the steady hook (update-ca-certificates found)',
  () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it('a steady relation-changed: 4 hook-tool calls in 1 round, no relation-set, no juju-log', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      await h.setSpec(standardSpec(h.out));
      const rel = await connectAndIssue(h, ca);
      expectOk(await h.hook('certificates-relation-changed', { relationId: rel }));
      const timed = await timeTools(h);

      const steady = await h.hook('certificates-relation-changed', {
        relationId: rel,
        env: { PATH: `${timed.bin}:${h.env.PATH}` },
      });
      expectOk(steady);
      const calls = await timed.read();
      expect(calls.map((c) => c.tool).sort()).toEqual([
        'relation-get',
        'relation-get',
        'relation-ids',
        'relation-list',
      ]);
      expect(countRounds(calls)).toBe(1);
      expect(steady.last.result).toMatchObject({
        relationSets: 0,
        filesWritten: [],
        changes: { any: false },
      });
    });

    it('update-status, with the relation remembered from the last hook, also reads in 1 round', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      await h.setSpec(standardSpec(h.out));
      await connectAndIssue(h, ca);
      const timed = await timeTools(h);
      const steady = await h.hook('update-status', { env: { PATH: `${timed.bin}:${h.env.PATH}` } });
      expectOk(steady);
      const calls = await timed.read();
      expect(calls).toHaveLength(4);
      expect(countRounds(calls)).toBe(1);
    });

    it('a wrong guess costs calls, never correctness: a new provider unit is read in the same hook', async () => {
      const ca = await EmbeddedCa.create();
      h = await createHarness({});
      await h.setSpec(standardSpec(h.out));
      const rel = await connectAndIssue(h, ca);
      // Another unit joins, and the first one goes: the remembered unit list is wrong.
      h.model.addRemoteUnit(rel, 'easyrsa/1');
      await ca.answer(h.model, rel, { providerUnit: 'easyrsa/1' });
      h.model.removeRemoteUnit(rel, 'easyrsa/0');
      const timed = await timeTools(h);
      const run = await h.hook('update-status', { env: { PATH: `${timed.bin}:${h.env.PATH}` } });
      expectOk(run);
      expect(run.last.problems).toEqual([]);
      const calls = await timed.read();
      expect(calls.filter((c) => c.tool === 'relation-get')).toHaveLength(3);
      expect(countRounds(calls)).toBe(2);
    });
  },
);

/** One v4 server certificate, under the given protocol option. */
function v4Spec(out: string, protocol: 'auto' | 'v4'): CharmSpec {
  return {
    options: { protocol, caCertificatePath: join(out, 'ca', 'ca.crt') },
    requests: [
      {
        type: 'server',
        commonName: 'myapp.internal',
        sans: ['myapp.internal'],
        files: { certPath: join(out, 'server', 'server.crt'), keyPath: join(out, 'server', 'server.key') },
      },
    ],
  };
}

describe.skipIf(UPDATE_CA_CERTIFICATES === undefined)(
  'the steady v4 hook (update-ca-certificates found)',
  () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    /** install → relation to a v4 provider → CSR published → answered → written → steady. */
    async function connectV4(harness: Harness, ca: EmbeddedCa): Promise<string> {
      expectOk(await harness.hook('install'));
      const rel = harness.model.addRelation('certificates', 'self-signed-certificates');
      harness.model.addRemoteUnit(rel, 'self-signed-certificates/0');
      expectOk(await harness.hook('certificates-relation-joined', { relationId: rel }));
      expectOk(await harness.hook('certificates-relation-changed', { relationId: rel }));
      await ca.answerV4(harness.model, rel);
      expectOk(await harness.hook('certificates-relation-changed', { relationId: rel }));
      expectOk(await harness.hook('certificates-relation-changed', { relationId: rel }));
      return rel;
    }

    for (const protocol of ['v4', 'auto'] as const) {
      it(`protocol '${protocol}': a steady relation-changed makes the legacy hook's 4 calls in 1 round: relation-ids, relation-list, our relation-get, the provider's relation-get --app`, async () => {
        const ca = await EmbeddedCa.create({ keyType: 'rsa' });
        h = await createHarness({});
        await h.setSpec(v4Spec(h.out, protocol));
        const rel = await connectV4(h, ca);
        const timed = await timeTools(h);
        const updates = await h.updateCalls();

        const steady = await h.hook('certificates-relation-changed', {
          relationId: rel,
          env: { PATH: `${timed.bin}:${h.env.PATH}` },
        });
        expectOk(steady);
        expect(steady.last.result?.dialects).toEqual({ [rel]: 'v4' });
        // Exactly these calls: no provider unit databag, no relation-set, no secret call, no juju-log.
        expect(steady.calls.map((c) => `${c.tool} ${c.args.join(' ')}`).sort()).toEqual(
          [
            'relation-ids --format=json certificates',
            `relation-list --format=json -r ${rel}`,
            `relation-get --format=json -r ${rel} - myapp/0`,
            `relation-get --format=json -r ${rel} --app - self-signed-certificates`,
          ].sort(),
        );
        expect(countRounds(await timed.read())).toBe(1);
        expect(steady.last.result).toMatchObject({
          relationSets: 0,
          filesWritten: [],
          changes: { any: false },
        });
        expect(await h.updateCalls()).toBe(updates);
      });
    }

    it('update-status, with the relation remembered from the last hook, reads the same 4 in 1 round', async () => {
      const ca = await EmbeddedCa.create({ keyType: 'rsa' });
      h = await createHarness({});
      await h.setSpec(v4Spec(h.out, 'v4'));
      await connectV4(h, ca);
      const timed = await timeTools(h);
      const steady = await h.hook('update-status', { env: { PATH: `${timed.bin}:${h.env.PATH}` } });
      expectOk(steady);
      expect(steady.calls.map((c) => c.tool).sort()).toEqual([
        'relation-get',
        'relation-get',
        'relation-ids',
        'relation-list',
      ]);
      expect(countRounds(await timed.read())).toBe(1);
    });

    it('a renewed certificate in the application databag is still written (the unit databags are not needed)', async () => {
      const ca = await EmbeddedCa.create({ keyType: 'rsa' });
      h = await createHarness({});
      await h.setSpec(v4Spec(h.out, 'auto'));
      const rel = await connectV4(h, ca);
      const before = await readFile(join(h.out, 'server', 'server.crt'), 'utf8');
      // The provider answers again (a new certificate for the same CSR), and its unit databag
      // holds legacy keys that must not flip the settled dialect.
      h.model.setRemoteAppData(rel, {}, { replace: true });
      await ca.answerV4(h.model, rel);
      h.model.setRemoteUnitData(rel, 'self-signed-certificates/0', { ca: ca.caPem });
      const run = await h.hook('certificates-relation-changed', { relationId: rel });
      expectOk(run);
      expect(run.last.result?.dialects).toEqual({ [rel]: 'v4' });
      expect(run.last.result?.changes.certificates).toEqual([
        { type: 'server', commonName: 'myapp.internal', kind: 'renewed' },
      ]);
      expect(await readFile(join(h.out, 'server', 'server.crt'), 'utf8')).not.toBe(before);
      expect(run.calls.filter((c) => c.args.includes('self-signed-certificates/0'))).toEqual([]);
    });
  },
);
