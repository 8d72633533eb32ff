/**
 * A small in-memory Engine for the page's and the dashboard's tests: it holds a snapshot, emits the
 * ones a test pushes, records the intents it receives, and answers them the way the test says.
 */
import type { LogLine } from '../../../src/shared/api.js';
import type { Engine } from '../../../src/shared/engine.js';
import type { Intent, IntentResult } from '../../../src/shared/intents.js';
import { toneOf, type AppSnapshot, type SessionKind } from '../../../src/shared/snapshot.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A complete snapshot: ready, paper, two accounts; override what the test is about. */
export function snapshotOf(overrides: Partial<AppSnapshot> & { state?: SessionKind } = {}): AppSnapshot {
  const state = overrides.state ?? 'ready';
  const now = overrides.at ?? Date.now();
  return {
    seq: 1,
    at: now,
    state,
    tone: toneOf(state),
    reason: 'Logged in; the session is kept alive.',
    authenticated: state === 'ready',
    connected: true,
    competing: state === 'competing',
    accounts: [
      { id: 'DU1234567', alias: 'Main paper' },
      { id: 'DU7654321', alias: null },
    ],
    selectedAccount: 'DU1234567',
    username: 'user123',
    paper: true,
    serverName: 'JifN19053',
    lastTickleAt: now - 12_000,
    ssoExpiresAt: now + 8 * 60_000,
    nextResetAt: now + 5 * 3_600_000 + 3 * 60_000,
    keepaliveFailingSince: null,
    rateLimitedUntil: null,
    gateway: {
      url: 'https://localhost:5000',
      port: 5000,
      folder: '/home/user/clientportal.gw',
      running: true,
      pid: 4242,
      startedByUs: true,
      fingerprint: null,
    },
    actions: {
      logIn: false,
      cancelLogin: false,
      logOut: true,
      takeOver: false,
      retry: false,
      startGateway: false,
      stopGateway: true,
      selectAccount: true,
      refresh: true,
    },
    notices: [],
    preferences: { startAtLogin: false, notifications: true, startGatewayWithApp: true, stopGatewayOnQuit: false },
    ...overrides,
  };
}

export interface FakeEngine extends Engine {
  /** Intents received, in order. */
  readonly intents: Intent[];
  /** What dispatch answers (default ok). */
  answer: (intent: Intent) => IntentResult | Promise<IntentResult>;
  /** Emit a new snapshot (seq is bumped automatically unless given). */
  push(overrides: Partial<AppSnapshot>): AppSnapshot;
  /** Emit gateway log lines. */
  pushLog(...texts: string[]): void;
  /** How many snapshot / log listeners are subscribed now. */
  listenerCount(): { snapshot: number; log: number };
}

export function createFakeEngine(initial: AppSnapshot = snapshotOf()): FakeEngine {
  let current = initial;
  let lastSeq = initial.seq;
  const snapshotListeners = new Set<(s: AppSnapshot) => void>();
  const logListeners = new Set<(lines: readonly LogLine[]) => void>();
  const lines: LogLine[] = [];
  const engine: FakeEngine = {
    intents: [],
    answer: () => ({ ok: true }),
    snapshot: () => current,
    subscribe(listener) {
      snapshotListeners.add(listener);
      return () => snapshotListeners.delete(listener);
    },
    async dispatch(intent) {
      engine.intents.push(intent);
      return engine.answer(intent);
    },
    log: () => lines.slice(),
    onLog(listener) {
      logListeners.add(listener);
      return () => logListeners.delete(listener);
    },
    push(overrides) {
      // Sequence numbers only grow, even after a test pushed a deliberately stale one.
      const next: Mutable<AppSnapshot> = { ...current, seq: lastSeq + 1, at: Date.now(), ...overrides };
      lastSeq = Math.max(lastSeq, next.seq);
      if (overrides.state !== undefined && overrides.tone === undefined) next.tone = toneOf(overrides.state);
      current = next;
      for (const listener of snapshotListeners) listener(current);
      return current;
    },
    pushLog(...texts) {
      const fresh = texts.map((text, i): LogLine => ({ seq: lines.length + i + 1, at: Date.now(), stream: 'stdout', text }));
      lines.push(...fresh);
      for (const listener of logListeners) listener(fresh);
    },
    listenerCount: () => ({ snapshot: snapshotListeners.size, log: logListeners.size }),
  };
  return engine;
}
