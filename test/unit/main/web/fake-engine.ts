/**
 * A small in-memory EngineApi for the page's and the dashboard's tests: it holds a snapshot, emits the
 * ones a test pushes, records the intents it receives, and answers them the way the test says. Its
 * snapshots come from test/fixtures/snapshots.ts, i.e. from the core's own derivation.
 */
import type { LogLine } from '../../../../src/shared/api.js';
import type { EngineApi } from '../../../../src/shared/engine-api.js';
import type { Intent, IntentResult } from '../../../../src/shared/intents.js';
import type { AppSnapshot, SessionKind } from '../../../../src/shared/snapshot.js';
import { snapshotOf, type FixtureOptions } from '../../../fixtures/snapshots.js';

export interface FakeEngine extends EngineApi {
  /** Intents received, in order. */
  readonly intents: Intent[];
  /** What dispatch answers (default ok). */
  answer: (intent: Intent) => IntentResult | Promise<IntentResult>;
  /** Emit the current snapshot with some fields changed (seq is bumped automatically unless given). */
  push(overrides: Partial<AppSnapshot>): AppSnapshot;
  /** Emit the snapshot the core derives for a session in `kind` (with the engine's next seq). */
  show(kind: SessionKind, overrides?: Partial<AppSnapshot>, options?: FixtureOptions): AppSnapshot;
  /** Emit gateway log lines. */
  pushLog(...texts: string[]): void;
  /** How many snapshot / log listeners are subscribed now. */
  listenerCount(): { snapshot: number; log: number };
}

export function createFakeEngine(initial: AppSnapshot = snapshotOf('ready')): FakeEngine {
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
      current = { ...current, seq: lastSeq + 1, at: Date.now(), ...overrides };
      lastSeq = Math.max(lastSeq, current.seq);
      for (const listener of snapshotListeners) listener(current);
      return current;
    },
    show(kind, overrides = {}, options = {}) {
      const { seq: _seq, ...whole } = snapshotOf(kind, overrides, options);
      return engine.push({ ...whole, ...overrides });
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
