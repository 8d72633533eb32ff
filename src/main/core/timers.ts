/**
 * Named one-shot timers on an injected clock: the monitor's schedule (tickle, poll, brokerage init,
 * login timeout, end of a 429 penalty) is a handful of these, each re-armed after it fires.
 */
import type { Clock } from './gateway/clock.js';

interface Armed {
  readonly handle: unknown;
  readonly dueAt: number;
}

export class Timers {
  private readonly armed = new Map<string, Armed>();

  constructor(private readonly clock: Clock) {}

  /** Run `fn` at `dueAt` (epoch ms on the clock), replacing any timer of that name. */
  set(name: string, dueAt: number, fn: () => void): void {
    this.clear(name);
    const delay = Math.max(0, dueAt - this.clock.now());
    const handle = this.clock.setTimeout(() => {
      if (this.armed.get(name)?.handle !== handle) return;
      this.armed.delete(name);
      fn();
    }, delay);
    this.armed.set(name, { handle, dueAt });
  }

  /** Like `set`, but keep an existing timer of that name that is due no later than `dueAt`. */
  ensure(name: string, dueAt: number, fn: () => void): void {
    const existing = this.armed.get(name);
    if (existing && existing.dueAt <= dueAt) return;
    this.set(name, dueAt, fn);
  }

  clear(name: string): void {
    const existing = this.armed.get(name);
    if (!existing) return;
    this.clock.clearTimeout(existing.handle);
    this.armed.delete(name);
  }

  clearAll(): void {
    for (const name of [...this.armed.keys()]) this.clear(name);
  }
}
