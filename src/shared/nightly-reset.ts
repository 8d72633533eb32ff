/**
 * When IBKR restarts /iserver next: every night around 01:00 local time of the account's region
 * (gateway-facts.md §7; `region` comes from sso/validate).
 *
 * The three zones IBKR's regions use are computed from their daylight-saving rules, not with Intl:
 * the first Intl formatter a process creates pages in about 8 MB of ICU data (and takes some 20 ms),
 * which was the largest part of what `ibkr-tray keepalive` kept resident beyond Node itself. The
 * rules are those in force since 2007 (USA) and 1996 (EU, which Switzerland follows); the unit test
 * holds them against Intl's time-zone database over many years.
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
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Epoch ms of the `n`th Sunday (1-based; -1 = the last) of `month` (1-12) in `year`, at `hourUtc` UTC. */
function sunday(year: number, month: number, n: number, hourUtc: number): number {
  if (n < 0) {
    const last = new Date(Date.UTC(year, month, 0, hourUtc));
    return last.getTime() - last.getUTCDay() * DAY_MS;
  }
  const first = new Date(Date.UTC(year, month - 1, 1, hourUtc));
  return first.getTime() + (((7 - first.getUTCDay()) % 7) + (n - 1) * 7) * DAY_MS;
}

/** How far the region's `timeZone` (one of regionTimeZone's) is ahead of UTC at the instant `at`, in ms. */
export function zoneOffsetMs(timeZone: string, at: number): number {
  const year = new Date(at).getUTCFullYear();
  switch (timeZone) {
    case 'Asia/Hong_Kong':
      return 8 * HOUR_MS;
    case 'Europe/Zurich': {
      // Summer time from the last Sunday of March to the last Sunday of October, both at 01:00 UTC.
      const summer = at >= sunday(year, 3, -1, 1) && at < sunday(year, 10, -1, 1);
      return (summer ? 2 : 1) * HOUR_MS;
    }
    default: {
      // America/New_York: daylight time from the second Sunday of March, 02:00 EST (07:00 UTC), to
      // the first Sunday of November, 02:00 EDT (06:00 UTC).
      const summer = at >= sunday(year, 3, 2, 7) && at < sunday(year, 11, 1, 6);
      return (summer ? -4 : -5) * HOUR_MS;
    }
  }
}

/** Wall-clock date of `at` in `timeZone`. */
function wallDate(at: number, timeZone: string): { y: number; m: number; d: number } {
  const local = new Date(at + zoneOffsetMs(timeZone, at));
  return { y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate() };
}

/** The instant when the wall clock in `timeZone` shows y-m-d hh:00. */
function instantOf(y: number, m: number, d: number, hour: number, timeZone: string): number {
  const asUtc = Date.UTC(y, m - 1, d, hour);
  const guess = asUtc - zoneOffsetMs(timeZone, asUtc);
  // Once more with the offset at the guess itself, in case a DST change lies between the two.
  return asUtc - zoneOffsetMs(timeZone, guess);
}

/**
 * Epoch ms of the next nightly /iserver reset after `now` for `region` (NA, EU, HK…), or null when
 * the region is not known yet (nobody logged in).
 */
export function nextNightlyReset(region: string | null, now: number): number | null {
  if (region === null || region.trim() === '') return null;
  const timeZone = regionTimeZone(region);
  const today = wallDate(now, timeZone);
  const candidate = instantOf(today.y, today.m, today.d, RESET_HOUR, timeZone);
  if (candidate > now) return candidate;
  const tomorrow = wallDate(now + DAY_MS, timeZone);
  return instantOf(tomorrow.y, tomorrow.m, tomorrow.d, RESET_HOUR, timeZone);
}
