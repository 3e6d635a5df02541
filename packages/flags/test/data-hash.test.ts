import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { dataHash } from '../src/data-hash.js';

// The encoder itself is @tls-client/protocol's pyJsonDumps, tested there against CPython; here we
// check that the hash is the one charmhelpers' data_changed stores.
const python = spawnSync('python3', ['--version']).status === 0;

describe('dataHash', () => {
  it('is the lowercase hex md5 of the canonical JSON', () => {
    expect(dataHash({ b: 1, a: 'é' })).toBe('63bd157c4ae43cce2e805f6caf010e19');
    expect(dataHash(null)).toBe('37a6259cc0c1dae299a7866489dff0bd');
  });

  const cpython = 'equals md5(json.dumps(value, sort_keys=True)) computed by CPython';
  it.skipIf(!python)(python ? cpython : `${cpython} (skipped: python3 is not installed)`, () => {
    const values = [
      { cert: 'a\nb', cert_type: 'server', common_name: '10.0.0.5', key: 'k' },
      [null, null],
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      { '🐍': [1, 2.5, true, {}], é: [] },
    ];
    const script = [
      'import hashlib, json, sys',
      'for line in sys.stdin:',
      '    print(hashlib.md5(json.dumps(json.loads(line), sort_keys=True).encode()).hexdigest())',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script], {
      input: `${values.map((v) => JSON.stringify(v)).join('\n')}\n`,
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(values.map((v) => dataHash(v))).toEqual(run.stdout.trim().split('\n'));
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => dataHash({ f: () => 1 })).toThrow(TypeError);
  });
});
