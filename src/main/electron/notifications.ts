/**
 * Which desktop notification a new snapshot deserves, if any. Pure (no Electron): main.ts shows what
 * this returns with Electron's Notification. One notification per change of state, not one per poll:
 * the engine emits a snapshot on every poll, and only a transition into a state that needs the user
 * is worth interrupting them for.
 */
import type { Intent, IntentType } from '../../shared/intents.js';
import type { AppSnapshot, SessionKind } from '../../shared/snapshot.js';

export type AlertKind = 'session-lost' | 'session-taken' | 'gateway-stopped';

/** What clicking the notification does. */
export type AlertClick = { readonly kind: 'intent'; readonly intent: Intent } | { readonly kind: 'open-window' };

export interface Alert {
  readonly kind: AlertKind;
  readonly title: string;
  readonly body: string;
  readonly click: AlertClick;
}

/** How long an intent the user sent explains the change it asked for (their own log-out is no news). */
export const EXPECTED_CHANGE_MS = 60_000;

/** States in which the user has a working (or at least authenticated) session to lose. */
function hasSession(snapshot: AppSnapshot): boolean {
  return snapshot.authenticated || snapshot.state === 'ready' || snapshot.state === 'competing';
}

const GATEWAY_DOWN: ReadonlySet<SessionKind> = new Set(['stopped', 'failed']);

/**
 * Follows the snapshots and says when to notify. Remembers the previous snapshot (to see changes)
 * and the intents the user just sent (so their own log-out or stop is not announced back to them).
 */
export class NotificationFilter {
  private previous: AppSnapshot | null = null;
  private readonly expected = new Map<IntentType, number>();
  /** A session existed since the last time the user was logged out (it may be lost via other states). */
  private sessionSeen = false;

  /** Call with every intent the user sends from this app (tray, window, notification). */
  userSent(intent: Intent, now: number): void {
    this.expected.set(intent.type, now);
  }

  /** The alert this snapshot calls for, or null. Call with every snapshot, in order. */
  next(snapshot: AppSnapshot): Alert | null {
    const previous = this.previous;
    if (previous !== null && snapshot.seq <= previous.seq) return null; // late or duplicate snapshot
    this.previous = snapshot;
    const hadSession = this.sessionSeen;
    if (hasSession(snapshot)) this.sessionSeen = true;
    else if (snapshot.state === 'login-required' || snapshot.state === 'stopped' || snapshot.state === 'failed') this.sessionSeen = false;
    // The first snapshot is not a change: the tray icon already shows how things stand at launch.
    if (previous === null || previous.state === snapshot.state) return null;
    const alert = this.alertFor(previous, snapshot, hadSession);
    if (alert === null || !snapshot.preferences.notifications) return null;
    return alert;
  }

  private alertFor(previous: AppSnapshot, snapshot: AppSnapshot, hadSession: boolean): Alert | null {
    // The session can fade through other states first (ready → brokerage-starting → login-required).
    if (snapshot.state === 'login-required' && hadSession) {
      if (this.wasAsked('log-out', snapshot.at)) return null;
      return {
        kind: 'session-lost',
        title: 'IBKR session ended',
        body: `${snapshot.reason || 'You are logged out.'} Click to log in again.`,
        click: { kind: 'intent', intent: { type: 'log-in' } },
      };
    }
    if (snapshot.state === 'competing') {
      return {
        kind: 'session-taken',
        title: 'IBKR session in use elsewhere',
        body: 'Another platform (TWS, IBKR Mobile, Client Portal) took the session. Click to take it back.',
        click: { kind: 'intent', intent: { type: 'take-over' } },
      };
    }
    if (GATEWAY_DOWN.has(snapshot.state) && !GATEWAY_DOWN.has(previous.state)) {
      if (this.wasAsked('stop-gateway', snapshot.at)) return null;
      // At launch the engine finds no gateway before it starts one: nothing the user had has stopped.
      if (snapshot.state === 'stopped' && !previous.gateway.running) return null;
      return {
        kind: 'gateway-stopped',
        title: 'Gateway stopped',
        body: `${snapshot.reason || 'The Client Portal Gateway stopped.'} It will not be restarted by itself.`,
        click: { kind: 'open-window' },
      };
    }
    return null;
  }

  /** Did the user ask for this change within EXPECTED_CHANGE_MS? Each request explains one change. */
  private wasAsked(type: IntentType, now: number): boolean {
    const at = this.expected.get(type);
    if (at === undefined) return false;
    this.expected.delete(type);
    return now - at <= EXPECTED_CHANGE_MS;
  }
}

/** The alert of one of several profiles, its title naming the profile ("Paper: IBKR session ended"). */
export function alertOfProfile(alert: Alert, profile: string): Alert {
  return { ...alert, title: `${profile}: ${alert.title}` };
}
