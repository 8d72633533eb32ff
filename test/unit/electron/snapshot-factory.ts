/**
 * AppSnapshot fixtures for the shell's pure parts: a plausible snapshot for each state (the actions
 * the engine would offer there), with any field overridable.
 */
import { toneOf, type AppSnapshot, type AvailableActions, type SessionKind } from '../../../src/shared/snapshot.js';

const NONE: AvailableActions = {
  logIn: false,
  cancelLogin: false,
  logOut: false,
  takeOver: false,
  retry: false,
  startGateway: false,
  stopGateway: false,
  selectAccount: false,
  refresh: false,
};

/** What the engine lets the user do in each state (as the controller is specified). */
export function actionsFor(state: SessionKind): AvailableActions {
  switch (state) {
    case 'stopped':
      return { ...NONE, startGateway: true };
    case 'starting':
      return { ...NONE, stopGateway: true };
    case 'failed':
      return { ...NONE, retry: true, startGateway: true };
    case 'not-responding':
      return { ...NONE, retry: true, stopGateway: true, refresh: true };
    case 'login-required':
      return { ...NONE, logIn: true, stopGateway: true, refresh: true };
    case 'logging-in':
      return { ...NONE, cancelLogin: true, stopGateway: true, refresh: true };
    case 'brokerage-starting':
      return { ...NONE, logOut: true, stopGateway: true, refresh: true };
    case 'ready':
      return { ...NONE, logOut: true, selectAccount: true, stopGateway: true, refresh: true };
    case 'competing':
      return { ...NONE, takeOver: true, logOut: true, stopGateway: true, refresh: true };
    case 'rate-limited':
      return { ...NONE, stopGateway: true };
  }
}

const SESSION_STATES: ReadonlySet<SessionKind> = new Set(['ready', 'competing', 'brokerage-starting']);

let seq = 0;

/** A snapshot in `state`; every other field plausible for it, overridable. */
export function snapshotOf(state: SessionKind, overrides: Partial<AppSnapshot> = {}): AppSnapshot {
  seq += 1;
  const session = SESSION_STATES.has(state);
  const running = state !== 'stopped' && state !== 'failed';
  return {
    seq,
    at: 1_800_000_000_000 + seq * 1000,
    state,
    tone: toneOf(state),
    reason: `reason for ${state}`,
    authenticated: session,
    connected: session,
    competing: state === 'competing',
    accounts: session
      ? [
          { id: 'DU1234567', alias: 'Paper main' },
          { id: 'DU7654321', alias: null },
        ]
      : [],
    selectedAccount: session ? 'DU1234567' : null,
    username: session ? 'user123' : null,
    paper: session ? true : null,
    serverName: null,
    lastTickleAt: null,
    ssoExpiresAt: null,
    nextResetAt: null,
    keepaliveFailingSince: null,
    rateLimitedUntil: state === 'rate-limited' ? 1_800_000_600_000 : null,
    gateway: {
      url: 'https://localhost:5000',
      port: 5000,
      folder: '/opt/clientportal.gw',
      running,
      pid: running ? 4242 : null,
      startedByUs: running,
      fingerprint: '13:DA:F8:9A:07:12:B9:62:C3:EC:AA:5E:DE:34:41:00:AE:E0:D3:B5:DE:C5:A7:9A:BD:76:02:A8:12:ED:A3:BE',
    },
    actions: actionsFor(state),
    notices: [],
    preferences: { startAtLogin: false, notifications: true, startGatewayWithApp: true, stopGatewayOnQuit: true },
    ...overrides,
  };
}
