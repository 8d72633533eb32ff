import { describe, expect, it } from 'vitest';
import { nextNightlyReset, regionTimeZone } from '../../../src/shared/nightly-reset.js';

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
