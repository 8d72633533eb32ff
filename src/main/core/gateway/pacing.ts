/**
 * IBKR's pacing limits (gateway-facts.md §8), enforced in one place for every caller of a client.
 *
 * Policy (chosen and documented here):
 * - At most `perWindow` (10) requests in any window of `windowMs` (1 s) + `marginMs`, for everything
 *   sent through the gateway, counted from each request's *answer*, not its send: a request holds its
 *   slot while in flight and for a window after it was answered. IBKR counts arrivals, and an arrival
 *   lies somewhere between our send and the answer; on a loaded machine (or a slow TLS handshake) the
 *   gap is unbounded, so spacing sends alone let queued requests arrive bunched and drew 429s. With
 *   slots freed a window after the answer, 11 arrivals in one window are impossible whatever the
 *   delays (the 11th was sent a window after some earlier one was answered, hence had arrived).
 * - Per endpoint minimum intervals: tickle 1 s, sso/validate 60 s, portfolio/accounts 5 s (+ margin),
 *   also counted from the previous one's answer.
 * - Identical requests (same method, path and body) that are queued or in flight are shared: the
 *   second caller gets the first caller's answer; nothing is sent twice.
 * - For the minute-scale limits (sso/validate, portfolio/accounts) a successful answer younger than
 *   the interval is reused instead of waiting up to a minute: these answers change rarely, and a
 *   caller with a 5 s timeout could not wait that long anyway. `forgetAnswers()` drops them (the
 *   client calls it on logout / ssodh/init / reauthenticate, which change what they would say).
 * - Otherwise a call waits in a FIFO queue (bounded: `maxQueue`) until its slot comes. A call whose
 *   slot is further away than its `maxWaitMs` is refused at once, and a queued call that is still
 *   waiting at its deadline is refused then: GatewayError 'rate-limited' with `retryAt`, saying it
 *   was our own pacing (no request reached the gateway).
 * - After a 429 (`penalize`), nothing is sent until the penalty period has passed (default 10 min):
 *   every call, queued or new, is refused at once with 'rate-limited' and `retryAt`.
 * - With a `shared` ledger (other processes talking to the same gateway: the command's pacing
 *   record), every request also takes a slot there before it is sent and hands it back when it is
 *   answered, and a 429 met by any of them holds for all. The ledger counts real requests, not
 *   estimates, so IBKR's limits hold across processes too.
 */
import { GatewayError } from '../errors.js';
import { systemClock, type Clock } from './clock.js';

export interface EndpointRule {
  /** Minimum time between two requests to this endpoint. */
  readonly minIntervalMs: number;
  /** Reuse a successful answer younger than minIntervalMs instead of queueing. */
  readonly reuseAnswer: boolean;
}

export interface PacingRules {
  readonly perWindow: number;
  readonly windowMs: number;
  /** Added to every window and interval (see the module comment). */
  readonly marginMs: number;
  /** Keyed by API path, e.g. '/v1/api/tickle'. */
  readonly endpoints: Readonly<Record<string, EndpointRule>>;
  /** Calls that may wait for a slot at once; more are refused. */
  readonly maxQueue: number;
  /** How long nothing is sent after a 429 without a Retry-After. */
  readonly penaltyMs: number;
}

/** IBKR's published limits (gateway-facts.md §8). */
export const IBKR_PACING: PacingRules = {
  perWindow: 10,
  windowMs: 1000,
  marginMs: 200,
  endpoints: {
    '/v1/api/tickle': { minIntervalMs: 1000, reuseAnswer: false },
    '/v1/api/sso/validate': { minIntervalMs: 60_000, reuseAnswer: true },
    '/v1/api/portfolio/accounts': { minIntervalMs: 5000, reuseAnswer: true },
  },
  maxQueue: 100,
  penaltyMs: 10 * 60_000,
};

export interface PacedRequest {
  /** Identity for single-flight and answer reuse: method, path and body. */
  readonly key: string;
  /** The API path the endpoint rules are keyed by. */
  readonly endpoint: string;
  /** Longest this call may wait for its slot (normally its request timeout). */
  readonly maxWaitMs: number;
}

/** One request sent: when its answer (or failure) came, null while in flight. */
interface Slot {
  settledAt: number | null;
}

interface Waiting {
  readonly request: PacedRequest;
  readonly deadline: number;
  readonly send: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Pacing shared with other processes that talk to the same gateway origin. A slot is held from
 * before the request is sent until `windowMs + marginMs` after it was answered: the gateway saw the
 * request somewhere in between, so however late a loaded machine delivers it, no window of IBKR's
 * holds more than `perWindow` of them (and an endpoint's next request arrives at least its interval
 * after the previous one was answered).
 */
export interface SharedPacing {
  /** A slot for one request to `endpoint` now (held at most `holdMs` if never released), or when to ask again. */
  reserve(origin: string, endpoint: string, holdMs: number): { readonly ticket: string } | { readonly retryAt: number; readonly penalty: boolean };
  /** The request that holds `ticket` was answered or failed now. */
  release(origin: string, ticket: string): void;
  /** Epoch ms until which IBKR wants nothing from this origin (a 429 met by any process), or null. */
  penaltyUntil(origin: string): number | null;
  penalize(origin: string, until: number): void;
}

export interface PacerOptions {
  readonly clock?: Clock;
  readonly rules?: Partial<PacingRules>;
  /** Slots shared with other processes, for the gateway `origin()` names now. */
  readonly shared?: { readonly ledger: SharedPacing; readonly origin: () => string };
}

/** Format an epoch ms as a local clock time for messages. */
function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

/** One shared pacing gate: every request of a client goes through `run`. */
export class Pacer {
  private readonly clock: Clock;
  readonly rules: PacingRules;
  /** Requests that still hold a window slot: in flight (settledAt null) or answered within the window. */
  private slots: Slot[] = [];
  private readonly lastByEndpoint = new Map<string, Slot>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly answers = new Map<string, { at: number; value: unknown }>();
  private queue: Waiting[] = [];
  private timer: unknown = null;
  private penalty: number | null = null;
  private readonly shared: PacerOptions['shared'] | null;

  constructor(options: PacerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.rules = { ...IBKR_PACING, ...options.rules };
    this.shared = options.shared ?? null;
  }

  /** Epoch ms until which nothing is sent after a 429 (this process's or, shared, another's), or null. */
  penaltyUntil(): number | null {
    if (this.penalty !== null && this.clock.now() >= this.penalty) this.penalty = null;
    const elsewhere = this.shared?.ledger.penaltyUntil(this.shared.origin()) ?? null;
    if (elsewhere !== null && elsewhere > (this.penalty ?? 0)) this.penalty = elsewhere;
    return this.penalty;
  }

  /**
   * Enter the penalty box after a 429: nothing is sent for `forMs` (default penaltyMs; a Retry-After
   * header may say otherwise), and everything queued is refused now. Returns the end of the penalty.
   */
  penalize(forMs: number = this.rules.penaltyMs): number {
    const end = Math.max(this.clock.now() + forMs, this.penalty ?? 0);
    this.penalty = end;
    this.shared?.ledger.penalize(this.shared.origin(), end);
    const refused = this.queue;
    this.queue = [];
    for (const waiting of refused) {
      this.inFlight.delete(waiting.request.key);
      waiting.reject(this.penaltyError(waiting.request.endpoint, end));
    }
    return end;
  }

  /** Drop reusable answers (after logout, ssodh/init, reauthenticate: they may be stale now). */
  forgetAnswers(): void {
    this.answers.clear();
  }

  /** Send through the gate: shared, reused, queued or refused as the module comment says. */
  run<T>(request: PacedRequest, send: () => Promise<T>): Promise<T> {
    const now = this.clock.now();
    const penalty = this.penaltyUntil();
    if (penalty !== null) return Promise.reject(this.penaltyError(request.endpoint, penalty));

    const inFlight = this.inFlight.get(request.key);
    if (inFlight) return inFlight as Promise<T>;

    const rule = this.rules.endpoints[request.endpoint];
    if (rule?.reuseAnswer) {
      const answer = this.answers.get(request.key);
      if (answer && now - answer.at < rule.minIntervalMs + this.rules.marginMs) return Promise.resolve(answer.value as T);
    }

    const endpointReady = this.endpointReadyAt(request.endpoint);
    // Infinity (the previous one still in flight) is not known to be too late: it queues.
    if (endpointReady !== Infinity && endpointReady - now > request.maxWaitMs) {
      return Promise.reject(
        new GatewayError(
          'rate-limited',
          `Not sent: IBKR allows ${request.endpoint} only every ${Math.round((rule?.minIntervalMs ?? 0) / 1000)} s; next at ${clockTime(endpointReady)}.`,
          { endpoint: request.endpoint, retryAt: endpointReady, notSent: true },
        ),
      );
    }
    if (this.queue.length >= this.rules.maxQueue) {
      return Promise.reject(
        new GatewayError('rate-limited', `Not sent: ${this.rules.maxQueue} requests are already waiting for IBKR's pacing limit; try again shortly.`, {
          endpoint: request.endpoint,
          retryAt: now + this.rules.windowMs,
          notSent: true,
        }),
      );
    }

    const promise = new Promise<T>((resolve, reject) => {
      this.queue.push({
        request,
        deadline: now + request.maxWaitMs,
        send,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
    });
    this.inFlight.set(request.key, promise);
    this.pump();
    return promise;
  }

  /** Stop the timer and refuse everything queued (the client is being disposed). */
  dispose(): void {
    this.clearTimer();
    const refused = this.queue;
    this.queue = [];
    for (const waiting of refused) {
      this.inFlight.delete(waiting.request.key);
      waiting.reject(new GatewayError('not-responding', 'Not sent: the gateway client was closed.', { endpoint: waiting.request.endpoint }));
    }
  }

  private penaltyError(endpoint: string, until: number): GatewayError {
    return new GatewayError(
      'rate-limited',
      `IBKR rate-limited this gateway (HTTP 429): nothing is sent until ${clockTime(until)}; wait, do not restart the gateway.`,
      { endpoint, retryAt: until },
    );
  }

  /** When this endpoint's interval allows the next request; Infinity while the previous one is in flight. */
  private endpointReadyAt(endpoint: string): number {
    const rule = this.rules.endpoints[endpoint];
    const last = this.lastByEndpoint.get(endpoint);
    if (!rule || last === undefined) return this.clock.now();
    if (last.settledAt === null) return Infinity;
    return Math.max(this.clock.now(), last.settledAt + rule.minIntervalMs + this.rules.marginMs);
  }

  /** When one more request fits the window; Infinity while only in-flight requests could free a slot. */
  private windowReadyAt(now: number): number {
    const window = this.rules.windowMs + this.rules.marginMs;
    this.slots = this.slots.filter((slot) => slot.settledAt === null || now - slot.settledAt < window);
    if (this.slots.length < this.rules.perWindow) return now;
    const freeAt = this.slots.map((slot) => (slot.settledAt === null ? Infinity : slot.settledAt + window)).sort((a, b) => a - b);
    // The slot whose release brings the count below the limit.
    return freeAt[this.slots.length - this.rules.perWindow]!;
  }

  private pump(): void {
    this.clearTimer();
    const now = this.clock.now();
    let wake = Infinity;
    const still: Waiting[] = [];
    for (let index = 0; index < this.queue.length; index++) {
      const waiting = this.queue[index]!;
      const windowReady = this.windowReadyAt(now);
      const endpointReady = this.endpointReadyAt(waiting.request.endpoint);
      let readyAt = Math.max(windowReady, endpointReady);
      if (readyAt <= now) {
        const slot = this.takeSharedSlot(waiting);
        if (slot !== null && typeof slot === 'object' && 'penaltyUntil' in slot) {
          // Another process met a 429: what is still queued is refused, as after our own.
          this.queue = [...still, ...this.queue.slice(index)];
          this.penalize(Math.max(0, slot.penaltyUntil - now));
          return;
        }
        if (typeof slot !== 'number') {
          this.dispatch(waiting, now, slot);
          continue;
        }
        readyAt = slot;
      }
      // Infinity: a slot frees only when an answer comes (pump runs then); until then wait to the deadline.
      if (readyAt === Infinity && now < waiting.deadline) {
        still.push(waiting);
        wake = Math.min(wake, waiting.deadline);
        continue;
      }
      if (readyAt > waiting.deadline) {
        this.inFlight.delete(waiting.request.key);
        waiting.reject(
          new GatewayError(
            'rate-limited',
            `Not sent: waited ${waiting.request.maxWaitMs} ms for IBKR's pacing limit (${this.rules.perWindow} requests/s) without a free slot; try again shortly.`,
            { endpoint: waiting.request.endpoint, retryAt: readyAt, notSent: true },
          ),
        );
        continue;
      }
      still.push(waiting);
      wake = Math.min(wake, readyAt);
    }
    this.queue = still;
    if (wake !== Infinity) this.setTimer(wake, now);
  }

  /**
   * The shared ledger's slot for this request: its ticket (null without a ledger), when to ask
   * again, or the end of a penalty another process met.
   */
  private takeSharedSlot(waiting: Waiting): { ticket: string } | null | number | { penaltyUntil: number } {
    if (!this.shared) return null;
    const origin = this.shared.origin();
    // Held, should this process die with the request unanswered, for as long as the request may take.
    const slot = this.shared.ledger.reserve(origin, waiting.request.endpoint, waiting.request.maxWaitMs + 1_000);
    if ('ticket' in slot) return slot;
    return slot.penalty ? { penaltyUntil: slot.retryAt } : slot.retryAt;
  }

  private dispatch(waiting: Waiting, now: number, slot: { ticket: string } | null): void {
    const { request } = waiting;
    const origin = this.shared?.origin() ?? '';
    const own: Slot = { settledAt: null };
    this.slots.push(own);
    if (this.rules.endpoints[request.endpoint]) this.lastByEndpoint.set(request.endpoint, own);
    const settle = (): void => {
      if (slot && this.shared) this.shared.ledger.release(origin, slot.ticket);
      own.settledAt = this.clock.now();
      if (this.queue.length > 0) this.pump();
    };
    let outcome: Promise<unknown>;
    try {
      outcome = waiting.send();
    } catch (error) {
      outcome = Promise.reject(error);
    }
    outcome.then(
      (value) => {
        this.inFlight.delete(request.key);
        if (this.rules.endpoints[request.endpoint]?.reuseAnswer) this.answers.set(request.key, { at: now, value });
        settle();
        waiting.resolve(value);
      },
      (error: unknown) => {
        this.inFlight.delete(request.key);
        settle();
        waiting.reject(error);
      },
    );
  }

  private setTimer(at: number, now: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(0, at - now));
  }

  private clearTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
