import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeProviderData, ProtocolError, type ProviderUnitData } from '../src/index.js';

const SECRET = '-----BEGIN PRIVATE KEY-----\nSECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n';
const published = { common_name: 'top.test' };
const unit = (
  data: Record<string, string>,
  name = 'ca/0',
  relationId = 'certificates:1',
): ProviderUnitData => ({
  relationId,
  unit: name,
  data,
});
const decode = (
  data: Record<string, string>,
  extra: Partial<Parameters<typeof decodeProviderData>[0]> = {},
) => decodeProviderData({ unitName: 'app/0', units: [unit(data)], published, ...extra });
const entry = (cert: string, key = SECRET) => ({ cert, key });

describe('decodeProviderData', () => {
  it('returns an empty view when nothing is published', () => {
    expect(decodeProviderData({ unitName: 'app/0', units: [] })).toEqual({
      server: [],
      client: [],
      intermediate: [],
      problems: [],
    });
  });

  it('reads ca and chain raw, and treats empty values as absent', () => {
    expect(decode({ ca: 'CA', chain: 'CHAIN' })).toMatchObject({ ca: 'CA', chain: 'CHAIN' });
    const view = decode({ ca: '', chain: '' });
    expect(view).not.toHaveProperty('ca');
    expect(view).not.toHaveProperty('chain');
  });

  it('reads only the keys of our own unit', () => {
    const view = decode({
      'app_1.server.cert': 'other',
      'app_1.server.key': 'other',
      'app_1.processed_requests': JSON.stringify({ x: entry('c') }),
    });
    expect(view.server).toEqual([]);
    expect(view.problems).toEqual([]);
  });

  it('puts the top-level certificate first, named by our published common_name', () => {
    const view = decode({
      'app_0.processed_requests': JSON.stringify({ 'b.test': entry('B'), 'a.test': entry('A') }),
      'app_0.server.cert': 'TOP',
      'app_0.server.key': SECRET,
    });
    expect(view.server).toEqual([
      { type: 'server', commonName: 'top.test', cert: 'TOP', key: SECRET, sourceKey: 'app_0.server.cert' },
      { type: 'server', commonName: 'b.test', cert: 'B', key: SECRET, sourceKey: 'app_0.processed_requests' },
      { type: 'server', commonName: 'a.test', cert: 'A', key: SECRET, sourceKey: 'app_0.processed_requests' },
    ]);
  });

  it('keeps certificate values raw, text dump and all', () => {
    const dump = readFileSync(new URL('./fixtures/cert-text-dump.pem', import.meta.url), 'utf8');
    const view = decode({ 'app_0.processed_client_requests': JSON.stringify({ c: entry(dump) }) });
    expect(view.client[0]?.cert).toBe(dump);
  });

  it('reports the top-level certificate when our common_name is unknown', () => {
    const view = decode({ 'app_0.server.cert': 'TOP', 'app_0.server.key': SECRET }, { published: {} });
    expect(view.server).toEqual([]);
    expect(view.problems[0]).toMatchObject({ code: 'ERR_PROTOCOL_MISSING_FIELD', key: 'app_0.server.cert' });
  });

  it.each([
    ['the key without the cert', { 'app_0.server.key': SECRET }, 'app_0.server.cert'],
    ['the cert without the key', { 'app_0.server.cert': 'TOP' }, 'app_0.server.key'],
    ['client.cert without client.key', { 'client.cert': 'GC' }, 'client.key'],
  ])('reports half a pair: %s', (_name, data, missing) => {
    const view = decode(data);
    expect(view.server).toEqual([]);
    expect(view.globalClient).toBeUndefined();
    expect(view.problems).toHaveLength(1);
    expect(view.problems[0]).toMatchObject({ code: 'ERR_PROTOCOL_MISSING_FIELD', key: missing });
  });

  it('reads the deprecated global client pair only when both halves are set', () => {
    expect(decode({ 'client.cert': 'GC', 'client.key': 'GK' }).globalClient).toEqual({
      cert: 'GC',
      key: 'GK',
    });
    expect(decode({}).globalClient).toBeUndefined();
  });

  it('reads the application certificate from app_data', () => {
    const view = decode({
      'app_0.processed_application_requests': JSON.stringify({ app_data: entry('APP') }),
    });
    expect(view.application).toEqual({
      type: 'application',
      commonName: 'app_data',
      cert: 'APP',
      key: SECRET,
      sourceKey: 'app_0.processed_application_requests',
    });
  });

  it('skips an empty app_data silently, as Python does', () => {
    const view = decode({ 'app_0.processed_application_requests': '{"app_data": {}}' });
    expect(view.application).toBeUndefined();
    expect(view.problems).toEqual([]);
  });

  describe('intermediate certificates (the two Python sides disagree)', () => {
    const perCn = {
      'app_0.processed_intermediate_requests': JSON.stringify({
        'ca.one': entry('I1'),
        'ca.two': entry('I2'),
      }),
    };
    const appData = {
      'app_0.processed_intermediate_requests': JSON.stringify({ app_data: entry('IA'), x: entry('IX') }),
    };

    it('reads one certificate per common name, as the reactive provider writes them', () => {
      const view = decode(perCn);
      expect(view.intermediate.map((c) => [c.commonName, c.cert])).toEqual([
        ['ca.one', 'I1'],
        ['ca.two', 'I2'],
      ]);
      expect(view.intermediateShape).toBe('per-cn');
    });

    it('reads only app_data when present, as the reactive requirer does', () => {
      const view = decode(appData);
      expect(view.intermediate.map((c) => [c.commonName, c.cert])).toEqual([['app_data', 'IA']]);
      expect(view.intermediateShape).toBe('app_data');
    });

    it('follows a forced shape', () => {
      expect(decode(perCn, { intermediateShape: 'app_data' }).intermediate).toEqual([]);
      expect(decode(appData, { intermediateShape: 'per-cn' }).intermediate.map((c) => c.commonName)).toEqual([
        'app_data',
        'x',
      ]);
    });

    it('throws TypeError for an unknown shape', () => {
      expect(() => decode(perCn, { intermediateShape: 'both' as never })).toThrow(TypeError);
    });
  });

  it('merges units per key: lowest relation id, then unit name, as strings', () => {
    const view = decodeProviderData({
      unitName: 'app/0',
      published,
      units: [
        unit({ ca: 'CA-2', 'app_0.processed_requests': JSON.stringify({ a: entry('from-2') }) }, 'ca/2'),
        unit({ ca: 'CA-10' }, 'ca/10'),
        unit({ ca: 'CA-other', chain: 'CHAIN-9' }, 'ca/0', 'certificates:9'),
      ],
    });
    expect(view.ca).toBe('CA-10');
    expect(view.chain).toBe('CHAIN-9');
    expect(view.server.map((c) => c.cert)).toEqual(['from-2']);
  });

  describe('bad relation data', () => {
    it.each([
      ['an entry without key (Python raises)', { b: { cert: 'B' } }, 'ERR_PROTOCOL_MISSING_FIELD'],
      ['an entry without cert (Python raises)', { b: { key: SECRET } }, 'ERR_PROTOCOL_MISSING_FIELD'],
      ['an entry with an empty cert', { b: { cert: '', key: SECRET } }, 'ERR_PROTOCOL_MISSING_FIELD'],
      ['an entry with a numeric cert', { b: { cert: 5, key: SECRET } }, 'ERR_PROTOCOL_INVALID_SHAPE'],
      ['an entry that is a string', { b: SECRET }, 'ERR_PROTOCOL_INVALID_SHAPE'],
      ['an entry that is a list', { b: [SECRET, SECRET] }, 'ERR_PROTOCOL_INVALID_SHAPE'],
    ])('skips %s, keeps the others and reports it without the secret', (_name, bad, code) => {
      const view = decode({
        'app_0.processed_requests': JSON.stringify({ a: entry('A'), ...bad, c: entry('C') }),
      });
      expect(view.server.map((c) => c.commonName)).toEqual(['a', 'c']);
      expect(view.problems).toHaveLength(1);
      const [problem] = view.problems;
      expect(problem).toBeInstanceOf(ProtocolError);
      expect(problem).toMatchObject({
        code,
        key: 'app_0.processed_requests',
        commonName: 'b',
        relationId: 'certificates:1',
        unit: 'ca/0',
      });
      expect(problem?.message).toContain('"app_0.processed_requests"');
      expect(problem?.message).not.toContain('SECRET');
    });

    it.each([
      ['not JSON', `{"b": ${SECRET}`, 'ERR_PROTOCOL_INVALID_JSON'],
      ['raw PEM', SECRET, 'ERR_PROTOCOL_INVALID_JSON'],
      ['a JSON list', JSON.stringify([SECRET]), 'ERR_PROTOCOL_INVALID_SHAPE'],
      ['a JSON string', JSON.stringify(SECRET), 'ERR_PROTOCOL_INVALID_SHAPE'],
      ['a number', '42', 'ERR_PROTOCOL_INVALID_SHAPE'],
    ])('reports a processed map that is %s and still reads the rest', (_name, raw, code) => {
      const view = decode({
        ca: 'CA',
        'app_0.processed_client_requests': raw,
        'app_0.processed_requests': JSON.stringify({ a: entry('A') }),
      });
      expect(view.ca).toBe('CA');
      expect(view.server).toHaveLength(1);
      expect(view.client).toEqual([]);
      expect(view.problems.map((p) => [p.code, p.key])).toEqual([[code, 'app_0.processed_client_requests']]);
      expect(view.problems[0]?.message).not.toContain('SECRET');
    });

    it.each([['null'], ['{}'], ['[]'], ['0'], ['false']])('reads a processed map of %s as empty', (raw) => {
      expect(decode({ 'app_0.processed_requests': raw })).toMatchObject({ server: [], problems: [] });
    });
  });

  it.each([
    ['an empty unit name', { unitName: '', units: [] }],
    ['units that are not an array', { unitName: 'a/0', units: {} }],
    ['published that is not an object', { unitName: 'a/0', units: [], published: 'x' }],
  ])('throws TypeError for %s', (_name, input) => {
    expect(() => decodeProviderData(input as never)).toThrow(TypeError);
  });
});
