/**
 * What every shell (Electron main, the web dashboard, the command line) holds of the core: the
 * controller behind this interface. Snapshots out, intents in; nothing else crosses.
 */
import type { LogLine } from './api.js';
import type { Intent, IntentResult } from './intents.js';
import type { AppSnapshot } from './snapshot.js';

export interface EngineApi {
  /** The latest snapshot (never stale by more than one change). */
  snapshot(): AppSnapshot;
  /** Called with every new snapshot. Returns the function that unsubscribes. */
  subscribe(listener: (snapshot: AppSnapshot) => void): () => void;
  /** Carry out an intent if the current state allows it; otherwise refuse with a reason. */
  dispatch(intent: Intent): Promise<IntentResult>;
  /** Gateway log lines kept so far (bounded buffer). */
  log(): readonly LogLine[];
  /** Called with new gateway log lines. Returns the function that unsubscribes. */
  onLog(listener: (lines: readonly LogLine[]) => void): () => void;
}
