/**
 * SessionState (+ what the engine knows about the gateway and the settings) → the AppSnapshot every
 * shell draws. Pure; the controller numbers the snapshots and emits only real changes.
 */
import { nextNightlyReset } from '../../shared/nightly-reset.js';
import { MAX_BROKERAGE_INIT_ATTEMPTS, type SessionState } from '../../shared/session.js';
import { distinctAlias } from '../../shared/state-words.js';
import { toneOf, type AppSnapshot, type AvailableActions, type GatewayView, type InstallView, type MissingView, type Notice, type Preferences } from '../../shared/snapshot.js';
import { installJavaHint } from './gateway/java.js';
import type { GatewayProcessState } from './gateway/types.js';
import { LOGIN_TIMEOUT_MS } from './schedule.js';

/** Keepalive tickles failing for longer than this is shown to the user (issue: "more than 2 minutes"). */
export const KEEPALIVE_ALARM_MS = 120_000;

export interface SnapshotContext {
  /** The profile's name, which the snapshot carries so shells showing several can tell them apart. */
  readonly profile: string;
  readonly now: number;
  readonly gateway: GatewayView;
  /** A supervisor exists and may start the gateway (a folder is known and it is not running). */
  readonly canStartGateway: boolean;
  /** A supervisor exists and holds a process it can stop. */
  readonly canStopGateway: boolean;
  readonly preferences: Preferences;
  readonly notices: readonly Notice[];
  /** The download under way (default none). */
  readonly install?: InstallView | null;
  /** What the gateway's last start found missing (default nothing). */
  readonly missing?: MissingView | null;
}

/**
 * What the supervisor's last start found missing: Java, when it failed for want of one (GatewayStartError
 * 'no-java'), with what to do on `platform`, the engine's OS (the page may be a browser elsewhere).
 */
export function missingOf(process: GatewayProcessState | null, platform: NodeJS.Platform): MissingView | null {
  return process?.kind === 'failed' && process.cause === 'no-java' ? { what: 'java', todo: installJavaHint(platform) } : null;
}

/** What the user can do in `state`: the one place the controller and every button agree on. */
export function actionsFor(state: SessionState, ctx: Pick<SnapshotContext, 'canStartGateway' | 'canStopGateway'>): AvailableActions {
  const kind = state.kind;
  const gaveUp = kind === 'brokerage-starting' && state.gaveUp;
  const gatewayDown = kind === 'stopped' || kind === 'failed';
  return {
    logIn: kind === 'login-required' || gaveUp || (gatewayDown && ctx.canStartGateway),
    cancelLogin: kind === 'logging-in',
    logOut: kind === 'ready' || kind === 'competing' || kind === 'brokerage-starting',
    takeOver: kind === 'competing',
    retry: kind === 'failed' || kind === 'not-responding' || gaveUp || (kind === 'stopped' && state.facts.hold !== 'stopped'),
    startGateway: gatewayDown && ctx.canStartGateway,
    stopGateway: ctx.canStopGateway && kind !== 'stopped',
    selectAccount: kind === 'ready' && state.facts.accounts.length > 1,
    refresh: kind !== 'rate-limited',
  };
}

function clockTime(at: number): string {
  return new Date(at).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
}

/** The one line that says why the state is what it is and what to do, in the user's words. */
export function reasonFor(state: SessionState, ctx: Pick<SnapshotContext, 'gateway' | 'canStartGateway'>): string {
  const f = state.facts;
  switch (state.kind) {
    case 'stopped':
      if (f.hold === 'stopped') return 'You stopped the gateway. Start it when you want to use IBKR again.';
      if (state.reason) return state.reason;
      if (!ctx.gateway.folder && !ctx.canStartGateway) return `No gateway answers at ${ctx.gateway.url}. Choose the Client Portal Gateway folder so the app can start it.`;
      return 'The gateway is not running. Start it to log in.';
    case 'starting':
      if (f.launching) return 'Starting the gateway…';
      return f.gatewayRunning ? 'The gateway is up; checking the session…' : `Looking for the gateway at ${ctx.gateway.url}…`;
    case 'failed':
      return state.reason;
    case 'not-responding':
      return state.reason;
    case 'login-required':
      switch (state.why) {
        case 'logged-out':
          return 'You logged out. Log in when you want the session back.';
        case 'expired':
          return 'Your IBKR session ended. Log in again.';
        case 'login-timed-out':
          return `The login was not completed within ${LOGIN_TIMEOUT_MS / 60_000} min: Log in again.`;
        case 'login-cancelled':
          return 'Login cancelled. Log in when you are ready.';
        case 'not-logged-in':
          return 'Not logged in. Log in to IBKR.';
      }
      break;
    case 'logging-in':
      return 'Waiting for you to log in on the IBKR login page…';
    case 'brokerage-starting':
      if (state.gaveUp) {
        const why = state.reason ? ` (IBKR says: ${state.reason})` : '';
        return `Logged in, but the brokerage session did not start after ${MAX_BROKERAGE_INIT_ATTEMPTS} tries${why}. Retry, or log in again.`;
      }
      return state.reason ? `Logged in; starting the brokerage session (IBKR says: ${state.reason})…` : 'Logged in; starting the brokerage session…';
    case 'ready': {
      const who = f.username ? ` as ${f.username}` : '';
      const mode = f.paper === null ? '' : f.paper ? ' (paper)' : ' (live)';
      const account = f.selectedAccount ? `, account ${f.selectedAccount}` : '';
      return `Ready: logged in${who}${mode}${account}.`;
    }
    case 'competing':
      return 'Another IBKR platform (TWS, IBKR Mobile, Client Portal) is using this login. Take over to use it here.';
    case 'rate-limited':
      return `IBKR is limiting requests from this computer; the app sends nothing until ${clockTime(state.until)}.`;
  }
  return '';
}

/**
 * Whether `state` may still have the session the facts describe: logged in (ready, competing, the
 * brokerage starting), or unknown for now (the gateway hangs, IBKR's pacing pause after one of those).
 * Logged out, stopped, failed, starting or waiting for a login, there is no session: the facts still
 * hold the old one's user, last keepalive and SSO expiry (transition() keeps what IBKR last said), but
 * showing them would tell the user that a session lives that does not (issue 21 §4).
 */
export function sessionShown(state: SessionState): boolean {
  const kind = state.kind === 'rate-limited' ? state.previous.kind : state.kind;
  return kind === 'ready' || kind === 'competing' || kind === 'brokerage-starting' || kind === 'not-responding';
}

/** The snapshot for `state`, without its sequence number (the controller adds it). */
export function deriveSnapshot(state: SessionState, ctx: SnapshotContext): Omit<AppSnapshot, 'seq'> {
  const f = state.facts;
  const failingLong = f.keepaliveFailingSince !== null && ctx.now - f.keepaliveFailingSince >= KEEPALIVE_ALARM_MS;
  let reason = reasonFor(state, ctx);
  if (failingLong && f.keepaliveFailingSince !== null) {
    reason += ` Keep-alive requests have been failing since ${clockTime(f.keepaliveFailingSince)}.`;
  }
  const aliases = f.accounts.map((a) => ({ id: a.id, alias: distinctAlias(a.id, a.alias) }));
  const shown = sessionShown(state);
  return {
    profile: ctx.profile,
    at: ctx.now,
    state: state.kind,
    tone: toneOf(state.kind),
    reason,
    authenticated: f.authenticated,
    connected: f.connected,
    competing: f.competing,
    accounts: aliases,
    selectedAccount: f.selectedAccount,
    username: shown ? f.username : null,
    paper: f.paper,
    serverName: f.serverName,
    lastTickleAt: shown ? f.lastTickleAt : null,
    ssoExpiresAt: shown ? f.ssoExpiresAt : null,
    nextResetAt: f.authenticated ? nextNightlyReset(f.region ?? 'NA', ctx.now) : null,
    keepaliveFailingSince: failingLong ? f.keepaliveFailingSince : null,
    rateLimitedUntil: state.kind === 'rate-limited' ? state.until : null,
    gateway: ctx.gateway,
    actions: actionsFor(state, ctx),
    notices: ctx.notices,
    preferences: ctx.preferences,
    install: ctx.install ?? null,
    missing: ctx.missing ?? null,
  };
}
