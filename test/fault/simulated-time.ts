/**
 * Simulated time shared by the simulator and the engine: one ManualClock drives the timers of both
 * (tickles, polls, heartbeats, ssoExpires, idle timeouts, nightly resets), while the requests and
 * WebSocket frames those timers start still travel over real loopback TLS. Between two steps of the
 * clock the real I/O is given time to finish ("settle"), so every answer arrives at the simulated
 * moment its request was sent, and hours of a session pass in seconds.
 */
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { Simulator } from '../sim/api.js';
import { ManualClock } from '../sim/manual-clock.js';

const WEBSOCKET = /\/ws$/;

/**
 * HTTP(S) requests this process has started and not yet closed (WebSocket upgrades excepted), seen
 * through Node's own diagnostics channel: a request the engine has started but that has not reached
 * the simulator yet (a TLS handshake in progress) still counts as I/O under way.
 */
let clientRequestsOpen = 0;
let clientRequestsSeen = 0;
diagnostics.subscribe('http.client.request.start', (message) => {
  const request = (message as { request: ClientRequest }).request;
  if (WEBSOCKET.test(request.path.split('?')[0] ?? '')) return;
  clientRequestsOpen++;
  clientRequestsSeen++;
  request.once('close', () => {
    clientRequestsOpen--;
  });
});

/** HTTP(S) requests this process started that have not closed yet (WebSocket upgrades excepted). */
export function openClientRequests(): number {
  return clientRequestsOpen;
}

export interface SimulatedTimeOptions {
  /** Real milliseconds with nothing new before the I/O counts as finished (default 4). */
  readonly quietMs?: number;
  /** Longest real wait for one settle (default 3000): a request the simulator never answers (a hang) is not waited for. */
  readonly maxSettleMs?: number;
  /**
   * Anything else that moves while I/O is under way (e.g. the engine's snapshot seq plus its request
   * log lines): a change restarts the quiet period.
   */
  readonly activity?: () => number;
}

export class SimulatedTime {
  readonly clock: ManualClock;
  private readonly quietMs: number;
  private readonly maxSettleMs: number;

  constructor(
    private readonly sim: () => Simulator | null,
    clock: ManualClock = new ManualClock(),
    private readonly options: SimulatedTimeOptions = {},
  ) {
    this.clock = clock;
    this.quietMs = options.quietMs ?? 4;
    this.maxSettleMs = options.maxSettleMs ?? 3000;
  }

  now(): number {
    return this.clock.now();
  }

  /** Requests the simulator received and has not answered (WebSocket upgrades excepted). */
  private open(): number {
    const sim = this.sim();
    if (!sim) return 0;
    let open = 0;
    for (const r of sim.requests) if (r.status === null && !WEBSOCKET.test(r.path)) open++;
    return open;
  }

  private fingerprint(): string {
    const sim = this.sim();
    return `${sim?.requests.length ?? 0}/${this.open()}/${clientRequestsSeen}/${clientRequestsOpen}/${this.options.activity?.() ?? 0}`;
  }

  /**
   * Wait (real time) until nothing is open at the simulator and nothing new happened for quietMs.
   * Requests left open when maxSettleMs passes are hangs: they are left to their own timeouts.
   */
  async settle(): Promise<void> {
    const deadline = Date.now() + this.maxSettleMs;
    let last = this.fingerprint();
    let quietSince = Date.now();
    for (;;) {
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
      const now = Date.now();
      const current = this.fingerprint();
      if (current !== last) {
        last = current;
        quietSince = now;
        continue;
      }
      if (now - quietSince >= this.quietMs && this.open() === 0 && clientRequestsOpen === 0) return;
      if (now >= deadline) return;
    }
  }

  /** Move to `target` (epoch ms), stopping at every timer on the way and settling after each. */
  async advanceTo(target: number): Promise<void> {
    for (let budget = 1_000_000; budget > 0; budget--) {
      const due = this.clock.nextDue();
      if (due === null || due > target) break;
      this.clock.advance(Math.max(0, due - this.clock.now()));
      await this.settle();
    }
    if (target > this.clock.now()) this.clock.advance(target - this.clock.now());
    await this.settle();
  }

  /** Move forward by `ms`, stopping at every timer on the way. */
  advance(ms: number): Promise<void> {
    return this.advanceTo(this.clock.now() + ms);
  }

  /**
   * Move forward in coarse steps of `stepMs` (timers due inside one step run together, settling
   * once per step): for long soaks where the exact moment within a step does not matter.
   */
  async advanceCoarsely(ms: number, stepMs: number, afterStep?: () => void | Promise<void>): Promise<void> {
    const end = this.clock.now() + ms;
    while (this.clock.now() < end) {
      this.clock.advance(Math.min(stepMs, end - this.clock.now()));
      await this.settle();
      await afterStep?.();
    }
  }

  /**
   * Move forward timer by timer until `predicate` holds (checked after each settle). Resolves with
   * the simulated ms it took; rejects when `budgetMs` of simulated time passes first.
   */
  async until(predicate: () => boolean, budgetMs: number, what: string): Promise<number> {
    const start = this.clock.now();
    const end = start + budgetMs;
    await this.settle();
    let idleSince: number | null = null;
    for (let budget = 1_000_000; budget > 0 && !predicate(); budget--) {
      const due = this.clock.nextDue();
      if (due === null || due > end) {
        // No timer left inside the budget: only real I/O can still change things (a first request
        // is slow while modules load and TLS warms up). Give it a little real time, then give up.
        idleSince ??= Date.now();
        if (Date.now() - idleSince > this.maxSettleMs) throw new Error(`${what}: not seen within ${budgetMs} simulated ms`);
        await new Promise<void>((resolve) => setTimeout(resolve, 5));
        await this.settle();
        continue;
      }
      idleSince = null;
      this.clock.advance(Math.max(0, due - this.clock.now()));
      await this.settle();
    }
    return this.clock.now() - start;
  }
}

/** Step simulated time (in `stepMs` steps) until `promise` settles, then return its outcome. */
export async function whilePending<T>(time: SimulatedTime, promise: Promise<T>, stepMs = 100, budgetMs = 600_000): Promise<T> {
  let done = false;
  const watched = promise.finally(() => {
    done = true;
  });
  // Handled here so that a rejection while time is still stepping is not reported as unhandled.
  watched.catch(() => undefined);
  await time.settle();
  for (let spent = 0; !done; spent += stepMs) {
    if (spent > budgetMs) throw new Error(`still pending after ${budgetMs} simulated ms`);
    await time.advance(stepMs);
  }
  return watched;
}
