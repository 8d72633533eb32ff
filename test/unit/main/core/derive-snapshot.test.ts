/**
 * What the core offers and says in every state: the table the tray, the page and the command all
 * draw from (src/main/core/derive-snapshot.ts). Sessions are reached through transition(), as in the app.
 */
import { describe, expect, it } from 'vitest';
import { actionsFor, deriveSnapshot, reasonFor } from '../../../../src/main/core/derive-snapshot.js';
import { transition, type SessionEvent, type SessionState } from '../../../../src/shared/session.js';
import type { AvailableActions, GatewayView, SessionKind } from '../../../../src/shared/snapshot.js';
import { FIXTURE_PREFERENCES, FIXTURE_START, FIXTURE_URL, sessionIn } from '../../../fixtures/snapshots.js';

const supervised = { canStartGateway: true, canStopGateway: true } as const;
const gateway: GatewayView = { url: FIXTURE_URL, port: 5000, folder: '/opt/clientportal.gw', running: true, pid: 4242, startedByUs: true, fingerprint: null };

/** The actions that are on, by name: easier to read in a table than nine booleans. */
function on(actions: AvailableActions): string[] {
  return Object.entries(actions)
    .filter(([, enabled]) => enabled)
    .map(([name]) => name)
    .sort();
}

function after(kind: SessionKind, ...events: SessionEvent[]): SessionState {
  return events.reduce(transition, sessionIn(kind));
}

const later = (seconds: number): number => FIXTURE_START + 60_000 + seconds * 1000;

/** state, gateway process (can start / can stop), actions on, reason. */
const TABLE: ReadonlyArray<readonly [string, SessionState, { canStartGateway: boolean; canStopGateway: boolean }, string[], string | RegExp]> = [
  ['stopped (gateway exited)', sessionIn('stopped'), { canStartGateway: true, canStopGateway: false }, ['logIn', 'refresh', 'retry', 'startGateway'], 'The gateway is not running. Start it to log in.'],
  [
    'stopped by the user',
    after('ready', { type: 'gateway-stopped', at: later(1), reason: null, byUser: true }),
    { canStartGateway: true, canStopGateway: false },
    ['logIn', 'refresh', 'startGateway'],
    'You stopped the gateway. Start it when you want to use IBKR again.',
  ],
  ['stopped, no supervisor (no folder)', sessionIn('stopped'), { canStartGateway: false, canStopGateway: false }, ['refresh', 'retry'], /^No gateway answers at https:\/\/localhost:5000\. Choose/],
  ['starting', sessionIn('starting'), { canStartGateway: false, canStopGateway: true }, ['refresh', 'stopGateway'], 'Starting the gateway…'],
  ['failed', sessionIn('failed'), { canStartGateway: true, canStopGateway: false }, ['logIn', 'refresh', 'retry', 'startGateway'], /^Java 8 or newer is needed to run the gateway/],
  ['not-responding', sessionIn('not-responding'), supervised, ['refresh', 'retry', 'stopGateway'], /did not answer \/v1\/api\/iserver\/auth\/status/],
  ['login-required (never logged in)', sessionIn('login-required'), supervised, ['logIn', 'refresh', 'stopGateway'], 'Not logged in. Log in to IBKR.'],
  ['login-required (logged out)', after('ready', { type: 'logged-out', at: later(1) }), supervised, ['logIn', 'refresh', 'stopGateway'], 'You logged out. Log in when you want the session back.'],
  ['login-required (expired)', after('ready', { type: 'no-session', at: later(1) }), supervised, ['logIn', 'refresh', 'stopGateway'], 'Your IBKR session ended. Log in again.'],
  ['login-required (cancelled)', after('logging-in', { type: 'login-cancelled', at: later(1) }), supervised, ['logIn', 'refresh', 'stopGateway'], 'Login cancelled. Log in when you are ready.'],
  ['login-required (timed out)', after('logging-in', { type: 'login-timed-out', at: later(1) }), supervised, ['logIn', 'refresh', 'stopGateway'], 'The login was not completed within 3 min: Log in again.'],
  ['logging-in', sessionIn('logging-in'), supervised, ['cancelLogin', 'refresh', 'stopGateway'], 'Waiting for you to log in on the IBKR login page…'],
  ['brokerage-starting', sessionIn('brokerage-starting'), supervised, ['logOut', 'refresh', 'stopGateway'], 'Logged in; starting the brokerage session…'],
  [
    'brokerage-starting, gave up',
    after(
      'brokerage-starting',
      ...[1, 2, 3].flatMap((n): SessionEvent[] => [
        { type: 'brokerage-init', at: later(2 * n) },
        { type: 'brokerage-init-failed', at: later(2 * n + 1), reason: 'no bridge' },
      ]),
    ),
    supervised,
    ['logIn', 'logOut', 'refresh', 'retry', 'stopGateway'],
    'Logged in, but the brokerage session did not start after 3 tries (IBKR says: no bridge). Retry, or log in again.',
  ],
  ['ready (two accounts)', sessionIn('ready'), supervised, ['logOut', 'refresh', 'selectAccount', 'stopGateway'], 'Ready: logged in as user123 (paper), account DU1234567.'],
  [
    'ready (one account)',
    after('ready', { type: 'accounts', at: later(1), accounts: [{ id: 'DU1234567', alias: null }], selectedAccount: 'DU1234567' }),
    supervised,
    ['logOut', 'refresh', 'stopGateway'],
    'Ready: logged in as user123 (paper), account DU1234567.',
  ],
  ['competing', sessionIn('competing'), supervised, ['logOut', 'refresh', 'stopGateway', 'takeOver'], /^Another IBKR platform .* Take over to use it here\.$/],
  ['rate-limited', sessionIn('rate-limited'), supervised, ['stopGateway'], /^IBKR is limiting requests from this computer; the app sends nothing until \d\d:\d\d\.$/],
];

describe('actionsFor and reasonFor, state by state', () => {
  it.each(TABLE)('%s', (_name, state, process, actions, reason) => {
    expect(on(actionsFor(state, process))).toEqual(actions);
    const said = reasonFor(state, { gateway: { ...gateway, folder: process.canStartGateway ? gateway.folder : null }, ...process });
    if (typeof reason === 'string') expect(said).toBe(reason);
    else expect(said).toMatch(reason);
  });

  it('covers every state', () => {
    const kinds = new Set(TABLE.map(([, state]) => state.kind));
    expect([...kinds].sort()).toEqual(
      ['brokerage-starting', 'competing', 'failed', 'logging-in', 'login-required', 'not-responding', 'ready', 'rate-limited', 'starting', 'stopped'].sort(),
    );
  });

  it('adds the keep-alive alarm to the reason after two minutes of failing tickles, and not before', () => {
    const failing = after('ready', { type: 'keepalive-failed', at: later(0) });
    const context = { profile: 'Gateway', gateway, ...supervised, preferences: FIXTURE_PREFERENCES, notices: [] };
    const early = deriveSnapshot(failing, { ...context, now: later(119) });
    expect(early.keepaliveFailingSince).toBeNull();
    expect(early.reason).not.toMatch(/Keep-alive/);
    const late = deriveSnapshot(failing, { ...context, now: later(120) });
    expect(late.keepaliveFailingSince).toBe(later(0));
    expect(late.reason).toMatch(/ Keep-alive requests have been failing since \d\d:\d\d\.$/);
  });
});

describe('the session fields (user, last keepalive, SSO expiry) show only while a session may live', () => {
  const context = { profile: 'Gateway', gateway, ...supervised, preferences: FIXTURE_PREFERENCES, notices: [] };
  const rateLimited = (from: SessionState): SessionState => transition(from, { type: 'rate-limited', at: later(30), until: later(90) });
  /** From a ready session (user123, tickled): the state it moves to, and whether the fields still show. */
  const CASES: ReadonlyArray<readonly [string, SessionState, boolean]> = [
    ['ready', sessionIn('ready'), true],
    ['competing', after('ready', { type: 'status', at: later(1), competing: true }), true],
    ['not-responding (session unknown)', after('ready', { type: 'failure', at: later(1), cause: 'not-responding', reason: 'hangs' }), true],
    ['rate-limited while ready', rateLimited(sessionIn('ready')), true],
    ['logged out', after('ready', { type: 'logged-out', at: later(1) }), false],
    ['session expired', after('ready', { type: 'no-session', at: later(1) }), false],
    ['SSO no longer valid', after('ready', { type: 'sso', at: later(1), valid: false }), false],
    ['gateway stopped by the user', after('ready', { type: 'gateway-stopped', at: later(1), reason: null, byUser: true }), false],
    ['gateway exited', after('ready', { type: 'gateway-stopped', at: later(1), reason: null, byUser: false }), false],
    ['gateway unreachable', after('ready', { type: 'failure', at: later(1), cause: 'unreachable', reason: 'nothing answers' }), false],
    ['gateway failed', after('ready', { type: 'gateway-failed', at: later(1), reason: 'java went away' }), false],
    ['gateway starting again', after('ready', { type: 'gateway-stopped', at: later(1), reason: null, byUser: true }, { type: 'gateway-starting', at: later(2) }), false],
    ['logging in again after a logout', after('ready', { type: 'logged-out', at: later(1) }, { type: 'login-started', at: later(2) }), false],
    ['rate-limited after a logout', rateLimited(after('ready', { type: 'logged-out', at: later(1) })), false],
  ];

  it.each(CASES)('%s', (_name, state, shown) => {
    const snapshot = deriveSnapshot(state, { ...context, now: later(60) });
    if (shown) {
      expect(snapshot.username).toBe('user123');
      expect(snapshot.lastTickleAt).not.toBeNull();
      expect(snapshot.ssoExpiresAt).not.toBeNull();
    } else {
      expect({ username: snapshot.username, lastTickleAt: snapshot.lastTickleAt, ssoExpiresAt: snapshot.ssoExpiresAt }).toEqual({ username: null, lastTickleAt: null, ssoExpiresAt: null });
    }
  });
});
