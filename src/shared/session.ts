/**
 * The session as the core knows it: a discriminated union of phases plus the facts learnt along the
 * way, and the one pure function that moves it forward. The monitor turns gateway answers, WebSocket
 * frames, process events and user intents into SessionEvents; `transition` decides what they mean.
 *
 * Ordering rule (why every event carries `at`): an observation of the gateway (a REST answer, a
 * WebSocket frame) is stamped with the time its request was SENT (or its frame received). An
 * observation older than the newest one already applied (`observedAt`) is late and changes nothing,
 * so a slow auth/status that left before the user's "log out" cannot log them back in on the screen.
 * Process events and user actions are stamped "now" and always count. An event that changes nothing
 * returns the very same state object, so a duplicate is a no-op that callers can detect with `===`.
 *
 * "Unexpected answer" (a body that does not fit its schema) is a `not-responding` phase whose reason
 * names the endpoint: `Unexpected answer from /v1/api/tickle: …` (see `failure` events).
 *
 * This file is compiled in both the Node and the DOM program: no Node, no DOM in here.
 *
 * Why one file of ~440 lines: the phases, the events and transition() are one idea that is read and
 * changed together (a new phase is a compile error in every switch here); the table test mirrors it.
 */
import type { SessionKind } from './snapshot.js';

/** How many times the monitor sends ssodh/init by itself before it asks the user to retry. */
export const MAX_BROKERAGE_INIT_ATTEMPTS = 3;

export interface SessionAccount {
  readonly id: string;
  /** null when IBKR has no alias besides the id. */
  readonly alias: string | null;
}

/** What the user asked for and the app must not undo by itself (remembered in settings). */
export type UserHold = 'logged-out' | 'stopped' | null;

/** Why a login is needed, for the reason line. */
export type LoginRequiredWhy = 'not-logged-in' | 'expired' | 'logged-out' | 'login-timed-out' | 'login-cancelled';

/** Facts about the session that outlive a single phase. */
export interface SessionFacts {
  readonly authenticated: boolean;
  readonly connected: boolean;
  readonly competing: boolean;
  /** The last non-empty `fail` / `message` the gateway gave with its status. */
  readonly fail: string | null;
  readonly username: string | null;
  readonly paper: boolean | null;
  readonly serverName: string | null;
  /** sso/validate `region` (NA, EU, HK…), for the nightly reset time. */
  readonly region: string | null;
  readonly accounts: readonly SessionAccount[];
  readonly selectedAccount: string | null;
  readonly lastTickleAt: number | null;
  readonly ssoExpiresAt: number | null;
  readonly keepaliveFailingSince: number | null;
  /** The gateway process is known to be up (the supervisor said so, or it answered). */
  readonly gatewayRunning: boolean;
  /**
   * The supervisor is launching the process, which does not listen for its first ~1.5 s: "unreachable"
   * then means "not yet". Without a launch under way, nothing answering means no gateway runs.
   */
  readonly launching: boolean;
  readonly hold: UserHold;
}

/** The phases a session can be in; `kind` is the public SessionKind. */
export type SessionPhase =
  | { readonly kind: 'stopped'; readonly reason: string | null }
  | { readonly kind: 'starting' }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'not-responding'; readonly reason: string }
  | { readonly kind: 'login-required'; readonly why: LoginRequiredWhy }
  | { readonly kind: 'logging-in' }
  | { readonly kind: 'brokerage-starting'; readonly attempts: number; readonly gaveUp: boolean; readonly reason: string | null }
  | { readonly kind: 'ready' }
  | { readonly kind: 'competing' }
  | { readonly kind: 'rate-limited'; readonly until: number; readonly previous: ResumablePhase };

/** Every phase but rate-limited: what a rate-limited session returns to. */
export type ResumablePhase = Exclude<SessionPhase, { readonly kind: 'rate-limited' }>;

interface SessionClock {
  /** When the current phase began. */
  readonly since: number;
  /** The newest observation applied (see the ordering rule above). */
  readonly observedAt: number;
  readonly facts: SessionFacts;
}

export type SessionState = SessionPhase & SessionClock;

// Compile-time check: the phases are exactly the public kinds.
type AssertSame<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _kindsMatch: AssertSame<SessionPhase['kind'], SessionKind> = true;
void _kindsMatch;

/** The auth flags as one observation carries them; a missing flag keeps what was known (WS short `sts`). */
export interface StatusObservation {
  readonly authenticated?: boolean | null | undefined;
  readonly connected?: boolean | null | undefined;
  readonly competing?: boolean | null | undefined;
  readonly fail?: string | null | undefined;
  readonly serverName?: string | null | undefined;
  readonly username?: string | null | undefined;
}

/** Why a request produced no usable answer (mirrors GatewayFailureKind minus the session ones). */
export type FailureCause = 'unreachable' | 'not-responding' | 'ibkr-error' | 'unexpected-answer' | 'certificate-changed';

export type SessionEvent =
  // --- the gateway process (from the supervisor or from probing) ---
  | { readonly type: 'gateway-starting'; readonly at: number }
  | { readonly type: 'gateway-running'; readonly at: number }
  | { readonly type: 'gateway-stopped'; readonly at: number; readonly reason: string | null; readonly byUser: boolean }
  | { readonly type: 'gateway-failed'; readonly at: number; readonly reason: string }
  // --- observations of the session (REST answers, WebSocket frames) ---
  | ({ readonly type: 'status'; readonly at: number } & StatusObservation)
  /** auth/status answered 401: nobody is logged in. */
  | { readonly type: 'not-authenticated'; readonly at: number }
  /** sso/validate answered: valid (200) or not (401). */
  | {
      readonly type: 'sso';
      readonly at: number;
      readonly valid: boolean;
      readonly username?: string | null;
      readonly paper?: boolean | null;
      readonly region?: string | null;
    }
  /** A tickle succeeded. */
  | { readonly type: 'tickle'; readonly at: number; readonly ssoExpiresAt: number }
  /** A tickle failed for a reason other than the session being gone. */
  | { readonly type: 'keepalive-failed'; readonly at: number }
  /** tickle 200 {"error":"no session"} (or sso/validate 401 after a login): the SSO session is gone. */
  | { readonly type: 'no-session'; readonly at: number }
  | { readonly type: 'failure'; readonly at: number; readonly cause: FailureCause; readonly reason: string }
  | { readonly type: 'rate-limited'; readonly at: number; readonly until: number }
  | { readonly type: 'rate-limit-over'; readonly at: number }
  | {
      readonly type: 'accounts';
      readonly at: number;
      readonly accounts: readonly SessionAccount[];
      readonly selectedAccount: string | null;
      readonly paper?: boolean | null;
    }
  | { readonly type: 'account-selected'; readonly at: number; readonly accountId: string }
  /** WebSocket `system` frame: who is logged in. */
  | { readonly type: 'identity'; readonly at: number; readonly username?: string | null; readonly paper?: boolean | null }
  // --- the brokerage session ---
  /** The monitor or the user sent ssodh/init. */
  | { readonly type: 'brokerage-init'; readonly at: number }
  | { readonly type: 'brokerage-init-failed'; readonly at: number; readonly reason: string }
  // --- the user ---
  | { readonly type: 'login-started'; readonly at: number }
  | { readonly type: 'login-cancelled'; readonly at: number }
  | { readonly type: 'login-timed-out'; readonly at: number }
  | { readonly type: 'logged-out'; readonly at: number }
  | { readonly type: 'retry'; readonly at: number };

export type SessionEventType = SessionEvent['type'];

const NO_SESSION_FACTS = {
  authenticated: false,
  connected: false,
  competing: false,
  fail: null,
  accounts: [] as readonly SessionAccount[],
  selectedAccount: null,
  keepaliveFailingSince: null,
} as const;

/** The state before anything is known; `hold` comes from the remembered user intent. */
export function initialSessionState(at: number, hold: UserHold = null): SessionState {
  return {
    kind: 'starting',
    since: at,
    observedAt: at,
    facts: {
      ...NO_SESSION_FACTS,
      username: null,
      paper: null,
      serverName: null,
      region: null,
      lastTickleAt: null,
      ssoExpiresAt: null,
      gatewayRunning: false,
      launching: false,
      hold,
    },
  };
}

/** Events that report what the gateway said; they obey the ordering rule. */
const OBSERVATIONS: ReadonlySet<SessionEventType> = new Set<SessionEventType>([
  'status',
  'not-authenticated',
  'sso',
  'no-session',
  'failure',
  'accounts',
  'identity',
  'account-selected',
]);

/**
 * Observations that only add details (who, which accounts): a late one is still ignored, but they do
 * not advance `observedAt`, so a slower answer about the session itself (a tickle waiting for its
 * pacing slot) still counts after them.
 */
const DETAILS: ReadonlySet<SessionEventType> = new Set<SessionEventType>(['accounts', 'identity', 'account-selected']);

/** Phases in which nothing about the session is known because the gateway is not there. */
function gatewayDown(kind: SessionKind): boolean {
  return kind === 'stopped' || kind === 'failed';
}

/**
 * The next state after `event`. Pure: same inputs, same output, no clock, no I/O. Returns `state`
 * itself (same reference) when the event changes nothing.
 */
export function transition(state: SessionState, event: SessionEvent): SessionState {
  if (OBSERVATIONS.has(event.type) && event.at < state.observedAt) return state; // late
  const next = step(state, event);
  return sameState(state, next) ? state : next;
}

function step(s: SessionState, e: SessionEvent): SessionState {
  const observedAt = DETAILS.has(e.type) ? s.observedAt : Math.max(s.observedAt, e.at);
  const enter = (phase: SessionPhase, facts: SessionFacts = s.facts): SessionState =>
    phase.kind === s.kind && samePhase(s, phase)
      ? { ...s, observedAt, facts }
      : ({ ...phase, since: e.at, observedAt, facts } as SessionState);
  const stay = (facts: SessionFacts = s.facts): SessionState => ({ ...s, observedAt, facts });

  // While rate-limited nothing is sent; only the process, the user and the end of the penalty count.
  if (s.kind === 'rate-limited') {
    switch (e.type) {
      case 'rate-limit-over':
        return e.at >= s.until ? ({ ...s.previous, since: e.at, observedAt, facts: s.facts } as SessionState) : s;
      case 'rate-limited':
        return { ...s, until: Math.max(s.until, e.until), observedAt };
      case 'gateway-stopped':
      case 'gateway-failed':
      case 'logged-out':
        break; // handled below like anywhere else
      default:
        return s;
    }
  }

  switch (e.type) {
    case 'gateway-starting': {
      const hold = s.facts.hold === 'stopped' ? null : s.facts.hold;
      return enter({ kind: 'starting' }, { ...s.facts, ...NO_SESSION_FACTS, gatewayRunning: false, launching: true, hold });
    }
    case 'gateway-running': {
      const facts = { ...s.facts, gatewayRunning: true, launching: false };
      // Up again after being down: "checking" until the first answer says more.
      return gatewayDown(s.kind) || s.kind === 'starting' ? enter({ kind: 'starting' }, facts) : stay(facts);
    }
    case 'gateway-stopped':
      return enter(
        { kind: 'stopped', reason: e.reason },
        { ...s.facts, ...NO_SESSION_FACTS, gatewayRunning: false, launching: false, hold: e.byUser ? 'stopped' : s.facts.hold },
      );
    case 'gateway-failed':
      return enter({ kind: 'failed', reason: e.reason }, { ...s.facts, ...NO_SESSION_FACTS, gatewayRunning: false, launching: false });

    case 'status':
      return onStatus(s, e, enter);

    case 'not-authenticated': {
      const facts = { ...s.facts, ...NO_SESSION_FACTS, gatewayRunning: true, keepaliveFailingSince: s.facts.keepaliveFailingSince };
      if (s.kind === 'logging-in') return stay(facts); // the user is still typing
      if (s.kind === 'login-required') return stay(facts);
      return enter({ kind: 'login-required', why: loginWhy(s) }, facts);
    }
    case 'sso': {
      const facts: SessionFacts = {
        ...s.facts,
        gatewayRunning: true,
        username: e.username ?? s.facts.username,
        paper: e.paper ?? s.facts.paper,
        region: e.region ?? s.facts.region,
      };
      if (!e.valid) {
        if (s.kind === 'logging-in' || s.kind === 'login-required') return stay(facts);
        return enter({ kind: 'login-required', why: 'expired' }, { ...facts, ...NO_SESSION_FACTS });
      }
      // SSO alive but auth/status said 401: the brokerage session is what is down.
      if (s.kind === 'login-required' && s.facts.hold !== 'logged-out') {
        return enter({ kind: 'brokerage-starting', attempts: 0, gaveUp: false, reason: null }, facts);
      }
      return stay(facts);
    }
    case 'tickle': {
      if (s.facts.lastTickleAt !== null && e.at < s.facts.lastTickleAt) return s;
      return stay({ ...s.facts, lastTickleAt: e.at, ssoExpiresAt: e.ssoExpiresAt, keepaliveFailingSince: null, gatewayRunning: true });
    }
    case 'keepalive-failed':
      if (s.facts.keepaliveFailingSince !== null) return s;
      return stay({ ...s.facts, keepaliveFailingSince: e.at });
    case 'no-session': {
      const facts = { ...s.facts, ...NO_SESSION_FACTS, gatewayRunning: true };
      if (s.kind === 'logging-in' || s.kind === 'login-required') return stay(facts);
      return enter({ kind: 'login-required', why: s.facts.hold === 'logged-out' ? 'logged-out' : 'expired' }, facts);
    }
    case 'failure':
      return onFailure(s, e, enter, stay);
    case 'rate-limited':
      return enter({ kind: 'rate-limited', until: e.until, previous: phaseOf(s) as ResumablePhase });
    case 'rate-limit-over':
      return s;

    case 'accounts':
      return stay({
        ...s.facts,
        accounts: e.accounts,
        selectedAccount: e.selectedAccount ?? s.facts.selectedAccount,
        paper: e.paper ?? s.facts.paper,
      });
    case 'account-selected':
      return stay({ ...s.facts, selectedAccount: e.accountId });
    case 'identity':
      return stay({ ...s.facts, username: e.username ?? s.facts.username, paper: e.paper ?? s.facts.paper });

    case 'brokerage-init':
      if (s.kind !== 'brokerage-starting') return s;
      return updatePhase(s, { attempts: s.attempts + 1 }, observedAt);
    case 'brokerage-init-failed':
      if (s.kind !== 'brokerage-starting') return s;
      return updatePhase(s, { reason: e.reason, gaveUp: s.attempts >= MAX_BROKERAGE_INIT_ATTEMPTS }, observedAt);

    case 'login-started': {
      const facts = { ...s.facts, hold: null };
      if (s.kind === 'ready') return s;
      return enter({ kind: 'logging-in' }, facts);
    }
    case 'login-cancelled':
      if (s.kind !== 'logging-in') return s;
      return enter({ kind: 'login-required', why: 'login-cancelled' });
    case 'login-timed-out':
      if (s.kind !== 'logging-in') return s;
      return enter({ kind: 'login-required', why: 'login-timed-out' });
    case 'logged-out':
      return enter({ kind: 'login-required', why: 'logged-out' }, { ...s.facts, ...NO_SESSION_FACTS, hold: 'logged-out' });
    case 'retry':
      if (s.kind === 'brokerage-starting') return enter({ kind: 'brokerage-starting', attempts: 0, gaveUp: false, reason: null });
      return stay();
  }
}

type Enter = (phase: SessionPhase, facts?: SessionFacts) => SessionState;

function updatePhase(
  s: SessionState & { readonly kind: 'brokerage-starting' },
  change: Partial<{ attempts: number; gaveUp: boolean; reason: string | null }>,
  observedAt: number,
): SessionState {
  return { ...s, ...change, observedAt };
}

function loginWhy(s: SessionState): LoginRequiredWhy {
  if (s.facts.hold === 'logged-out') return 'logged-out';
  return s.kind === 'ready' || s.kind === 'competing' || s.kind === 'brokerage-starting' ? 'expired' : 'not-logged-in';
}

function onStatus(s: SessionState, e: StatusObservation & { readonly at: number }, enter: Enter): SessionState {
  const authenticated = e.authenticated ?? s.facts.authenticated;
  const connected = e.connected ?? s.facts.connected;
  const competing = e.competing ?? s.facts.competing;
  const fail = e.fail === undefined ? s.facts.fail : e.fail || null;
  const facts: SessionFacts = {
    ...s.facts,
    authenticated,
    connected,
    competing,
    fail,
    gatewayRunning: true,
    serverName: e.serverName ?? s.facts.serverName,
    username: e.username ?? s.facts.username,
  };
  if (competing) return enter({ kind: 'competing' }, facts);
  if (authenticated && connected && !fail) {
    // The user got their session back by themselves (a browser login): their "logged out" is over.
    return enter({ kind: 'ready' }, { ...facts, hold: s.facts.hold === 'logged-out' ? null : s.facts.hold });
  }
  // auth/status answered 200, so the SSO session exists; the brokerage session is not (yet) up.
  if (s.facts.hold === 'logged-out') {
    return enter(s.kind === 'login-required' ? phaseOf(s) : { kind: 'login-required', why: 'logged-out' }, { ...facts, accounts: [], selectedAccount: null });
  }
  if (s.kind === 'brokerage-starting') {
    const gaveUp = s.attempts >= MAX_BROKERAGE_INIT_ATTEMPTS;
    return enter({ kind: 'brokerage-starting', attempts: s.attempts, gaveUp, reason: fail }, facts);
  }
  return enter({ kind: 'brokerage-starting', attempts: 0, gaveUp: false, reason: fail }, facts);
}

function onFailure(
  s: SessionState,
  e: { readonly cause: FailureCause; readonly reason: string; readonly at: number },
  enter: Enter,
  stay: (facts?: SessionFacts) => SessionState,
): SessionState {
  switch (e.cause) {
    case 'certificate-changed':
      return enter({ kind: 'failed', reason: e.reason }, { ...s.facts, ...NO_SESSION_FACTS });
    case 'unreachable':
      if (s.kind === 'starting' && s.facts.launching) return stay(); // launched, not listening yet
      if (s.kind === 'stopped' || s.kind === 'failed') return stay();
      return enter({ kind: 'stopped', reason: e.reason }, { ...s.facts, ...NO_SESSION_FACTS, gatewayRunning: false });
    case 'not-responding':
    case 'ibkr-error':
    case 'unexpected-answer':
      // The login page goes through the same gateway: the login timeout ends a hopeless wait.
      if (s.kind === 'logging-in') return stay();
      return enter({ kind: 'not-responding', reason: e.reason });
  }
}

function samePhase(a: SessionPhase, b: SessionPhase): boolean {
  return deepEqual(phaseOf(a), phaseOf(b));
}

/** The phase part of a state (kind and its own fields), without the clock and the facts. */
export function phaseOf(p: SessionPhase | SessionState): SessionPhase {
  const { since: _s, observedAt: _o, facts: _f, ...rest } = p as SessionState;
  return rest as SessionPhase;
}

function sameState(a: SessionState, b: SessionState): boolean {
  return a === b || deepEqual(a, b);
}

/** Structural equality of plain data (objects, arrays, primitives). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
