import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECK_GAP_MS, PacingRecord, REQUEST_GAP_MS } from '../../../../src/main/cli/pacing-record.js';
import { IBKR_PACING } from '../../../../src/main/core/gateway/pacing.js';

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
  it('no other process tickles while a tickle is on its way, however slow, and for the gap after it', () => {
    const { first, second, clock } = twoProcesses();
    first.startCheck(15_000);
    clock.now += 5_000;
    expect(second.checkDelayMs()).toBeGreaterThan(0);
    first.endCheck();
    expect(second.checkDelayMs()).toBe(CHECK_GAP_MS);
    clock.now += CHECK_GAP_MS;
    expect(second.checkDelayMs()).toBe(0);
  });

  it('the gap between checks runs from when the last one began, however long its tickle took', () => {
    const { first, second, clock } = twoProcesses();
    first.startCheck(15_000);
    clock.now += 2_000;
    first.endCheck();
    expect(second.requestDelayMs()).toBe(0);
    expect(second.checkDelayMs()).toBe(CHECK_GAP_MS);
  });

  it('a tickle whose process died holds the others back only until its hold ends', () => {
    const { first, second, clock } = twoProcesses();
    first.startCheck(15_000);
    clock.now += 15_000 + CHECK_GAP_MS;
    expect(second.checkDelayMs()).toBe(0);
  });

  it('spaces checks so that a second holds at most 10 requests, and tickles by 1/s', () => {
    // Checks starting within one window (with the margin), each with auth/status and the account
    // list, the account list of one begun before, and one tickle.
    const checksPerWindow = Math.ceil((IBKR_PACING.windowMs + IBKR_PACING.marginMs) / REQUEST_GAP_MS);
    expect(checksPerWindow * 2 + 1 + 1).toBeLessThanOrEqual(IBKR_PACING.perWindow);
    const { first, second, clock } = twoProcesses();
    expect([second.checkDelayMs(), second.requestDelayMs()]).toEqual([0, 0]);
    first.startCheck(5_000);
    first.endCheck();
    expect([second.checkDelayMs(), second.requestDelayMs()]).toEqual([CHECK_GAP_MS, REQUEST_GAP_MS]);
    clock.now += REQUEST_GAP_MS;
    expect([second.checkDelayMs(), second.requestDelayMs()]).toEqual([CHECK_GAP_MS - REQUEST_GAP_MS, 0]);
  });

  it('a check without a tickle holds the next check back but not the next tickle', () => {
    const { first, second, clock } = twoProcesses();
    first.startCheck(5_000);
    first.endCheck();
    clock.now += CHECK_GAP_MS - 50;
    first.markRequest();
    expect(second.requestDelayMs()).toBe(REQUEST_GAP_MS);
    expect(second.checkDelayMs()).toBe(50);
  });
});
