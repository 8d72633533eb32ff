import { describe, expect, it } from 'vitest';
import { nextNightlyReset, regionTimeZone, zoneOffsetMs } from '../../../src/shared/nightly-reset.js';

describe('nextNightlyReset', () => {
  it.each([
    // region, now, expected (01:00 local of the region)
    ['NA', '2026-01-15T12:00:00Z', '2026-01-16T06:00:00Z'], // EST = UTC-5
    ['NA', '2026-07-15T12:00:00Z', '2026-07-16T05:00:00Z'], // EDT = UTC-4
    ['NA', '2026-01-15T05:30:00Z', '2026-01-15T06:00:00Z'], // 00:30 in New York: tonight's reset is still ahead
    ['EU', '2026-01-15T12:00:00Z', '2026-01-16T00:00:00Z'], // CET = UTC+1
    ['EU', '2026-07-15T12:00:00Z', '2026-07-15T23:00:00Z'], // CEST = UTC+2
    ['HK', '2026-01-15T12:00:00Z', '2026-01-15T17:00:00Z'], // HKT = UTC+8
    ['NA', '2026-03-08T03:00:00Z', '2026-03-08T06:00:00Z'], // the night DST starts in New York (after 01:00 local)
  ])('%s at %s → %s', (region, now, expected) => {
    expect(new Date(nextNightlyReset(region, Date.parse(now))!).toISOString()).toBe(new Date(expected).toISOString());
  });

  it('is null before the region is known', () => {
    expect(nextNightlyReset(null, Date.now())).toBeNull();
  });

  it('maps regions to their zones; unknown ones count as North America', () => {
    expect(regionTimeZone('eu')).toBe('Europe/Zurich');
    expect(regionTimeZone('HK')).toBe('Asia/Hong_Kong');
    expect(regionTimeZone('XX')).toBe('America/New_York');
  });
});

describe('zoneOffsetMs', () => {
  const formats = new Map<string, Intl.DateTimeFormat>();
  /** Intl's (ICU's time-zone database) offset of `timeZone` at `at`, as the reference. */
  function intlOffsetMs(timeZone: string, at: number): number {
    let format = formats.get(timeZone);
    if (!format) formats.set(timeZone, (format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })));
    const name = format.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    if (!match) return 0;
    const sign = match[1] === '-' ? -1 : 1;
    return sign * (Number(match[2]) * 3_600_000 + Number(match[3]) * 60_000);
  }

  it.each(['America/New_York', 'Europe/Zurich', 'Asia/Hong_Kong'])('%s agrees with Intl every 30 minutes from 2024 to 2036', (zone) => {
    const wrong: string[] = [];
    for (let at = Date.UTC(2024, 0, 1); at < Date.UTC(2036, 0, 1) && wrong.length < 5; at += 1_800_000) {
      if (zoneOffsetMs(zone, at) !== intlOffsetMs(zone, at)) wrong.push(new Date(at).toISOString());
    }
    expect(wrong).toEqual([]);
  });
});
