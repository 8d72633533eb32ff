import type { SimClock } from './api.js';

/**
 * A clock that moves only when told: for simulated hours in milliseconds (ssoExpires countdown, idle
 * timeout, penalty box). Timers due by the new time run in order of their due time.
 */
export class ManualClock implements SimClock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; fn: () => void }>();

  constructor(start = Date.UTC(2026, 0, 5, 14, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { due: this.current + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** How many timers are armed (a soak test counts them: a schedule that leaks grows this). */
  pending(): number {
    return this.timers.size;
  }

  /** When the earliest armed timer is due, or null when none is. */
  nextDue(): number | null {
    let due: number | null = null;
    for (const timer of this.timers.values()) if (due === null || timer.due < due) due = timer.due;
    return due;
  }

  /** Move time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (let budget = 100_000; budget > 0; budget--) {
      let next: [number, { due: number; fn: () => void }] | null = null;
      for (const entry of this.timers) if (entry[1].due <= end && (!next || entry[1].due < next[1].due)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.current = Math.max(this.current, next[1].due);
      next[1].fn();
    }
    this.current = end;
  }
}
