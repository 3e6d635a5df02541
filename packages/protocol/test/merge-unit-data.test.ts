import { describe, expect, it } from 'vitest';
import { mergeUnitData } from '../src/index.js';

describe('mergeUnitData', () => {
  it('returns the only unit databag unchanged', () => {
    expect(mergeUnitData([{ relationId: 'certificates:1', unit: 'ca/0', data: { a: '1' } }])).toEqual({
      a: '1',
    });
  });

  it('lets the lowest relation id win, compared as strings (certificates:10 before certificates:9)', () => {
    const merged = mergeUnitData([
      { relationId: 'certificates:9', unit: 'ca/0', data: { ca: 'from-9', only9: 'x' } },
      { relationId: 'certificates:10', unit: 'ca/0', data: { ca: 'from-10' } },
    ]);
    expect(merged).toEqual({ ca: 'from-10', only9: 'x' });
  });

  it('then lets the lowest unit name win, compared as strings (easyrsa/10 before easyrsa/2)', () => {
    const merged = mergeUnitData([
      { relationId: 'certificates:1', unit: 'easyrsa/2', data: { ca: 'from-2', chain: 'chain-2' } },
      { relationId: 'certificates:1', unit: 'easyrsa/10', data: { ca: 'from-10' } },
    ]);
    // Per key: ca from easyrsa/10, chain from easyrsa/2 (defect 4 of the spec, kept for compatibility).
    expect(merged).toEqual({ ca: 'from-10', chain: 'chain-2' });
  });

  it('orders non-ASCII unit names by code point', () => {
    const merged = mergeUnitData([
      { relationId: 'r:1', unit: '\u{1F600}', data: { k: 'astral' } },
      { relationId: 'r:1', unit: '\uffff', data: { k: 'bmp' } },
    ]);
    expect(merged.k).toBe('bmp');
  });

  it('does not depend on the input order', () => {
    const units = [
      { relationId: 'certificates:2', unit: 'b/1', data: { k: '1' } },
      { relationId: 'certificates:2', unit: 'b/0', data: { k: '2' } },
      { relationId: 'certificates:3', unit: 'a/0', data: { k: '3' } },
    ];
    expect(mergeUnitData(units)).toEqual(mergeUnitData([...units].reverse()));
    expect(mergeUnitData(units).k).toBe('2');
  });

  it('keeps a "__proto__" key as an ordinary own key', () => {
    const data = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    const merged = mergeUnitData([{ relationId: 'r:1', unit: 'u/0', data }]);
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });

  it.each([
    ['a non-array', {}],
    ['a unit without data', [{ relationId: 'r:1', unit: 'u/0' }]],
    ['a non-string value', [{ relationId: 'r:1', unit: 'u/0', data: { a: 1 } }]],
  ])('throws TypeError for %s', (_name, units) => {
    expect(() => mergeUnitData(units as never)).toThrow(TypeError);
  });
});
