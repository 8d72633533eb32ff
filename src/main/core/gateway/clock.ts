/**
 * Time as the gateway layer sees it. Injected so that pacing, restart budgets and backoff can be
 * tested deterministically; the same shape as the simulator's SimClock.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Real time. Timers are not unref'd: a CLI awaiting waitForLogin's poll must stay alive; every owner
 * clears its timers on dispose instead.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Resolve after `ms` on `clock` (used for backoff and polling; every caller bounds its loop). */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimeout(resolve, ms);
  });
}
