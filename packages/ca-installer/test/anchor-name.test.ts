import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// A unit test of an internal module: the encoding's properties are the guarantee, not its exports.
import { anchorStem, isFileOf, MAX_STEM_BYTES, splitFileNames } from '../src/anchor-name.js';

/** The inverse of anchorStem, to show the encoding loses nothing (undefined for a stem it never makes). */
function nameFromStem(stem: string): string | undefined {
  if (!/^(?:[A-Za-z0-9_.-]|%[0-9A-F]{2})+$/.test(stem)) return undefined;
  try {
    const name = decodeURIComponent(stem);
    return anchorStem(name) === stem ? name : undefined;
  } catch {
    return undefined;
  }
}

function validName(): fc.Arbitrary<string> {
  return fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((s) => {
    try {
      anchorStem(s);
      return true;
    } catch {
      return false;
    }
  });
}

describe('anchorStem', () => {
  it('never maps two different names to the same stem, and decodes back', () => {
    fc.assert(
      fc.property(validName(), validName(), (a, b) => {
        expect(nameFromStem(anchorStem(a))).toBe(a);
        if (a !== b) expect(anchorStem(a)).not.toBe(anchorStem(b));
      }),
      { numRuns: 500 },
    );
  });

  it('gives stems that are a single safe file name component', () => {
    fc.assert(
      fc.property(validName(), (name) => {
        const stem = anchorStem(name);
        expect(stem).toMatch(/^[A-Za-z0-9_%-][A-Za-z0-9_.%-]*$/);
        expect(stem).not.toContain('..');
        expect(stem.endsWith('.')).toBe(false);
        expect(Buffer.byteLength(stem)).toBeLessThanOrEqual(MAX_STEM_BYTES);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['my-app', 'my-app'],
    ['My_App-2', 'My_App-2'],
    ['v1.2', 'v1.2'],
    ['my app', 'my%20app'],
    ['50%', '50%25'],
    ['a+b', 'a%2Bb'],
    ['(x),y', '%28x%29%2Cy'],
  ])('encodes %j as %j', (name, stem) => {
    expect(anchorStem(name)).toBe(stem);
  });
});

describe('split file names', () => {
  it('names the first file like a single one and numbers the rest', () => {
    expect(splitFileNames('app', 3)).toEqual(['app.crt', 'app+2.crt', 'app+3.crt']);
  });

  it('recognises only its own files for a stem', () => {
    expect(isFileOf('app', 'app.crt')).toBe(true);
    expect(isFileOf('app', 'app+12.crt')).toBe(true);
    expect(isFileOf('app', 'app+0.crt')).toBe(false);
    expect(isFileOf('app', 'app-2.crt')).toBe(false);
    expect(isFileOf('app', 'app+x.crt')).toBe(false);
    expect(isFileOf('app', 'apple.crt')).toBe(false);
    // "a+b" encodes to "a%2Bb", so "a+2.crt" can only belong to "a".
    expect(isFileOf(anchorStem('a+2'), 'a+2.crt')).toBe(false);
  });
});
