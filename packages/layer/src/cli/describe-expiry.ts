const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * A certificate's expiry as an operator reads it: `expires in 364 days`, `expires in 5 hours`,
 * `expired 2 days ago`, `expired 40 minutes ago`. Whole units, rounded down.
 */
export function describeExpiry(notAfter: Date, now: Date): string {
  const left = notAfter.getTime() - now.getTime();
  const amount = amountOf(Math.abs(left));
  return left > 0 ? `expires in ${amount}` : `expired ${amount} ago`;
}

function amountOf(ms: number): string {
  if (ms >= DAY_MS) return plural(Math.floor(ms / DAY_MS), 'day');
  if (ms >= HOUR_MS) return plural(Math.floor(ms / HOUR_MS), 'hour');
  return plural(Math.max(1, Math.floor(ms / 60_000)), 'minute');
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
