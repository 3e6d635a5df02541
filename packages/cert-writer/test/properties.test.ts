import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCertificate, writeFileAtomic } from '../src/index.js';
import { type Fixtures, makeFixtures, removeTempDirs, tempDir, tempFilesIn } from './helpers.js';

let f: Fixtures;
beforeAll(() => {
  f = makeFixtures();
});
afterAll(removeTempDirs);

describe('writeFileAtomic (property)', () => {
  it('reads back exactly what it wrote, with the exact mode, and is unchanged on a repeat', async () => {
    const dir = tempDir();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4096 }),
        fc.uint8Array({ maxLength: 4096 }),
        fc.integer({ min: 0, max: 0o777 }),
        async (first, second, mode) => {
          const path = join(dir, `f${n++}`);
          expect((await writeFileAtomic(path, first, { mode })).action).toBe('created');
          expect((await writeFileAtomic(path, first, { mode })).action).toBe('unchanged');
          const same = Buffer.from(first).equals(Buffer.from(second));
          expect((await writeFileAtomic(path, second, { mode })).action).toBe(same ? 'unchanged' : 'updated');
          expect(readFileSync(path).equals(Buffer.from(second))).toBe(true);
          expect(statSync(path).mode & 0o7777).toBe(mode);
        },
      ),
      { numRuns: 60 },
    );
    expect(tempFilesIn(dir)).toEqual([]);
  });
});

describe('validateCertificate (property)', () => {
  // Noise a provider might wrap around PEM: text dumps, blank lines, CR, spaces (never a PEM marker).
  const noise = fc
    .array(
      fc.constantFrom('Certificate:\n', 'subject=CN = x\n', '\r\n', '\n', '  ', '\t', 'Serial: 01:02\n', 'x'),
      {
        maxLength: 8,
      },
    )
    .map((parts) => parts.join(''));

  it('normalises any surrounding noise to the same bytes', () => {
    const expected = validateCertificate({ ...f.leafEc, chain: f.intermediate.cert + f.root.cert });
    fc.assert(
      fc.property(noise, noise, noise, noise, (a, b, c, d) => {
        const crlf = (s: string) => s.replace(/\n/g, '\r\n');
        const v = validateCertificate({
          cert: `${a}${f.leafEc.cert}${b}`,
          key: `${c}${crlf(f.leafEc.key)}${d}`,
          chain: `${b}${f.intermediate.cert}${c}${crlf(f.root.cert)}${a}`,
        });
        expect(v.fullchainPem).toBe(expected.fullchainPem);
        expect(v.keyPem).toBe(expected.keyPem);
        expect(v.fullchainPem).not.toMatch(/\n\n|\r/);
      }),
      { numRuns: 100 },
    );
  });
});
