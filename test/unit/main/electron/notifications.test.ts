import { describe, expect, it } from 'vitest';
import type { SessionKind } from '../../../../src/shared/snapshot.js';
import { EXPECTED_CHANGE_MS, NotificationFilter, type Alert } from '../../../../src/main/electron/notifications.js';
import { snapshotOf } from '../../../fixtures/snapshots.js';

/** Feed states in order (one snapshot each, as polls would) and collect the alert kinds. */
function alertsFor(states: readonly SessionKind[], filter = new NotificationFilter()): (Alert['kind'] | null)[] {
  return states.map((state) => filter.next(snapshotOf(state))?.kind ?? null);
}

describe('NotificationFilter', () => {
  it('announces a lost session once, however many polls repeat it', () => {
    expect(alertsFor(['ready', 'ready', 'login-required', 'login-required', 'login-required'])).toEqual([null, null, 'session-lost', null, null]);
  });

  it('offers to log in again when the session is lost', () => {
    const filter = new NotificationFilter();
    filter.next(snapshotOf('ready'));
    expect(filter.next(snapshotOf('login-required'))?.click).toEqual({ kind: 'intent', intent: { type: 'log-in' } });
  });

  it('announces another platform taking the session, and offers to take it back', () => {
    const filter = new NotificationFilter();
    filter.next(snapshotOf('ready'));
    const alert = filter.next(snapshotOf('competing'));
    expect(alert?.kind).toBe('session-taken');
    expect(alert?.click).toEqual({ kind: 'intent', intent: { type: 'take-over' } });
    expect(filter.next(snapshotOf('competing'))).toBeNull();
  });

  it('announces the gateway stopping for good once', () => {
    const filter = new NotificationFilter();
    expect(alertsFor(['ready', 'failed', 'failed', 'stopped'], filter)).toEqual([null, 'gateway-stopped', null, null]);
  });

  it('announces each new change again after a recovery', () => {
    expect(alertsFor(['ready', 'login-required', 'logging-in', 'brokerage-starting', 'ready', 'login-required'])).toEqual([
      null,
      'session-lost',
      null,
      null,
      null,
      'session-lost',
    ]);
  });

  it('notices a session lost on the way through other states', () => {
    expect(alertsFor(['ready', 'brokerage-starting', 'not-responding', 'login-required'])).toEqual([null, null, null, 'session-lost']);
  });

  it('does not announce a lost session after the gateway was stopped in between', () => {
    const filter = new NotificationFilter();
    expect(alertsFor(['ready', 'failed', 'starting', 'login-required'], filter)).toEqual([null, 'gateway-stopped', null, null]);
  });

  it('says nothing when the gateway found at launch is not running yet (the app is about to start it)', () => {
    const filter = new NotificationFilter();
    const notRunning = (state: SessionKind) => snapshotOf(state, { gateway: { ...snapshotOf(state).gateway, running: false, pid: null } });
    expect(filter.next(notRunning('starting'))).toBeNull();
    expect(filter.next(notRunning('stopped'))).toBeNull();
    expect(filter.next(snapshotOf('login-required'))).toBeNull();
    // …but a gateway that was running and stops is news.
    expect(filter.next(snapshotOf('stopped'))?.kind).toBe('gateway-stopped');
  });

  it('says nothing about the state found at launch', () => {
    expect(alertsFor(['login-required'])).toEqual([null]);
    expect(alertsFor(['competing'])).toEqual([null]);
    expect(alertsFor(['failed'])).toEqual([null]);
  });

  it('does not call a login that never happened a lost session', () => {
    expect(alertsFor(['starting', 'login-required', 'logging-in', 'login-required'])).toEqual([null, null, null, null]);
  });

  it('stays quiet when notifications are turned off, and does not replay them later', () => {
    const filter = new NotificationFilter();
    const off = { startAtLogin: false, notifications: false, startGatewayWithApp: true, stopGatewayOnQuit: true };
    filter.next(snapshotOf('ready', { preferences: off }));
    expect(filter.next(snapshotOf('login-required', { preferences: off }))).toBeNull();
    expect(filter.next(snapshotOf('login-required'))).toBeNull();
  });

  it("does not announce the user's own log-out or stop", () => {
    const filter = new NotificationFilter();
    const ready = snapshotOf('ready');
    filter.next(ready);
    filter.userSent({ type: 'log-out' }, ready.at);
    expect(filter.next(snapshotOf('login-required', { at: ready.at + 2000 }))).toBeNull();
    filter.userSent({ type: 'stop-gateway' }, ready.at + 3000);
    expect(filter.next(snapshotOf('stopped', { at: ready.at + 5000 }))).toBeNull();
  });

  it('forgets a request after a while, and uses each request for one change only', () => {
    const filter = new NotificationFilter();
    const ready = snapshotOf('ready');
    filter.next(ready);
    filter.userSent({ type: 'log-out' }, ready.at);
    expect(filter.next(snapshotOf('login-required', { at: ready.at + EXPECTED_CHANGE_MS + 1 }))?.kind).toBe('session-lost');
    filter.userSent({ type: 'log-out' }, ready.at);
    filter.next(snapshotOf('ready'));
    expect(filter.next(snapshotOf('login-required', { at: ready.at + 1000 }))).toBeNull();
    filter.next(snapshotOf('ready'));
    expect(filter.next(snapshotOf('login-required', { at: ready.at + 2000 }))?.kind).toBe('session-lost');
  });

  it('ignores late or duplicate snapshots', () => {
    const filter = new NotificationFilter();
    const ready = snapshotOf('ready');
    const lost = snapshotOf('login-required');
    filter.next(ready);
    expect(filter.next(lost)?.kind).toBe('session-lost');
    expect(filter.next(ready)).toBeNull();
    expect(filter.next(lost)).toBeNull();
  });
});
