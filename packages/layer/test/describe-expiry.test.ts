import { describe, expect, it } from 'vitest';
import { describeExpiry } from '../src/cli/index.js';

const now = new Date('2026-09-23T12:00:00.000Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const HOUR = 3_600_000;

describe('describeExpiry', () => {
  it.each([
    [364 * 24 * HOUR + HOUR, 'expires in 364 days'],
    [24 * HOUR, 'expires in 1 day'],
    [5 * HOUR + 59 * 60_000, 'expires in 5 hours'],
    [90_000, 'expires in 1 minute'],
    [-(2 * 24 * HOUR + 5_000), 'expired 2 days ago'],
    [-HOUR, 'expired 1 hour ago'],
    [-40 * 60_000, 'expired 40 minutes ago'],
    [0, 'expired 1 minute ago'],
  ])('%d ms from now reads "%s"', (ms, text) => {
    expect(describeExpiry(at(ms), now)).toBe(text);
  });
});
