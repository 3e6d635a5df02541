import { EmbeddedCa } from '@tls-client/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CaIdentity,
  caIdentity,
  planCaRetirement,
  retiringName,
  signingCaIds,
} from '../src/ca-retirement.js';
import type { RetiringCa } from '../src/state.js';

const server = { type: 'server' as const, commonName: 'myapp.internal', sans: ['myapp.internal'] };

function identity(pem: string): CaIdentity {
  const id = caIdentity(pem);
  if (id === undefined) throw new Error('not a CA');
  return id;
}

function retiring(ca: CaIdentity): RetiringCa {
  return { name: retiringName('myapp', ca.id), id: ca.id, pem: ca.pem };
}

describe('caIdentity', () => {
  it('gives the same id for the same CA in other PEM text, and none for text without a certificate', async () => {
    const ca = await EmbeddedCa.create();
    const crlf = `\n\n${ca.caPem.replaceAll('\n', '\r\n')}\n`;
    expect(identity(crlf).id).toBe(identity(ca.caPem).id);
    expect(identity(ca.caPem).id).toMatch(/^[0-9a-f]{64}$/);
    expect(caIdentity('no certificate here')).toBeUndefined();
  });
});

describe('retiringName', () => {
  it('is the app name, "-retiring-" and the first 16 hex digits of the id', () => {
    expect(retiringName('myapp', 'ab'.repeat(32))).toBe(`myapp-retiring-${'ab'.repeat(8)}`);
  });
});

describe('signingCaIds', () => {
  let a: EmbeddedCa;
  let b: EmbeddedCa;
  beforeAll(async () => {
    a = await EmbeddedCa.create({ commonName: 'Same Name CA' });
    // The same subject as A: only the signature tells them apart.
    b = await EmbeddedCa.create({ commonName: 'Same Name CA' });
  });

  it('names the CA whose key signed a held certificate, not another CA with the same name', () => {
    const held = [a.issue(server).cert];
    expect(signingCaIds([identity(a.caPem), identity(b.caPem)], held)).toEqual(
      new Set([identity(a.caPem).id]),
    );
  });

  it('counts a root that signed the intermediate of a held chain', async () => {
    const ca = await EmbeddedCa.create({ withIntermediate: true });
    const leaf = ca.issue(server).cert;
    expect(signingCaIds([identity(ca.caPem)], [leaf])).toEqual(new Set());
    expect(signingCaIds([identity(ca.caPem)], [`${leaf}\n${ca.chainPem}`])).toEqual(
      new Set([identity(ca.caPem).id]),
    );
  });

  it('ignores held text that is not a certificate', () => {
    expect(
      signingCaIds(
        [identity(a.caPem)],
        ['garbage', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'],
      ),
    ).toEqual(new Set());
  });
});

describe('planCaRetirement', () => {
  let oldCa: CaIdentity;
  let newCa: CaIdentity;
  let older: CaIdentity;
  beforeAll(async () => {
    const ca = await EmbeddedCa.create();
    older = identity(ca.caPem);
    await ca.rotate();
    oldCa = identity(ca.caPem);
    await ca.rotate();
    newCa = identity(ca.caPem);
  });

  it('keeps the replaced CA under its retiring name while it signs a certificate we hold', () => {
    const plan = planCaRetirement({
      appName: 'myapp',
      installed: oldCa,
      incoming: newCa,
      retiring: [],
      signers: new Set([oldCa.id, newCa.id]),
    });
    expect(plan).toEqual({ add: [retiring(oldCa)], install: newCa, keep: [retiring(oldCa)], withdraw: [] });
  });

  it('lets the new CA replace the old one outright when the old one signs nothing we hold', () => {
    const plan = planCaRetirement({
      appName: 'myapp',
      installed: oldCa,
      incoming: newCa,
      retiring: [],
      signers: new Set([newCa.id]),
    });
    expect(plan).toEqual({ add: [], install: newCa, keep: [], withdraw: [] });
  });

  it('keeps a retiring CA that still signs something, and withdraws it once it signs nothing', () => {
    const kept = planCaRetirement({
      appName: 'myapp',
      installed: undefined,
      incoming: undefined,
      retiring: [retiring(oldCa)],
      signers: new Set([oldCa.id]),
    });
    expect(kept).toEqual({ add: [], install: undefined, keep: [retiring(oldCa)], withdraw: [] });
    const gone = planCaRetirement({
      appName: 'myapp',
      installed: undefined,
      incoming: undefined,
      retiring: [retiring(oldCa)],
      signers: new Set(),
    });
    expect(gone).toEqual({ add: [], install: undefined, keep: [], withdraw: [retiring(oldCa)] });
  });

  it('on a second rotation keeps both replaced CAs that still sign, and withdraws one that does not', () => {
    const both = planCaRetirement({
      appName: 'myapp',
      installed: oldCa,
      incoming: newCa,
      retiring: [retiring(older)],
      signers: new Set([older.id, oldCa.id]),
    });
    expect(both.add).toEqual([retiring(oldCa)]);
    expect(both.keep).toEqual([retiring(oldCa), retiring(older)]);
    expect(both.withdraw).toEqual([]);
    const one = planCaRetirement({
      appName: 'myapp',
      installed: oldCa,
      incoming: newCa,
      retiring: [retiring(older)],
      signers: new Set([oldCa.id]),
    });
    expect(one.keep).toEqual([retiring(oldCa)]);
    expect(one.withdraw).toEqual([retiring(older)]);
  });

  it('withdraws the retiring copy of a CA the provider goes back to (it is under the app name again)', () => {
    const plan = planCaRetirement({
      appName: 'myapp',
      installed: newCa,
      incoming: oldCa,
      retiring: [retiring(oldCa)],
      signers: new Set([oldCa.id, newCa.id]),
    });
    expect(plan).toEqual({
      add: [retiring(newCa)],
      install: oldCa,
      keep: [retiring(newCa)],
      withdraw: [retiring(oldCa)],
    });
  });

  it('installs the first CA without retiring anything', () => {
    const plan = planCaRetirement({
      appName: 'myapp',
      installed: undefined,
      incoming: newCa,
      retiring: [],
      signers: new Set(),
    });
    expect(plan).toEqual({ add: [], install: newCa, keep: [], withdraw: [] });
  });

  it('never withdraws a retiring CA that is also the one being replaced while it still signs', () => {
    const plan = planCaRetirement({
      appName: 'myapp',
      installed: oldCa,
      incoming: newCa,
      retiring: [retiring(oldCa)],
      signers: new Set([oldCa.id]),
    });
    expect(plan).toEqual({ add: [], install: newCa, keep: [retiring(oldCa)], withdraw: [] });
  });
});
