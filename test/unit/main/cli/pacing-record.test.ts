import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCOUNTS_REUSE_MS,
  CHECK_GAP_MS,
  CHECK_MAX_REQUESTS,
  checkGapMs,
  PacingRecord,
  REQUEST_SHARE_MS,
  type SharedAccounts,
} from '../../../../src/main/cli/pacing-record.js';
import { IBKR_PACING } from '../../../../src/main/core/gateway/pacing.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Two records of the same settings folder and gateway, as two ibkr-tray processes hold them. */
function twoProcesses(): { first: PacingRecord; second: PacingRecord; clock: { now: number }; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ibkr-tray-pacing-'));
  dirs.push(dir);
  const clock = { now: 1_000_000 };
  const record = (): PacingRecord => new PacingRecord(dir, 'https://localhost:5000', () => clock.now);
  return { first: record(), second: record(), clock, file: path.join(dir, 'cli-pacing.json') };
}

const LIST: SharedAccounts = { accounts: [{ id: 'U1111111', alias: 'Main' }, { id: 'U2222222', alias: null }], selectedAccount: 'U1111111', paper: false };

/** The most requests of checks starting within one window plus margin, checks packed as tight as checkGapMs allows. */
function busiestWindow(requests: readonly number[]): number {
  const starts: number[] = [];
  requests.forEach((n, i) => starts.push(i === 0 ? 0 : starts[i - 1]! + checkGapMs(requests[i - 1]!, n)));
  const span = IBKR_PACING.windowMs + IBKR_PACING.marginMs;
  let most = 0;
  for (const from of starts) {
    const inside = requests.filter((_, i) => starts[i]! >= from && starts[i]! < from + span);
    most = Math.max(most, inside.reduce((a, b) => a + b, 0));
  }
  return most;
}

/** Every row of `length` checks of 1 or 2 requests. */
function everyRow(length: number): number[][] {
  if (length === 0) return [[]];
  return everyRow(length - 1).flatMap((row) => [
    [...row, 1],
    [...row, 2],
  ]);
}

describe('checkGapMs: the gap between two checks from the requests each sends', () => {
  it.each([
    [1, 1, 150],
    [1, 2, 300],
    [2, 1, 300],
    [2, 2, 300],
  ])('%i then %i requests: %i ms', (previous, next, gap) => {
    expect(checkGapMs(previous, next)).toBe(gap);
  });

  it('keeps the checks started in any 1.2 s to the 8 requests left beside a straggler and a tickle, in every mix', () => {
    expect(REQUEST_SHARE_MS * (IBKR_PACING.perWindow - 2)).toBeGreaterThanOrEqual(IBKR_PACING.windowMs + IBKR_PACING.marginMs);
    let worst = 0;
    for (const row of everyRow(12)) worst = Math.max(worst, busiestWindow(row));
    // + the last request of a check begun before the window + one tickle = IBKR's 10.
    expect(worst + 1 + 1).toBeLessThanOrEqual(IBKR_PACING.perWindow);
    // Two-request checks 300 ms apart, as before the account list was shared: 4 in a window.
    expect(busiestWindow([2, 2, 2, 2, 2, 2])).toBe(8);
  });
});

describe('PacingRecord across processes', () => {
  it('no other process tickles while a tickle is on its way, however slow, and for the gap after it', () => {
    const { first, second, clock } = twoProcesses();
    first.startCheck(15_000, 2);
    clock.now += 5_000;
    expect(second.checkDelayMs()).toBeGreaterThan(0);
    first.endCheck();
    expect(second.checkDelayMs()).toBe(CHECK_GAP_MS);
    clock.now += CHECK_GAP_MS;
    expect(second.checkDelayMs()).toBe(0);
  });

  it('the gap between checks runs from when the last one began, however long its tickle took', () => {
    const { first, second, clock } = twoProcesses();
    first.startCheck(15_000, 2);
    clock.now += 2_000;
    first.endCheck();
    expect(second.requestDelayMs(2)).toBe(0);
    expect(second.checkDelayMs()).toBe(CHECK_GAP_MS);
  });

  it('a tickle whose process died holds the others back only until its hold ends', () => {
    const { first, second, clock } = twoProcesses();
    first.startCheck(15_000, 2);
    clock.now += 15_000 + CHECK_GAP_MS;
    expect(second.checkDelayMs()).toBe(0);
  });

  it('spaces checks by the requests they send, and tickles by 1/s', () => {
    const { first, second, clock } = twoProcesses();
    expect([second.checkDelayMs(), second.requestDelayMs(2)]).toEqual([0, 0]);
    first.startCheck(5_000, 2);
    first.endCheck();
    expect([second.checkDelayMs(), second.requestDelayMs(1), second.requestDelayMs(2)]).toEqual([CHECK_GAP_MS, checkGapMs(2, 1), checkGapMs(2, 2)]);
    clock.now += checkGapMs(2, 2);
    expect([second.checkDelayMs(), second.requestDelayMs(2)]).toEqual([CHECK_GAP_MS - checkGapMs(2, 2), 0]);
    second.markRequest(1);
    expect([first.requestDelayMs(1), first.requestDelayMs(2)]).toEqual([checkGapMs(1, 1), checkGapMs(1, 2)]);
  });

  it('a check without a tickle holds the next check back but not the next tickle', () => {
    const { first, second, clock } = twoProcesses();
    first.startCheck(5_000, 2);
    first.endCheck();
    clock.now += CHECK_GAP_MS - 50;
    first.markRequest(2);
    expect(second.requestDelayMs(2)).toBe(checkGapMs(2, 2));
    expect(second.checkDelayMs()).toBe(50);
  });

  it('a record written before checks counted their requests spaces the next check as a check of 2', () => {
    const { second, clock, file } = twoProcesses();
    writeFileSync(file, JSON.stringify({ 'https://localhost:5000': { lastCheckAt: clock.now, lastRequestAt: clock.now } }));
    expect(second.requestDelayMs(1)).toBe(checkGapMs(CHECK_MAX_REQUESTS, 1));
  });
});

describe('PacingRecord: the account list a status shares', () => {
  it('serves other processes for ACCOUNTS_REUSE_MS, then no more', () => {
    const { first, second, clock } = twoProcesses();
    expect(second.recentAccounts()).toBeNull();
    first.shareAccounts(LIST);
    expect(second.recentAccounts()).toEqual(LIST);
    clock.now += ACCOUNTS_REUSE_MS;
    expect(second.recentAccounts()).toEqual(LIST);
    clock.now += 1;
    expect(second.recentAccounts()).toBeNull();
  });

  it('is gone once a process forgets it (a logout, another account), and keeps the pacing', () => {
    const { first, second } = twoProcesses();
    first.startCheck(5_000, 2);
    first.shareAccounts(LIST);
    second.forgetAccounts();
    expect(first.recentAccounts()).toBeNull();
    expect(first.checkDelayMs()).toBeGreaterThan(0);
  });

  it('keeps nothing beyond what status prints, and a garbled list costs the list alone', () => {
    const { first, second, clock, file } = twoProcesses();
    first.shareAccounts({ ...LIST, accounts: [{ id: 'U1111111', alias: 'Main', secret: 'x' }], secret: 'x' } as unknown as SharedAccounts);
    expect(readFileSync(file, 'utf8')).not.toContain('secret');
    expect(second.recentAccounts()).toEqual({ ...LIST, accounts: [{ id: 'U1111111', alias: 'Main' }] });
    first.startCheck(5_000, 1);
    const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
    all['https://localhost:5000']!['accounts'] = { at: clock.now, accounts: 'U1111111' };
    writeFileSync(file, JSON.stringify(all));
    expect(second.recentAccounts()).toBeNull();
    expect(second.checkDelayMs()).toBeGreaterThan(0);
  });

  it('a list dated after now (another clock) is not trusted', () => {
    const { first, second, clock } = twoProcesses();
    first.shareAccounts(LIST);
    clock.now -= 10_000;
    expect(second.recentAccounts()).toBeNull();
  });
});
