import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECK_GAP_MS, PacingRecord, REQUEST_GAP_MS } from '../../../src/main/cli/pacing-record.js';
import { IBKR_PACING } from '../../../src/main/core/gateway/pacing.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Two records of the same settings folder and gateway, as two ibkr-tray processes hold them. */
function twoProcesses(): { first: PacingRecord; second: PacingRecord; clock: { now: number } } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ibkr-tray-pacing-'));
  dirs.push(dir);
  const clock = { now: 1_000_000 };
  const record = (): PacingRecord => new PacingRecord(dir, 'https://localhost:5000', () => clock.now);
  return { first: record(), second: record(), clock };
}

describe('PacingRecord across processes', () => {
  it('spaces checks by IBKR\'s 10 requests/s (with margin), and tickles by 1/s', () => {
    expect(REQUEST_GAP_MS * IBKR_PACING.perWindow).toBeGreaterThanOrEqual(IBKR_PACING.windowMs);
    const { first, second, clock } = twoProcesses();
    expect([second.checkDelayMs(), second.requestDelayMs()]).toEqual([0, 0]);
    first.markCheck();
    expect([second.checkDelayMs(), second.requestDelayMs()]).toEqual([CHECK_GAP_MS, REQUEST_GAP_MS]);
    clock.now += REQUEST_GAP_MS;
    expect([second.checkDelayMs(), second.requestDelayMs()]).toEqual([CHECK_GAP_MS - REQUEST_GAP_MS, 0]);
  });

  it('a check without a tickle holds the next check back but not the next tickle', () => {
    const { first, second, clock } = twoProcesses();
    first.markCheck();
    clock.now += CHECK_GAP_MS - 50;
    first.markRequest();
    expect(second.requestDelayMs()).toBe(REQUEST_GAP_MS);
    expect(second.checkDelayMs()).toBe(50);
  });
});
