/**
 * What the monitor does next, and when, as a pure function of the session state and a few facts the
 * monitor keeps (when it last tickled, how many failures in a row, …). Like `transition()`, it has no
 * clock and no I/O: `schedule(state, facts, timing)` returns due times, and the monitor's timers only
 * apply them. Table-tested in test/unit/main/core/schedule.test.ts.
 */
import { MAX_BROKERAGE_INIT_ATTEMPTS, type SessionState } from '../../shared/session.js';

export interface MonitorTiming {
  /** auth/status while the brokerage start is in progress, or the gateway starting, and the socket is down. */
  readonly fastPollMs: number;
  /** auth/status during the first loginFastForMs of a login the app started (its login window, the dashboard's Log in). */
  readonly loginPollMs: number;
  /** How long a login is checked at loginPollMs: a person types and confirms in seconds, not minutes. */
  readonly loginFastForMs: number;
  /** auth/status after that, until the login times out (a login left open is not worth 1/s). */
  readonly loginSlowPollMs: number;
  /** auth/status while a login-page hint holds (the page said "Client login succeeds"). */
  readonly hintPollMs: number;
  /** How long a login-page hint holds: the gateway's chain reaches "ready" 3-5 s after it (§6). */
  readonly hintMs: number;
  /** auth/status otherwise while the socket is down (IBKR's limits allow far more; this is frugal). */
  readonly slowPollMs: number;
  /** Wait after the SSO login before our own ssodh/init: the gateway does one itself after authDelay (§6). */
  readonly brokerageGraceMs: number;
  /** Between our ssodh/init attempts. */
  readonly brokerageRetryMs: number;
  /** sso/validate is paced by IBKR at 1/min (§8). */
  readonly ssoValidateMinIntervalMs: number;
  /** A login page left open longer than this ends the wait (the reason names LOGIN_TIMEOUT_MS). */
  readonly loginTimeoutMs: number;
  /** Backoff after IBKR-side errors: first delay, doubling to the cap, with jitter. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** A timer that fires this much later than due means the machine slept: check at once. */
  readonly wakeSlackMs: number;
}

/**
 * A login nobody finishes ends after this, back to "Logged out" with a reason that says so. Typing a
 * password and confirming the second factor takes well under a minute; a login page closed or
 * forgotten must not keep the card on "Logging in…" (and the checks going) for long.
 */
export const LOGIN_TIMEOUT_MS = 180_000;

export const DEFAULT_MONITOR_TIMING: MonitorTiming = {
  fastPollMs: 3_000,
  // IBKR allows 10 requests/s; a login the user is waiting on is worth 1/s for its first minute
  // (then one check every 5 s until it times out), a hint 4/s for 15 s.
  loginPollMs: 1_000,
  loginFastForMs: 60_000,
  loginSlowPollMs: 5_000,
  hintPollMs: 250,
  hintMs: 15_000,
  slowPollMs: 12_000,
  brokerageGraceMs: 5_000,
  brokerageRetryMs: 5_000,
  ssoValidateMinIntervalMs: 60_000,
  loginTimeoutMs: LOGIN_TIMEOUT_MS,
  backoffInitialMs: 5_000,
  backoffMaxMs: 120_000,
  wakeSlackMs: 30_000,
};

/** What the monitor knows besides the session state. */
export interface ScheduleFacts {
  readonly now: number;
  /** No supervisor (a gateway known by URL only), or the supervisor says the process runs. */
  readonly gatewayUp: boolean;
  /** The WebSocket is up and hearing from the gateway. */
  readonly socketHealthy: boolean;
  /** The keepalive interval from the settings. */
  readonly tickleIntervalMs: number;
  /** When the last tickle was sent or refused, whatever its outcome. */
  readonly lastTickleTryAt: number | null;
  /** When the last ssodh/init was sent. */
  readonly lastInitAt: number | null;
  /** IBKR-side failures in a row (for the backoff). */
  readonly failuresInRow: number;
  /** A number in [0, 1) for the backoff's jitter. */
  readonly jitter: number;
  /** The login-required phase (by its start) already followed by one sso/validate. */
  readonly ssoCheckedFor: number | null;
  /** When the last auth/status was sent (the hint's pace counts from it). */
  readonly lastCheckAt: number | null;
  /** Until when the login page's "Client login succeeds" hint holds, or null. */
  readonly loginHintUntil: number | null;
}

/** Due times (epoch ms on the monitor's clock) of each thing to do; null: not to be done. */
export interface Schedule {
  /** The end of a 429 penalty: while set, nothing else is scheduled. */
  readonly penaltyEndsAt: number | null;
  /** The next keepalive tickle. */
  readonly tickleAt: number | null;
  /** The next auth/status check. */
  readonly pollAt: number | null;
  /** Our own next ssodh/init. */
  readonly initAt: number | null;
  /** When an open login page stops being waited for. */
  readonly loginTimeoutAt: number | null;
  /** Follow the gateway's WebSocket. */
  readonly socket: boolean;
  /** Ask sso/validate now, once: tells "login required" from "brokerage session down" after a 401. */
  readonly validateSso: boolean;
}

const NOTHING: Schedule = {
  penaltyEndsAt: null,
  tickleAt: null,
  pollAt: null,
  initAt: null,
  loginTimeoutAt: null,
  socket: false,
  validateSso: false,
};

/** Session kinds in which a session exists upstream that the keepalive and the socket follow. */
const WITH_SESSION: ReadonlySet<SessionState['kind']> = new Set<SessionState['kind']>(['ready', 'competing', 'brokerage-starting', 'not-responding']);

/** Whether a session exists upstream that the keepalive and the socket follow. */
export function hasSession(state: SessionState): boolean {
  return WITH_SESSION.has(state.kind);
}

/** The schedule for `state`. Pure: same inputs, same schedule. */
export function schedule(state: SessionState, facts: ScheduleFacts, timing: MonitorTiming): Schedule {
  const { now } = facts;
  if (state.kind === 'rate-limited') {
    // A few ms late on purpose: timers may fire a hair early, and the pacer counts the end itself.
    return { ...NOTHING, penaltyEndsAt: state.until + 5 };
  }
  const follow = facts.gatewayUp && hasSession(state);
  // A healthy socket says nothing about /iserver answering: while not responding, poll regardless.
  const socketCovers = follow && facts.socketHealthy && state.kind !== 'not-responding';
  const pollDelay = socketCovers ? null : pollDelayFor(state, facts, timing);
  const regular = pollDelay === null ? null : now + pollDelay;
  const hinted = hintedPoll(state, facts, timing);
  return {
    penaltyEndsAt: null,
    tickleAt: follow ? tickleDue(state, facts) : null,
    pollAt: hinted === null ? regular : Math.min(hinted, regular ?? Infinity),
    initAt: initDue(state, facts, timing),
    loginTimeoutAt: state.kind === 'logging-in' ? state.since + timing.loginTimeoutMs : null,
    socket: follow,
    validateSso:
      state.kind === 'login-required' && state.why !== 'logged-out' && state.facts.hold === null && facts.gatewayUp && facts.ssoCheckedFor !== state.since,
  };
}

/**
 * While the login page's hint holds and the session is not ready: check at once, then every
 * hintPollMs from the last check (so a storm of hints still sends at most one per step).
 */
function hintedPoll(state: SessionState, facts: ScheduleFacts, timing: MonitorTiming): number | null {
  if (facts.loginHintUntil === null || facts.now >= facts.loginHintUntil || !facts.gatewayUp || state.kind === 'ready') return null;
  return Math.max(facts.now, (facts.lastCheckAt ?? -Infinity) + timing.hintPollMs);
}

/** A tickle about every interval while a session exists; errors never stop it. */
function tickleDue(state: SessionState, facts: ScheduleFacts): number {
  // From the last try, not the last success: a failing tickle (hung gateway, our own pacer's
  // refusal) must wait its interval too, or its timer is due at once again and again.
  const last = Math.max(state.facts.lastTickleAt ?? -Infinity, facts.lastTickleTryAt ?? -Infinity);
  const due = (Number.isFinite(last) ? last : facts.now) + facts.tickleIntervalMs;
  return Math.max(due, facts.now);
}

/** How long until the next auth/status, or null for none. */
function pollDelayFor(state: SessionState, facts: ScheduleFacts, timing: MonitorTiming): number | null {
  if (!facts.gatewayUp) return null;
  switch (state.kind) {
    case 'logging-in':
      return facts.now - state.since < timing.loginFastForMs ? timing.loginPollMs : timing.loginSlowPollMs;
    case 'brokerage-starting':
    case 'starting':
      return timing.fastPollMs;
    case 'not-responding': {
      const base = Math.min(timing.backoffMaxMs, timing.backoffInitialMs * 2 ** Math.max(0, facts.failuresInRow - 1));
      return Math.round(base * (0.5 + facts.jitter / 2));
    }
    case 'stopped':
      // Nothing answers: with a supervisor we wait for it; a gateway known by URL may come back.
      return state.facts.hold === 'stopped' ? null : timing.slowPollMs;
    default:
      return timing.slowPollMs;
  }
}

/** The brokerage session: ssodh/init at most MAX times, never when the user logged out. */
function initDue(state: SessionState, facts: ScheduleFacts, timing: MonitorTiming): number | null {
  if (state.kind !== 'brokerage-starting' || !facts.gatewayUp || state.gaveUp) return null;
  if (state.attempts >= MAX_BROKERAGE_INIT_ATTEMPTS || state.facts.hold !== null) return null;
  const due = state.attempts === 0 ? state.since + timing.brokerageGraceMs : (facts.lastInitAt ?? facts.now) + timing.brokerageRetryMs;
  return Math.max(due, facts.now);
}
