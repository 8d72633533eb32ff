/**
 * When IBKR restarts /iserver next: every night around 01:00 local time of the account's region
 * (gateway-facts.md §7; `region` comes from sso/validate). Intl only, so it runs in Node and the page.
 */

/** The time zone of each region IBKR names in sso/validate. Unknown regions count as North America. */
export function regionTimeZone(region: string): string {
  switch (region.trim().toUpperCase()) {
    case 'EU':
    case 'EUROPE':
      return 'Europe/Zurich';
    case 'HK':
    case 'AP':
    case 'ASIA':
      return 'Asia/Hong_Kong';
    default:
      return 'America/New_York';
  }
}

/** The reset's local hour. */
const RESET_HOUR = 1;
const DAY_MS = 86_400_000;

/** Wall-clock fields of `at` in `timeZone`. */
function wallClock(at: number, timeZone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(at));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { y: get('year'), m: get('month'), d: get('day'), h: get('hour'), min: get('minute'), s: get('second') };
}

/** How far `timeZone` is ahead of UTC at the instant `at`, in ms. */
function offsetAt(at: number, timeZone: string): number {
  const w = wallClock(at, timeZone);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s) - Math.floor(at / 1000) * 1000;
}

/** The instant when the wall clock in `timeZone` shows y-m-d hh:00. */
function instantOf(y: number, m: number, d: number, hour: number, timeZone: string): number {
  const asUtc = Date.UTC(y, m - 1, d, hour);
  const guess = asUtc - offsetAt(asUtc, timeZone);
  // Once more with the offset at the guess itself, in case a DST change lies between the two.
  return asUtc - offsetAt(guess, timeZone);
}

/**
 * Epoch ms of the next nightly /iserver reset after `now` for `region` (NA, EU, HK…), or null when
 * the region is not known yet (nobody logged in).
 */
export function nextNightlyReset(region: string | null, now: number): number | null {
  if (region === null || region.trim() === '') return null;
  const timeZone = regionTimeZone(region);
  const today = wallClock(now, timeZone);
  const candidate = instantOf(today.y, today.m, today.d, RESET_HOUR, timeZone);
  if (candidate > now) return candidate;
  const tomorrow = wallClock(now + DAY_MS, timeZone);
  return instantOf(tomorrow.y, tomorrow.m, tomorrow.d, RESET_HOUR, timeZone);
}
