import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PacingRecord } from '../../../../src/main/cli/pacing-record.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const GATEWAY = 'https://localhost:5000';
const TICKLE = '/v1/api/tickle';
const STATUS = '/v1/api/iserver/auth/status';
/** IBKR's second plus the pacer's margin. */
const WINDOW = 1_200;

/** Two records of the same settings folder, as two ibkr-tray processes hold them, on one clock. */
function twoProcesses(): { first: PacingRecord; second: PacingRecord; clock: { now: number }; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ibkr-tray-pacing-'));
  dirs.push(dir);
  const clock = { now: 1_000_000 };
  const record = (): PacingRecord => new PacingRecord(dir, () => clock.now);
  return { first: record(), second: record(), clock, file: path.join(dir, 'cli-pacing.json') };
}

function ticket(slot: ReturnType<PacingRecord['reserve']>): string {
  if (!('ticket' in slot)) throw new Error(`no slot: ${JSON.stringify(slot)}`);
  return slot.ticket;
}

describe('PacingRecord', () => {
  it('gives 10 slots across processes, then the 11th waits until one of them was answered a window ago', () => {
    const { first, second, clock } = twoProcesses();
    const tickets: string[] = [];
    for (let i = 0; i < 10; i++) tickets.push(ticket((i % 2 ? first : second).reserve(GATEWAY, STATUS, 5_000)));
    expect(first.reserve(GATEWAY, STATUS, 5_000)).toEqual({ retryAt: expect.any(Number), penalty: false });
    clock.now += 300;
    second.release(GATEWAY, tickets[3]!);
    // The others are in flight and may be answered any moment: ask again soon, at the latest then.
    const refused = first.reserve(GATEWAY, STATUS, 5_000);
    expect('retryAt' in refused && refused.retryAt <= clock.now + WINDOW).toBe(true);
    clock.now += WINDOW - 1;
    expect('retryAt' in first.reserve(GATEWAY, STATUS, 5_000)).toBe(true);
    clock.now += 1;
    expect('ticket' in first.reserve(GATEWAY, STATUS, 5_000)).toBe(true);
  });

  it('a request still in flight keeps its slot however long it takes (the gateway may see it late)', () => {
    const { first, second, clock } = twoProcesses();
    for (let i = 0; i < 10; i++) first.reserve(GATEWAY, STATUS, 60_000);
    clock.now += 30_000;
    expect('retryAt' in second.reserve(GATEWAY, STATUS, 5_000)).toBe(true);
  });

  it("a dead process's slots count only until their hold ends, plus a window", () => {
    const { first, second, clock } = twoProcesses();
    for (let i = 0; i < 10; i++) first.reserve(GATEWAY, STATUS, 2_000);
    clock.now += 2_000 + WINDOW - 1;
    expect('retryAt' in second.reserve(GATEWAY, STATUS, 5_000)).toBe(true);
    clock.now += 1;
    expect('ticket' in second.reserve(GATEWAY, STATUS, 5_000)).toBe(true);
  });

  it('no tickle while another is on its way, and the next one a second (plus margin) after the answer', () => {
    const { first, second, clock } = twoProcesses();
    const mine = ticket(first.reserve(GATEWAY, TICKLE, 5_000));
    clock.now += 3_000;
    expect(second.endpointDelayMs(GATEWAY, TICKLE)).toBeGreaterThan(0);
    expect('retryAt' in second.reserve(GATEWAY, TICKLE, 5_000)).toBe(true);
    first.release(GATEWAY, mine);
    expect(second.reserve(GATEWAY, TICKLE, 5_000)).toEqual({ retryAt: clock.now + WINDOW, penalty: false });
    expect(second.endpointDelayMs(GATEWAY, TICKLE)).toBe(WINDOW);
    // Other requests are not held back by the tickle's own interval.
    expect('ticket' in second.reserve(GATEWAY, STATUS, 5_000)).toBe(true);
    clock.now += WINDOW;
    expect(second.endpointDelayMs(GATEWAY, TICKLE)).toBe(0);
    expect('ticket' in second.reserve(GATEWAY, TICKLE, 5_000)).toBe(true);
  });

  it("remembers sso/validate's minute after its slot left the window", () => {
    const { first, second, clock } = twoProcesses();
    first.release(GATEWAY, ticket(first.reserve(GATEWAY, '/v1/api/sso/validate', 5_000)));
    clock.now += 10_000;
    expect(second.endpointDelayMs(GATEWAY, '/v1/api/sso/validate')).toBe(50_200);
  });

  it('a 429 met by one process holds every other until it is over', () => {
    const { first, second, clock } = twoProcesses();
    first.penalize(GATEWAY, clock.now + 60_000);
    expect(second.penaltyUntil(GATEWAY)).toBe(clock.now + 60_000);
    expect(second.reserve(GATEWAY, STATUS, 5_000)).toEqual({ retryAt: clock.now + 60_000, penalty: true });
    clock.now += 60_000;
    expect(second.penaltyUntil(GATEWAY)).toBeNull();
    expect('ticket' in second.reserve(GATEWAY, STATUS, 5_000)).toBe(true);
  });

  it('keeps each gateway apart', () => {
    const { first } = twoProcesses();
    for (let i = 0; i < 10; i++) first.reserve(GATEWAY, STATUS, 5_000);
    expect('ticket' in first.reserve('https://localhost:5001', STATUS, 5_000)).toBe(true);
  });

  it('is readable by the user only, and an older record that held an account list loses it on the next write', () => {
    const { first, file } = twoProcesses();
    const older = { [GATEWAY]: { lastCheckAt: 1, penaltyUntil: 5, accounts: { at: 1, accounts: [{ id: 'U1111111', alias: 'Main' }], selectedAccount: 'U1111111', paper: false } } };
    writeFileSync(file, JSON.stringify(older), { mode: 0o644 });
    first.reserve(GATEWAY, STATUS, 5_000);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/U1111111|accounts|Main/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  // Issue 21 (attack): a damaged record was read as "nothing sent", so the next tickle went 634 ms
  // after the previous one and met a real 429 (10 minutes). Unknown is the worst: a full window and
  // every paced endpoint just answered; then the record is written clean.
  it.each([
    ['cut JSON', '{"https://localhost:5000": {"slots": "garbage"'],
    ['an entry of the wrong shape', JSON.stringify({ [GATEWAY]: { slots: 'x', lastDoneAt: 5 } })],
    ['not an object', '[1,2,3]'],
    ['30 MB of junk (not even parsed)', 'x'.repeat(30_000_000)],
  ])('a damaged record (%s) is "unknown": a window, and a tickle its interval, before anything is sent; then it is clean', (_what, text) => {
    const { first, second, clock, file } = twoProcesses();
    writeFileSync(file, text);
    expect(first.endpointDelayMs(GATEWAY, TICKLE)).toBe(WINDOW);
    expect(first.reserve(GATEWAY, STATUS, 5_000)).toEqual({ retryAt: clock.now + WINDOW, penalty: false });
    expect(statSync(file).size).toBeLessThan(10_000);
    expect(() => JSON.parse(readFileSync(file, 'utf8')) as unknown).not.toThrow();
    clock.now += WINDOW;
    expect(second.endpointDelayMs(GATEWAY, TICKLE)).toBe(0);
    expect('ticket' in second.reserve(GATEWAY, STATUS, 5_000)).toBe(true);
  });

  // Issue 21 (attack): slots stamped an hour ahead (a clock that jumped back) held every command
  // until the clock caught up; a hand-edited penaltyUntil of 1e15 held them until the year 33658.
  it('times later than now (slots, an endpoint\'s last answer) are dropped, and a penalty is at most IBKR\'s longest, 15 minutes', () => {
    const { first, clock, file } = twoProcesses();
    const future = clock.now + 3_600_000;
    const slots = Array.from({ length: 10 }, (_, i) => ({ ticket: `t${i}`, endpoint: STATUS, at: future, holdUntil: future, doneAt: future }));
    writeFileSync(file, JSON.stringify({ [GATEWAY]: { slots, lastDoneAt: { [TICKLE]: future } } }));
    expect(first.endpointDelayMs(GATEWAY, TICKLE)).toBe(0);
    expect('ticket' in first.reserve(GATEWAY, STATUS, 5_000)).toBe(true);
    // Held "in flight" for ever by a hand edit: not a hold we ever write.
    writeFileSync(file, JSON.stringify({ [GATEWAY]: { slots: slots.map((s) => ({ ...s, at: clock.now, doneAt: null, holdUntil: 1e15 })), lastDoneAt: {} } }));
    expect('ticket' in first.reserve(GATEWAY, STATUS, 5_000)).toBe(true);
    writeFileSync(file, JSON.stringify({ [GATEWAY]: { slots: [], lastDoneAt: {}, penaltyUntil: 1e15 } }));
    expect(first.penaltyUntil(GATEWAY)).toBe(clock.now + 15 * 60_000);
    expect(first.reserve(GATEWAY, STATUS, 5_000)).toEqual({ retryAt: clock.now + 15 * 60_000, penalty: true });
    clock.now += 15 * 60_000;
    expect('ticket' in first.reserve(GATEWAY, STATUS, 5_000)).toBe(true);
  });
});
