import { describe, expect, it } from 'vitest';
import { changeKind, mergeKinds } from '../src/changes.js';

const file = (kind: 'cert' | 'key', sha256: string) => ({ kind, path: `/p/${kind}`, sha256, mode: 0o600 });
const held = { fingerprint256: 'AA', files: [file('cert', 'c1'), file('key', 'k1')] };

describe('changeKind', () => {
  it('is new without an earlier certificate', () => {
    expect(changeKind(undefined, held, 'k1')).toBe('new');
  });
  it('is renewed for a new certificate with the same key', () => {
    expect(
      changeKind(held, { fingerprint256: 'BB', files: [file('cert', 'c2'), file('key', 'k1')] }, 'k1'),
    ).toBe('renewed');
  });
  it('is rotated for a new certificate with a new key', () => {
    expect(
      changeKind(held, { fingerprint256: 'BB', files: [file('cert', 'c2'), file('key', 'k2')] }, 'k2'),
    ).toBe('rotated');
  });
  it('is rewritten for the same certificate written again (new paths, modes, restored files)', () => {
    expect(changeKind(held, held, 'k1')).toBe('rewritten');
  });
});

describe('mergeKinds (two changes not acknowledged in between)', () => {
  it('a new certificate stays new; a rotation is not hidden by a later renewal', () => {
    expect(mergeKinds('new', 'renewed')).toBe('new');
    expect(mergeKinds('rotated', 'renewed')).toBe('rotated');
    expect(mergeKinds('renewed', 'rotated')).toBe('rotated');
    expect(mergeKinds('renewed', 'rewritten')).toBe('renewed');
    expect(mergeKinds('rewritten', 'renewed')).toBe('renewed');
    expect(mergeKinds(undefined, 'rewritten')).toBe('rewritten');
  });
});
