import { describe, expect, it } from 'vitest';
import { decideRestart, restartDelayMs } from '../../../../../src/main/core/gateway/restart-budget.js';

const MIN = 60_000;
const limit = { count: 3, windowMs: 15 * MIN };

describe('decideRestart (3 in 15 minutes)', () => {
  it.each([
    { case: 'first crash', history: [], now: 0, restart: true, attempt: 1, kept: [0] },
    { case: 'second within the window', history: [0], now: MIN, restart: true, attempt: 2, kept: [0, MIN] },
    { case: 'third within the window', history: [0, MIN], now: 2 * MIN, restart: true, attempt: 3, kept: [0, MIN, 2 * MIN] },
    { case: 'fourth within the window: budget spent', history: [0, MIN, 2 * MIN], now: 3 * MIN, restart: false, attempt: null, kept: [0, MIN, 2 * MIN] },
    { case: 'the oldest just left the window', history: [0, MIN, 2 * MIN], now: 15 * MIN, restart: true, attempt: 3, kept: [MIN, 2 * MIN, 15 * MIN] },
    { case: 'one minute before it leaves', history: [0, MIN, 2 * MIN], now: 14 * MIN, restart: false, attempt: null, kept: [0, MIN, 2 * MIN] },
    { case: 'all old: a fresh budget', history: [0, MIN, 2 * MIN], now: 60 * MIN, restart: true, attempt: 1, kept: [60 * MIN] },
  ])('$case', ({ history, now, restart, attempt, kept }) => {
    const decision = decideRestart(history, now, limit);
    expect(decision.restart).toBe(restart);
    expect(decision.history).toEqual(kept);
    if (decision.restart) expect(decision.attempt).toBe(attempt);
  });

  it('defaults to 3 in 15 minutes', () => {
    expect(decideRestart([0, 1, 2], 3)).toMatchObject({ restart: false });
    expect(decideRestart([0, 1], 3)).toMatchObject({ restart: true, attempt: 3 });
  });
});

describe('restartDelayMs', () => {
  it.each([
    [1, 2000],
    [2, 4000],
    [3, 8000],
    [5, 30_000],
    [9, 30_000],
  ])('attempt %i waits %i ms plus up to 20 %% jitter', (attempt, base) => {
    expect(restartDelayMs(attempt, () => 0)).toBe(base);
    expect(restartDelayMs(attempt, () => 0.999)).toBe(base + Math.floor(0.999 * base * 0.2));
  });
});
