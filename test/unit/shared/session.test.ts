import { describe, expect, it } from 'vitest';
import {
  MAX_BROKERAGE_INIT_ATTEMPTS,
  initialSessionState,
  transition,
  type SessionEvent,
  type SessionFacts,
  type SessionPhase,
  type SessionState,
} from '../../../src/shared/session.js';
import type { SessionKind } from '../../../src/shared/snapshot.js';

const T0 = 1_000_000;

/** A state of `phase` at T0 with default facts (plus overrides). */
function at(phase: SessionPhase, facts: Partial<SessionFacts> = {}): SessionState {
  const base = initialSessionState(T0);
  return { ...phase, since: T0, observedAt: T0, facts: { ...base.facts, gatewayRunning: true, ...facts } } as SessionState;
}

const READY_FACTS: Partial<SessionFacts> = {
  authenticated: true,
  connected: true,
  accounts: [{ id: 'DU1234567', alias: null }],
  selectedAccount: 'DU1234567',
  username: 'user123',
};

const states: Record<SessionKind, SessionState> = {
  stopped: at({ kind: 'stopped', reason: null }, { gatewayRunning: false }),
  starting: at({ kind: 'starting' }, { gatewayRunning: false, launching: true }),
  failed: at({ kind: 'failed', reason: 'Java not found' }, { gatewayRunning: false }),
  'not-responding': at({ kind: 'not-responding', reason: 'The gateway does not answer' }),
  'login-required': at({ kind: 'login-required', why: 'not-logged-in' }),
  'logging-in': at({ kind: 'logging-in' }),
  'brokerage-starting': at({ kind: 'brokerage-starting', attempts: 1, gaveUp: false, reason: null }),
  ready: at({ kind: 'ready' }, READY_FACTS),
  competing: at({ kind: 'competing' }, { ...READY_FACTS, competing: true }),
  'rate-limited': at({ kind: 'rate-limited', until: T0 + 600_000, previous: { kind: 'ready' } }, READY_FACTS),
};

const t = T0 + 1000;
const READY_STATUS: SessionEvent = { type: 'status', at: t, authenticated: true, connected: true, competing: false, fail: '' };
const UNAUTH_STATUS: SessionEvent = { type: 'status', at: t, authenticated: false, connected: true, competing: false, fail: '' };
const COMPETING_STATUS: SessionEvent = { type: 'status', at: t, authenticated: true, connected: true, competing: true };

type Row = [from: SessionKind, event: SessionEvent, to: SessionKind];

// Every state × every event that matters: where the session goes.
const table: Row[] = [
  // auth/status says ready
  ['starting', READY_STATUS, 'ready'],
  ['login-required', READY_STATUS, 'ready'],
  ['logging-in', READY_STATUS, 'ready'],
  ['brokerage-starting', READY_STATUS, 'ready'],
  ['not-responding', READY_STATUS, 'ready'],
  ['competing', READY_STATUS, 'ready'],
  ['ready', READY_STATUS, 'ready'],
  ['stopped', READY_STATUS, 'ready'], // a gateway started by hand answers
  ['rate-limited', READY_STATUS, 'rate-limited'], // nothing counts during the penalty
  // SSO alive, brokerage down
  ['ready', UNAUTH_STATUS, 'brokerage-starting'],
  ['logging-in', UNAUTH_STATUS, 'brokerage-starting'],
  ['starting', UNAUTH_STATUS, 'brokerage-starting'],
  ['brokerage-starting', UNAUTH_STATUS, 'brokerage-starting'],
  ['competing', UNAUTH_STATUS, 'brokerage-starting'],
  // competing
  ['ready', COMPETING_STATUS, 'competing'],
  ['brokerage-starting', COMPETING_STATUS, 'competing'],
  ['competing', COMPETING_STATUS, 'competing'],
  // 401 from auth/status
  ['ready', { type: 'not-authenticated', at: t }, 'login-required'],
  ['starting', { type: 'not-authenticated', at: t }, 'login-required'],
  ['logging-in', { type: 'not-authenticated', at: t }, 'logging-in'], // the user is still typing
  ['brokerage-starting', { type: 'not-authenticated', at: t }, 'login-required'],
  ['not-responding', { type: 'not-authenticated', at: t }, 'login-required'],
  // sso/validate
  ['login-required', { type: 'sso', at: t, valid: true }, 'brokerage-starting'],
  ['login-required', { type: 'sso', at: t, valid: false }, 'login-required'],
  ['ready', { type: 'sso', at: t, valid: false }, 'login-required'],
  ['logging-in', { type: 'sso', at: t, valid: false }, 'logging-in'],
  // tickle: no session
  ['ready', { type: 'no-session', at: t }, 'login-required'],
  ['competing', { type: 'no-session', at: t }, 'login-required'],
  ['logging-in', { type: 'no-session', at: t }, 'logging-in'],
  // failures
  ['ready', { type: 'failure', at: t, cause: 'not-responding', reason: 'x' }, 'not-responding'],
  ['ready', { type: 'failure', at: t, cause: 'ibkr-error', reason: 'x' }, 'not-responding'],
  ['ready', { type: 'failure', at: t, cause: 'unexpected-answer', reason: 'x' }, 'not-responding'],
  ['ready', { type: 'failure', at: t, cause: 'unreachable', reason: 'x' }, 'stopped'],
  ['ready', { type: 'failure', at: t, cause: 'certificate-changed', reason: 'x' }, 'failed'],
  ['starting', { type: 'failure', at: t, cause: 'unreachable', reason: 'x' }, 'starting'], // launched, not listening yet
  ['logging-in', { type: 'failure', at: t, cause: 'not-responding', reason: 'x' }, 'logging-in'],
  ['rate-limited', { type: 'failure', at: t, cause: 'not-responding', reason: 'x' }, 'rate-limited'],
  // 429
  ['ready', { type: 'rate-limited', at: t, until: t + 600_000 }, 'rate-limited'],
  ['logging-in', { type: 'rate-limited', at: t, until: t + 600_000 }, 'rate-limited'],
  ['rate-limited', { type: 'rate-limit-over', at: T0 + 600_000 }, 'ready'],
  ['rate-limited', { type: 'rate-limit-over', at: T0 + 1 }, 'rate-limited'], // early: still in the box
  // the process
  ['stopped', { type: 'gateway-starting', at: t }, 'starting'],
  ['failed', { type: 'gateway-starting', at: t }, 'starting'],
  ['stopped', { type: 'gateway-running', at: t }, 'starting'],
  ['ready', { type: 'gateway-running', at: t }, 'ready'],
  ['ready', { type: 'gateway-stopped', at: t, reason: null, byUser: true }, 'stopped'],
  ['rate-limited', { type: 'gateway-stopped', at: t, reason: null, byUser: false }, 'stopped'],
  ['starting', { type: 'gateway-failed', at: t, reason: 'Java not found' }, 'failed'],
  // the user
  ['login-required', { type: 'login-started', at: t }, 'logging-in'],
  ['ready', { type: 'login-started', at: t }, 'ready'],
  ['logging-in', { type: 'login-cancelled', at: t }, 'login-required'],
  ['ready', { type: 'login-cancelled', at: t }, 'ready'], // late cancel
  ['logging-in', { type: 'login-timed-out', at: t }, 'login-required'],
  ['ready', { type: 'login-timed-out', at: t }, 'ready'],
  ['ready', { type: 'logged-out', at: t }, 'login-required'],
  ['competing', { type: 'logged-out', at: t }, 'login-required'],
  ['rate-limited', { type: 'logged-out', at: t }, 'login-required'],
];

describe('the first check', () => {
  it('nothing listening and nothing being launched means the gateway is stopped, with the reason', () => {
    const next = transition(initialSessionState(t - 10), { type: 'failure', at: t, cause: 'unreachable', reason: 'No gateway answers at https://localhost:5000' });
    expect(next.kind).toBe('stopped');
    expect(next.kind === 'stopped' && next.reason).toBe('No gateway answers at https://localhost:5000');
  });
  it('while the supervisor launches the gateway, unreachable only means "not yet"', () => {
    const launching = transition(initialSessionState(t - 10), { type: 'gateway-starting', at: t - 5 });
    expect(transition(launching, { type: 'failure', at: t, cause: 'unreachable', reason: 'x' }).kind).toBe('starting');
  });
});

describe('transition: state × event', () => {
  it.each(table)('%s + %j → %s', (from, event, to) => {
    expect(transition(states[from], event).kind).toBe(to);
  });

  it('covers every state at least once as a starting point', () => {
    const covered = new Set(table.map(([from]) => from));
    expect([...covered].sort()).toEqual(Object.keys(states).sort());
  });
});

describe('transition: late, duplicate and out-of-order events', () => {
  const observations: SessionEvent[] = [
    READY_STATUS,
    UNAUTH_STATUS,
    COMPETING_STATUS,
    { type: 'not-authenticated', at: t },
    { type: 'no-session', at: t },
    { type: 'sso', at: t, valid: false },
    { type: 'failure', at: t, cause: 'not-responding', reason: 'late' },
    { type: 'accounts', at: t, accounts: [{ id: 'U7654321', alias: null }], selectedAccount: 'U7654321' },
    { type: 'identity', at: t, username: 'someone' },
  ];

  it.each(observations)('an observation older than the newest applied one changes nothing: %j', (event) => {
    for (const state of Object.values(states)) {
      const newer = { ...state, observedAt: t + 1 };
      expect(transition(newer, event)).toBe(newer);
    }
  });

  it('a slow ready answer sent before the user logged out does not log them back in', () => {
    const loggedOut = transition(states.ready, { type: 'logged-out', at: T0 + 500 });
    const late = transition(loggedOut, { ...READY_STATUS, at: T0 + 100 });
    expect(late).toBe(loggedOut);
    expect(late.kind).toBe('login-required');
  });

  it('applying the same event twice is a no-op the second time (same object)', () => {
    const events: SessionEvent[] = [...table.map(([, e]) => e)];
    for (const state of Object.values(states)) {
      for (const event of events) {
        const once = transition(state, event);
        expect(transition(once, event), `${state.kind} + ${event.type}`).toBe(once);
      }
    }
  });

  it('a repeated status with nothing new keeps the phase start time', () => {
    const ready = transition(states.starting, READY_STATUS);
    const again = transition(ready, { ...READY_STATUS, at: t + 5000 });
    expect(again.kind).toBe('ready');
    expect(again.since).toBe(ready.since);
  });

  it('an old tickle does not move lastTickleAt backwards', () => {
    const s = transition(states.ready, { type: 'tickle', at: t + 100, ssoExpiresAt: t + 600_000 });
    expect(transition(s, { type: 'tickle', at: t, ssoExpiresAt: t + 500_000 })).toBe(s);
  });
});

describe('transition: the rules that matter to users', () => {
  it('a short WebSocket sts keeps the flags it does not mention', () => {
    const s = transition(states.competing, { type: 'status', at: t, competing: false });
    expect(s.kind).toBe('ready');
    expect(s.facts.authenticated).toBe(true);
  });

  it('after "log out" an SSO-alive answer stays login-required (no automatic ssodh/init)', () => {
    const loggedOut = transition(states.ready, { type: 'logged-out', at: t });
    const s = transition(loggedOut, { ...UNAUTH_STATUS, at: t + 1 });
    expect(s.kind).toBe('login-required');
    expect(s.facts.hold).toBe('logged-out');
    expect(transition(s, { type: 'sso', at: t + 2, valid: true }).kind).toBe('login-required');
  });

  it('the user logging in again by themselves ends the "logged out" hold', () => {
    const loggedOut = transition(states.ready, { type: 'logged-out', at: t });
    const s = transition(loggedOut, { ...READY_STATUS, at: t + 1 });
    expect(s.kind).toBe('ready');
    expect(s.facts.hold).toBeNull();
  });

  it('brokerage start gives up after the maximum attempts and Retry starts over', () => {
    let s = transition(states.ready, UNAUTH_STATUS);
    for (let i = 0; i < MAX_BROKERAGE_INIT_ATTEMPTS; i++) {
      s = transition(s, { type: 'brokerage-init', at: t + 10 + i });
      s = transition(s, { ...UNAUTH_STATUS, at: t + 10 + i });
    }
    expect(s.kind === 'brokerage-starting' && s.gaveUp).toBe(true);
    const retried = transition(s, { type: 'retry', at: t + 100 });
    expect(retried.kind === 'brokerage-starting' && retried.attempts === 0 && !retried.gaveUp).toBe(true);
  });

  it('a stop by the user is remembered in the facts', () => {
    const s = transition(states.ready, { type: 'gateway-stopped', at: t, reason: null, byUser: true });
    expect(s.facts.hold).toBe('stopped');
    expect(s.facts.accounts).toEqual([]);
    expect(transition(s, { type: 'gateway-starting', at: t + 1 }).facts.hold).toBeNull();
  });

  it('rate-limited returns to the phase it interrupted, and only after the penalty', () => {
    const s = transition(states.competing, { type: 'rate-limited', at: t, until: t + 1000 });
    expect(s.kind).toBe('rate-limited');
    expect(transition(s, { type: 'rate-limit-over', at: t + 999 })).toBe(s);
    expect(transition(s, { type: 'rate-limit-over', at: t + 1000 }).kind).toBe('competing');
  });

  it('keepalive failing is remembered from the first failure until a tickle works', () => {
    let s = transition(states.ready, { type: 'keepalive-failed', at: t });
    s = transition(s, { type: 'keepalive-failed', at: t + 60_000 });
    expect(s.facts.keepaliveFailingSince).toBe(t);
    s = transition(s, { type: 'tickle', at: t + 120_000, ssoExpiresAt: t + 700_000 });
    expect(s.facts.keepaliveFailingSince).toBeNull();
  });

  it('an unexpected answer keeps its reason (with the endpoint) for the snapshot', () => {
    const reason = 'Unexpected answer from /v1/api/tickle: not JSON';
    const s = transition(states.ready, { type: 'failure', at: t, cause: 'unexpected-answer', reason });
    expect(s.kind === 'not-responding' && s.reason).toBe(reason);
  });
});
