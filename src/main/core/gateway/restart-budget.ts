/**
 * The supervisor's restart budget as a pure rule: a gateway that keeps dying is restarted at most
 * `count` times within a sliding `windowMs`, so a broken install does not restart forever.
 */

export interface RestartLimit {
  readonly count: number;
  readonly windowMs: number;
}

/** The default: 3 automatic restarts within 15 minutes. */
export const DEFAULT_RESTART_LIMIT: RestartLimit = { count: 3, windowMs: 15 * 60_000 };

export type RestartDecision =
  /** Restart; `attempt` is 1-based within the window, `history` includes this restart. */
  | { readonly restart: true; readonly attempt: number; readonly history: readonly number[] }
  /** The budget is spent: stay stopped. */
  | { readonly restart: false; readonly history: readonly number[] };

/**
 * Given the times of earlier automatic restarts, may the gateway that just died at `now` be
 * restarted? Restarts older than the window no longer count.
 */
export function decideRestart(history: readonly number[], now: number, limit: RestartLimit = DEFAULT_RESTART_LIMIT): RestartDecision {
  const recent = history.filter((at) => now - at < limit.windowMs);
  if (recent.length >= limit.count) return { restart: false, history: recent };
  const next = [...recent, now];
  return { restart: true, attempt: next.length, history: next };
}

/** The wait before restart number `attempt`: 2 s, 4 s, 8 s … at most 30 s, plus up to 20 % jitter. */
export function restartDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 2000 * 2 ** (attempt - 1));
  return base + Math.floor(random() * base * 0.2);
}
