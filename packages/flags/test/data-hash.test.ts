import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, dataHash } from '../src/data-hash.js';

// Values whose JSON text carries them exactly into Python: integers within the safe range (JS
// cannot tell 1 from 1.0) and non-integral doubles; strings with any UTF-16 unit, lone surrogates too.
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));
const text = fc.oneof(fc.string({ unit: anyUnit }), fc.string({ unit: 'binary' }), fc.string());
const number = fc.oneof(
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
);
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(text, number, fc.boolean(), fc.constant(null)),
  node: fc.oneof(
    { depthSize: 'small' },
    tie('leaf'),
    fc.array(tie('node')),
    fc.dictionary(text, tie('node')),
  ),
})).node;

const python = spawnSync('python3', ['--version']).status === 0;

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: 'é' }, '{"a": "\\u00e9", "b": 1}'],
    [[1, 'x', null, true, false], '[1, "x", null, true, false]'],
    [{}, '{}'],
    [[], '[]'],
    ['\u007f\u0000\n\t/"\\', '"\\u007f\\u0000\\n\\t/\\"\\\\"'],
    ['🐍', '"\\ud83d\\udc0d"'],
    [1e-5, '1e-05'],
    [1.5e-300, '1.5e-300'],
    // int(1.5e300) in Python: every digit of the double
    [1.5e300, BigInt(1.5e300).toString()],
    [123456.789, '123456.789'],
    [1e21, '1000000000000000000000'],
    [-0, '0'],
    [Number.NaN, 'NaN'],
    [{ '\uffff': 1, '🐍': 2 }, '{"\\uffff": 1, "\\ud83d\\udc0d": 2}'],
  ])('encodes %j as Python does', (input, expected) => {
    expect(canonicalJson(input)).toBe(expected);
  });

  const cpython = 'matches CPython json.dumps(sort_keys=True) byte for byte';
  it.skipIf(!python)(python ? cpython : `${cpython} (skipped: python3 is not installed)`, () => {
    const samples = fc.sample(value, { numRuns: 400, seed: 20261127 });
    const script = [
      'import json, sys',
      'for line in sys.stdin:',
      '    sys.stdout.write(json.dumps(json.loads(line), sort_keys=True) + "\\n")',
    ].join('\n');
    const input = `${samples.map((s) => JSON.stringify(s)).join('\n')}\n`;
    const run = spawnSync('python3', ['-c', script], {
      input,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(run.status).toBe(0);
    const expected = run.stdout.split('\n').slice(0, -1);
    expect(samples.map((s) => canonicalJson(s))).toEqual(expected);
  });

  const protocolDist = resolve(import.meta.dirname, '../../protocol/dist/index.js');
  const built = existsSync(protocolDist);
  const agrees = 'agrees with @tls-client/protocol pyJsonDumps';
  it.skipIf(!built)(
    built ? agrees : `${agrees} (skipped: packages/protocol/dist is missing; run pnpm -r build)`,
    async () => {
      const protocol = (await import(pathToFileURL(protocolDist).href)) as {
        pyJsonDumps: (v: unknown) => string;
      };
      fc.assert(
        fc.property(value, (v) => canonicalJson(v) === protocol.pyJsonDumps(v)),
        { numRuns: 500 },
      );
    },
  );
});

describe('dataHash', () => {
  it('is the lowercase hex md5 of the canonical JSON', () => {
    expect(dataHash({ b: 1, a: 'é' })).toBe('63bd157c4ae43cce2e805f6caf010e19');
    expect(dataHash(null)).toBe('37a6259cc0c1dae299a7866489dff0bd');
  });
});
