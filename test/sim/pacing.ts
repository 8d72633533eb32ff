/**
 * IBKR's published pacing limits (gateway-facts.md §8), enforced on what the gateway forwards: 10
 * requests/s in total, /tickle 1/s, /sso/validate 1/min, /portfolio/accounts 1 per 5 s. Breaking one
 * answers 429 and puts the client in a penalty box where every forwarded request gets 429. The gateway
 * itself does not pace: what it answers on its own (/, reauthenticate, …) never counts.
 */
import type { SimClock } from './api.js';

const TOTAL_PER_SECOND = 10;
const ENDPOINT_INTERVALS: ReadonlyArray<readonly [string, number]> = [
  ['/v1/api/tickle', 1_000],
  ['/v1/api/sso/validate', 60_000],
  ['/v1/api/portfolio/accounts', 5_000],
];
/**
 * Timers on a client fire a little early or late; IBKR publishes rates, not exact spacing. A request
 * up to 5% early is still within the rate, so a client ticking at exactly the limit is not punished.
 */
const TOLERANCE = 0.05;

/** IBKR's rate limits and penalty box for one client address (all of them: the simulator is loopback-only). */
export class Pacing {
  private recent: number[] = [];
  private readonly lastByEndpoint = new Map<string, number>();
  private penaltyEnd: number | null = null;

  constructor(
    private readonly clock: SimClock,
    private readonly enabled: boolean,
    private readonly penaltyMs: number,
  ) {}

  /** Count a forwarded request to `path` (already rewritten to /v1/api); false means answer 429. */
  admit(path: string): boolean {
    const now = this.clock.now();
    if (this.penaltyUntil() !== null) return false;
    if (!this.enabled) return true;
    this.recent = this.recent.filter((t) => now - t < 1_000);
    if (this.recent.length >= TOTAL_PER_SECOND) return this.punish(now);
    const limit = ENDPOINT_INTERVALS.find(([p]) => p === path);
    if (limit) {
      const last = this.lastByEndpoint.get(path);
      if (last !== undefined && now - last < limit[1] * (1 - TOLERANCE)) return this.punish(now);
      this.lastByEndpoint.set(path, now);
    }
    this.recent.push(now);
    return true;
  }

  /** Enter the penalty box now, for `ms` (default: the configured penalty). */
  penalize(ms = this.penaltyMs): void {
    this.penaltyEnd = this.clock.now() + ms;
  }

  /** Epoch ms when the penalty ends, or null when there is none. */
  penaltyUntil(): number | null {
    if (this.penaltyEnd !== null && this.clock.now() >= this.penaltyEnd) this.penaltyEnd = null;
    return this.penaltyEnd;
  }

  private punish(now: number): false {
    this.penaltyEnd = now + this.penaltyMs;
    return false;
  }
}
