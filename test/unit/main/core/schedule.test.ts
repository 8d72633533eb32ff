/**
 * The monitor's schedule as a table: state × facts → what is due when. States are reached through
 * the product's own `transition()`, so the table cannot describe a state the machine never makes.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MONITOR_TIMING, schedule, type Schedule, type ScheduleFacts } from '../../../../src/main/core/schedule.js';
import { MAX_BROKERAGE_INIT_ATTEMPTS, initialSessionState, transition, type SessionEvent, type SessionState } from '../../../../src/shared/session.js';

const T0 = 1_000_000;
const NOW = T0 + 10_000;
const timing = DEFAULT_MONITOR_TIMING;

/** The state after `events` (each at T0 + its index), from the start. */
function after(...events: ((at: number) => SessionEvent)[]): SessionState {
  return events.reduce((state, event, i) => transition(state, event(T0 + i)), initialSessionState(T0 - 1));
}

const running = (at: number): SessionEvent => ({ type: 'gateway-running', at });
const ready = (at: number): SessionEvent => ({ type: 'status', at, authenticated: true, connected: true, competing: false, fail: '' });
const ssoOnly = (at: number): SessionEvent => ({ type: 'status', at, authenticated: false, connected: true, competing: false, fail: '' });
const competing = (at: number): SessionEvent => ({ type: 'status', at, authenticated: true, connected: true, competing: true });
const unauthenticated = (at: number): SessionEvent => ({ type: 'not-authenticated', at });
const loginStarted = (at: number): SessionEvent => ({ type: 'login-started', at });
const loggedOut = (at: number): SessionEvent => ({ type: 'logged-out', at });
const hangs = (at: number): SessionEvent => ({ type: 'failure', at, cause: 'not-responding', reason: 'no answer within 5000 ms' });
const penalty = (at: number): SessionEvent => ({ type: 'rate-limited', at, until: T0 + 600_000 });
const initSent = (at: number): SessionEvent => ({ type: 'brokerage-init', at });
const initFailed = (at: number): SessionEvent => ({ type: 'brokerage-init-failed', at, reason: 'not yet' });
const stoppedByUser = (at: number): SessionEvent => ({ type: 'gateway-stopped', at, reason: null, byUser: true });
const stoppedAlone = (at: number): SessionEvent => ({ type: 'gateway-stopped', at, reason: 'exited', byUser: false });

const FACTS: ScheduleFacts = {
  now: NOW,
  gatewayUp: true,
  socketHealthy: false,
  tickleIntervalMs: 60_000,
  lastTickleTryAt: null,
  lastInitAt: null,
  failuresInRow: 0,
  jitter: 0.5,
  ssoCheckedFor: null,
  lastCheckAt: null,
  loginHintUntil: null,
};

const NONE: Schedule = { penaltyEndsAt: null, tickleAt: null, pollAt: null, initAt: null, loginTimeoutAt: null, socket: false, validateSso: false };

type Row = [name: string, state: SessionState, facts: Partial<ScheduleFacts>, expected: Partial<Schedule>];

const READY = after(running, ready);
const LOGIN_REQUIRED = after(running, unauthenticated);
const LOGGING_IN = after(running, unauthenticated, loginStarted);
const BROKERAGE = after(running, ssoOnly);
const GAVE_UP = after(running, ssoOnly, ...Array.from({ length: MAX_BROKERAGE_INIT_ATTEMPTS }, () => initSent), initFailed);

const table: Row[] = [
  ['starting: fast poll, nothing else', after(), {}, { pollAt: NOW + timing.fastPollMs }],
  ['ready, REST only: tickle an interval after now, slow poll, socket wanted', READY, {}, { tickleAt: NOW + 60_000, pollAt: NOW + timing.slowPollMs, socket: true }],
  ['ready with a healthy socket: no poll', READY, { socketHealthy: true }, { tickleAt: NOW + 60_000, socket: true }],
  ['ready: the tickle counts from the last try, not the last success', READY, { lastTickleTryAt: NOW - 20_000 }, { tickleAt: NOW + 40_000, pollAt: NOW + timing.slowPollMs, socket: true }],
  ['ready: an overdue tickle is due now, never in the past', READY, { lastTickleTryAt: NOW - 600_000 }, { tickleAt: NOW, pollAt: NOW + timing.slowPollMs, socket: true }],
  ['ready: the interval setting applies', READY, { tickleIntervalMs: 30_000 }, { tickleAt: NOW + 30_000, pollAt: NOW + timing.slowPollMs, socket: true }],
  ['ready but the supervisor says the process is down: nothing', READY, { gatewayUp: false }, {}],
  ['competing: keepalive and slow poll, never an init', after(running, competing), {}, { tickleAt: NOW + 60_000, pollAt: NOW + timing.slowPollMs, socket: true }],
  ['login required after a 401: one sso/validate, slow poll', LOGIN_REQUIRED, {}, { pollAt: NOW + timing.slowPollMs, validateSso: true }],
  ['login required, sso/validate already asked in this phase', LOGIN_REQUIRED, { ssoCheckedFor: LOGIN_REQUIRED.since }, { pollAt: NOW + timing.slowPollMs }],
  ['logged out: no sso/validate, no init', after(running, ready, loggedOut), {}, { pollAt: NOW + timing.slowPollMs }],
  ['logging in (a login the app started): 1 check a second and the login timeout', LOGGING_IN, {}, { pollAt: NOW + 1_000, loginTimeoutAt: LOGGING_IN.since + timing.loginTimeoutMs }],
  // A login nobody finishes (the login tab closed): 1/s for its first minute, then every 5 s, and it
  // ends 3 min after it began (issue 21: a dashboard login still "Logging in…" after 4 min 43 s, at 1/s).
  ['logging in, 59 s in: still 1 check a second', LOGGING_IN, { now: LOGGING_IN.since + 59_000 }, { pollAt: LOGGING_IN.since + 60_000, loginTimeoutAt: LOGGING_IN.since + 180_000 }],
  ['logging in, 60 s in: one check every 5 s', LOGGING_IN, { now: LOGGING_IN.since + 60_000 }, { pollAt: LOGGING_IN.since + 65_000, loginTimeoutAt: LOGGING_IN.since + 180_000 }],
  ['logging in, 2 min in: one check every 5 s', LOGGING_IN, { now: LOGGING_IN.since + 120_000 }, { pollAt: LOGGING_IN.since + 125_000, loginTimeoutAt: LOGGING_IN.since + 180_000 }],
  ['logging in, late, the login page says it succeeded: 250 ms steps again', LOGGING_IN, { now: LOGGING_IN.since + 120_000, loginHintUntil: LOGGING_IN.since + 135_000, lastCheckAt: LOGGING_IN.since + 119_900 }, { pollAt: LOGGING_IN.since + 120_150, loginTimeoutAt: LOGGING_IN.since + 180_000 }],
  ['a login the app did not start (login required): the slow idle poll', LOGIN_REQUIRED, { ssoCheckedFor: LOGIN_REQUIRED.since }, { pollAt: NOW + timing.slowPollMs }],
  ['login-page hint, no check yet: check at once', LOGGING_IN, { loginHintUntil: NOW + 15_000 }, { pollAt: NOW, loginTimeoutAt: LOGGING_IN.since + timing.loginTimeoutMs }],
  ['login-page hint: the next check 250 ms after the last', LOGGING_IN, { loginHintUntil: NOW + 15_000, lastCheckAt: NOW - 100 }, { pollAt: NOW + 150, loginTimeoutAt: LOGGING_IN.since + timing.loginTimeoutMs }],
  ['login-page hint during the brokerage start: still 250 ms steps, socket or not', BROKERAGE, { now: BROKERAGE.since + 1_000, loginHintUntil: BROKERAGE.since + 16_000, lastCheckAt: BROKERAGE.since + 1_000, socketHealthy: true }, { tickleAt: BROKERAGE.since + 61_000, pollAt: BROKERAGE.since + 1_250, initAt: BROKERAGE.since + timing.brokerageGraceMs, socket: true }],
  ['login-page hint expired: back to the login pace', LOGGING_IN, { loginHintUntil: NOW, lastCheckAt: NOW - 100 }, { pollAt: NOW + 1_000, loginTimeoutAt: LOGGING_IN.since + timing.loginTimeoutMs }],
  ['login-page hint once ready: nothing extra', READY, { loginHintUntil: NOW + 15_000, socketHealthy: true }, { tickleAt: NOW + 60_000, socket: true }],
  ['brokerage starting, no attempt yet: init after the grace', BROKERAGE, { now: BROKERAGE.since + 1_000 }, { tickleAt: BROKERAGE.since + 61_000, pollAt: BROKERAGE.since + 1_000 + timing.fastPollMs, initAt: BROKERAGE.since + timing.brokerageGraceMs, socket: true }],
  ['brokerage starting, grace over: init now', BROKERAGE, { now: BROKERAGE.since + 60_000 }, { tickleAt: BROKERAGE.since + 120_000, pollAt: BROKERAGE.since + 60_000 + timing.fastPollMs, initAt: BROKERAGE.since + 60_000, socket: true }],
  ['brokerage starting after one attempt: retry after the last init', after(running, ssoOnly, initSent), { lastInitAt: NOW - 1_000 }, { tickleAt: NOW + 60_000, pollAt: NOW + timing.fastPollMs, initAt: NOW - 1_000 + timing.brokerageRetryMs, socket: true }],
  [`brokerage starting, gave up after ${MAX_BROKERAGE_INIT_ATTEMPTS}: no more inits`, GAVE_UP, {}, { tickleAt: NOW + 60_000, pollAt: NOW + timing.fastPollMs, socket: true }],
  ['not responding, first failure: backoff with jitter', after(running, ready, hangs), { failuresInRow: 1, jitter: 0 }, { tickleAt: NOW + 60_000, pollAt: NOW + timing.backoffInitialMs / 2, socket: true }],
  ['not responding, third failure: doubled twice', after(running, ready, hangs), { failuresInRow: 3, jitter: 0.5 }, { tickleAt: NOW + 60_000, pollAt: NOW + timing.backoffInitialMs * 4 * 0.75, socket: true }],
  ['not responding, many failures: the cap', after(running, ready, hangs), { failuresInRow: 30, jitter: 0.999999 }, { tickleAt: NOW + 60_000, pollAt: NOW + timing.backoffMaxMs, socket: true }],
  ['not responding with a healthy socket: still polls', after(running, ready, hangs), { failuresInRow: 1, jitter: 1, socketHealthy: true }, { tickleAt: NOW + 60_000, pollAt: NOW + timing.backoffInitialMs, socket: true }],
  ['rate limited: only the end of the penalty (a hair late)', after(running, ready, penalty), {}, { penaltyEndsAt: T0 + 600_000 + 5 }],
  ['stopped by the user: nothing (the supervisor says when it runs)', after(running, stoppedByUser), {}, {}],
  ['stopped by itself, gateway known by URL: slow poll for its return', after(running, stoppedAlone), {}, { pollAt: NOW + timing.slowPollMs }],
];

describe('schedule(state, facts, timing)', () => {
  it.each(table)('%s', (_name, state, facts, expected) => {
    expect(schedule(state, { ...FACTS, ...facts }, timing)).toEqual({ ...NONE, ...expected });
  });

  it('a login ends within 3 min and, at its pace, sends at most 90 checks (60 in the first minute)', () => {
    // Walk the schedule as the monitor does: check when due, until the login times out.
    let now = LOGGING_IN.since;
    const checks: number[] = [];
    for (let budget = 1_000; budget > 0; budget--) {
      const plan = schedule(LOGGING_IN, { ...FACTS, now, lastCheckAt: checks.at(-1) ?? null }, timing);
      if (plan.pollAt === null || plan.loginTimeoutAt === null || plan.pollAt >= plan.loginTimeoutAt) break;
      now = plan.pollAt;
      checks.push(now);
    }
    expect(schedule(LOGGING_IN, { ...FACTS, now }, timing).loginTimeoutAt).toBe(LOGGING_IN.since + 180_000);
    expect(checks.filter((t) => t < LOGGING_IN.since + 60_000).length).toBe(59);
    expect(checks.length).toBeLessThanOrEqual(90);
  });

  it('is pure: the same inputs give the same schedule, and the state is not touched', () => {
    const state = after(running, ready, hangs);
    const copy = structuredClone(state);
    const first = schedule(state, { ...FACTS, failuresInRow: 2 }, timing);
    expect(schedule(state, { ...FACTS, failuresInRow: 2 }, timing)).toEqual(first);
    expect(state).toEqual(copy);
  });
});
