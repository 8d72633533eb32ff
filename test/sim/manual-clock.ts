import type { SimClock } from './api.js';

/**
 * The one manual clock of the tests: time moves only when told, for simulated hours in milliseconds
 * (ssoExpires countdown, idle timeout, penalty box, pacing, restart budgets). It fits both the
 * simulator's SimClock and the core's Clock. Timers due by the new time run in order of their due
 * time (first armed first among equals).
 *
 * Two ways to move it: `advance(ms)` runs the due timers at once, synchronously; `run(ms)` lets
 * promise callbacks settle before each timer and after the last, for code whose timers arm the next
 * ones from an async continuation (the pacing queue, the supervisor's restarts).
 * test/fault/simulated-time.ts builds on this clock for real I/O.
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
    for (let budget = 100_000; budget > 0 && this.fireNext(end); budget--);
    this.current = end;
  }

  /** Like `advance`, but lets promise callbacks settle before each timer and after the last. */
  async run(ms: number): Promise<void> {
    const end = this.current + ms;
    for (let budget = 100_000; budget > 0; budget--) {
      await flush();
      if (!this.fireNext(end)) break;
    }
    this.current = end;
    await flush();
  }

  /** Run the earliest timer due by `end`, moving time to it; false when none is due. */
  private fireNext(end: number): boolean {
    let next: [number, { due: number; fn: () => void }] | null = null;
    for (const entry of this.timers) if (entry[1].due <= end && (!next || entry[1].due < next[1].due)) next = entry;
    if (!next) return false;
    this.timers.delete(next[0]);
    this.current = Math.max(this.current, next[1].due);
    next[1].fn();
    return true;
  }
}

/** Let pending promise callbacks (and the I/O callbacks they wait for) run: a few turns of the event loop. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
