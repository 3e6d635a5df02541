import type { HookContext } from '@tls-client/hookenv';
import type { IssuedCertificate, ProviderView } from '@tls-client/protocol';
import { EmbeddedCa } from '@tls-client/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCaBundle, checkProviderData } from '../src/check-provider-data.js';
import { isRequested } from '../src/classify-problems.js';
import { legacyDialect } from '../src/dialect.js';
import { matchAnswers } from '../src/match-answers.js';
import { relationHint } from '../src/read-relations.js';

// The pure decisions of a hook, in process: no subprocess, no files.
const UNIT = 'myapp/0';
const emptyView = (over: Partial<ProviderView> = {}): ProviderView => ({
  server: [],
  client: [],
  intermediate: [],
  problems: [],
  ...over,
});

describe('checkProviderData', () => {
  let ca: EmbeddedCa;
  let other: EmbeddedCa;
  let server: IssuedCertificate;
  beforeAll(async () => {
    ca = await EmbeddedCa.create({ withIntermediate: true });
    other = await EmbeddedCa.create({ commonName: 'Other CA' });
    const pair = ca.issue({ type: 'server', commonName: 'a.example', sans: ['a.example'] });
    server = { type: 'server', commonName: 'a.example', sourceKey: 'myapp_0.processed_requests', ...pair };
  });
  const check = (view: ProviderView, verifyChain = true) =>
    checkProviderData({ unitName: UNIT, view, units: [], verifyChain });

  it('accepts a certificate that chains through `chain` to `ca`, validating it once', () => {
    const { checked, problems } = check(emptyView({ ca: ca.caPem, chain: ca.chainPem!, server: [server] }));
    expect(problems).toEqual([]);
    expect(checked.server).toHaveLength(1);
    expect(checked.server[0]?.chain).toBeDefined();
  });

  it('refuses a CA that is not a CA, and then cannot trust any certificate', () => {
    expect(checkCaBundle(server.cert)).toMatchObject({ ok: false });
    const { checked, problems } = check(
      emptyView({ ca: server.cert, chain: ca.chainPem!, server: [server] }),
    );
    expect(checked.ca).toBeUndefined();
    expect(checked.server).toEqual([]);
    expect(problems.map((p) => p.code)).toEqual(['ERR_LAYER_INVALID_CA', 'ERR_CERT_WRITER_UNTRUSTED']);
  });

  it('skips a certificate that does not chain to the published CA, unless verifyChain is false', () => {
    const view = emptyView({ ca: other.caPem, chain: ca.chainPem!, server: [server] });
    expect(check(view).problems.map((p) => [p.code, p.commonName])).toEqual([
      ['ERR_CERT_WRITER_UNTRUSTED', 'a.example'],
    ]);
    expect(check(view, false).checked.server).toHaveLength(1);
  });

  it('writes without a chain that does not fit, when the leaf still verifies without it', async () => {
    const direct = await EmbeddedCa.create();
    const pair = direct.issue({ type: 'server', commonName: 'b.example', sans: [] });
    const leaf: IssuedCertificate = { ...server, commonName: 'b.example', ...pair };
    const { checked, problems } = check(emptyView({ ca: direct.caPem, chain: ca.chainPem!, server: [leaf] }));
    expect(problems.map((p) => [p.code, p.key])).toEqual([['ERR_CERT_WRITER_CHAIN_ORDER', 'chain']]);
    expect(checked.server[0]?.chain).toBeUndefined();
  });

  it('lets the global client fallback run only when no per-unit client data is published at all', () => {
    const global = ca.issue({ type: 'client', commonName: 'global', sans: null });
    const view = emptyView({ ca: ca.caPem, chain: ca.chainPem!, globalClient: global });
    const units = (value: string | undefined) => [
      {
        relationId: 'certificates:1',
        unit: 'ca/0',
        data: value === undefined ? {} : { 'myapp_0.processed_client_requests': value },
      },
    ];
    const published = (value: string | undefined) =>
      checkProviderData({ unitName: UNIT, view, units: units(value), verifyChain: true }).checked
        .clientPublished;
    expect(published(undefined)).toBe(false);
    expect(published('')).toBe(false);
    for (const value of ['not json', '[]', '42', '{"x": {"cert": "", "key": ""}}'])
      expect(published(value)).toBe(true);
  });
});

describe('isRequested', () => {
  const context = {
    unitName: UNIT,
    requests: [
      { type: 'server' as const, commonName: 'a.example', sans: [] },
      { type: 'client' as const, commonName: 'system:myapp', sans: null },
    ],
    globalClientPaths: false,
  };
  it('is true for the CA, the chain and answers to our requests; false for the rest', () => {
    const p = (over: object) => ({ code: 'ERR_PROTOCOL_INVALID_JSON' as const, message: 'm', ...over });
    expect(isRequested(p({ key: 'ca' }), context)).toBe(true);
    expect(isRequested(p({ key: 'chain' }), context)).toBe(true);
    expect(isRequested(p({ key: 'myapp_0.processed_requests' }), context)).toBe(true);
    expect(isRequested(p({ key: 'myapp_0.processed_requests', commonName: 'a.example' }), context)).toBe(
      true,
    );
    expect(isRequested(p({ key: 'myapp_0.processed_requests', commonName: 'b.example' }), context)).toBe(
      false,
    );
    expect(isRequested(p({ key: 'myapp_0.processed_intermediate_requests' }), context)).toBe(false);
    expect(isRequested(p({ key: 'myapp_0.processed_application_requests' }), context)).toBe(false);
    expect(isRequested(p({ type: 'intermediate', commonName: 'fake' }), context)).toBe(false);
    expect(isRequested(p({ key: 'client.cert' }), context)).toBe(true);
    expect(isRequested(p({ key: 'client.cert' }), { ...context, requests: [] })).toBe(false);
  });
});

describe('relationHint', () => {
  const ctx = (over: Partial<HookContext>) =>
    ({ hookName: 'update-status', unitName: UNIT, ...over }) as HookContext;
  const last = { relationIds: ['certificates:3'], remoteUnits: ['easyrsa/0'] };
  it('guesses the remembered relation and units, or the hook’s own relation', () => {
    expect(relationHint(ctx({}), 'certificates', last)).toEqual({
      relationId: 'certificates:3',
      units: ['easyrsa/0'],
      app: 'easyrsa',
    });
    expect(
      relationHint(
        ctx({
          hookName: 'certificates-relation-joined',
          relationId: 'certificates:4',
          remoteUnit: 'vault/0',
        }),
        'certificates',
        last,
      ),
    ).toEqual({ relationId: 'certificates:4', units: ['vault/0'], app: 'vault' });
    expect(relationHint(ctx({}), 'certificates', { relationIds: [], remoteUnits: [] })).toBeUndefined();
    expect(
      relationHint(
        ctx({ hookName: 'certificates-relation-broken', relationId: 'certificates:3' }),
        'certificates',
        last,
      ),
    ).toBeUndefined();
  });
});

describe('matchAnswers', () => {
  it('gives an app_data intermediate to the single intermediate request', async () => {
    const ca = await EmbeddedCa.create();
    const pair = ca.issue({ type: 'intermediate', commonName: 'ica', sans: [] });
    const ica = { type: 'intermediate' as const, commonName: 'app_data', sourceKey: 'k', ...pair };
    const view = checkProviderData({
      unitName: UNIT,
      view: emptyView({ ca: ca.caPem, intermediate: [ica] }),
      units: [],
      verifyChain: true,
    }).checked;
    const paths = {
      crt: '/x',
      key: null,
      chain: null,
      fullchain: null,
      owner: null,
      group: null,
      certMode: null,
      keyMode: null,
    };
    expect(
      matchAnswers(view, { intermediate: { 'my-ica': paths } }).intermediate.get('my-ica'),
    ).toBeDefined();
  });
});

describe('legacyDialect', () => {
  it('publishes only what differs, and renews nothing itself', () => {
    const requests = [{ type: 'server' as const, commonName: 'a.example', sans: ['a.example'] }];
    const first = legacyDialect.requestChanges({ unitName: UNIT, requests, published: {} });
    expect(first?.set).toMatchObject({ common_name: 'a.example', unit_name: 'myapp_0' });
    const published = { ...first?.set };
    expect(legacyDialect.requestChanges({ unitName: UNIT, requests, published })).toBeUndefined();
    expect(legacyDialect.dueForRenewal({ certificates: [], now: new Date() })).toEqual([]);
  });
});
