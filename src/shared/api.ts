/**
 * The one contract between the page (src/renderer) and the engine. The Electron preload
 * (`window.ibkr`, over IPC) and the web bridge (HTTP + server-sent events to `ibkr-tray serve`)
 * both implement RendererApi; main and the web server both serve the channels below.
 */
import { z } from 'zod';
import { IntentSchema, type Intent, type IntentResult } from './intents.js';
import type { AppSnapshot } from './snapshot.js';
import { Channels } from './routes.js';

export { Channels, WebRoutes, type Channel } from './routes.js';

/** One line of the gateway's own output (stdout/stderr of run.sh), as the supervisor kept it. */
export interface LogLine {
  readonly seq: number;
  readonly at: number;
  readonly stream: 'stdout' | 'stderr' | 'app';
  readonly text: string;
}

export interface FolderChoice {
  /** The folder the user chose, or null when they cancelled. */
  readonly folder: string | null;
}

export interface RendererApi {
  /** The current snapshot; the page calls this once on load, then follows onSnapshot. */
  getSnapshot(): Promise<AppSnapshot>;
  /** Every snapshot the engine emits. Returns the function that unsubscribes. */
  onSnapshot(listener: (snapshot: AppSnapshot) => void): () => void;
  /** Ask the engine to do something; refused intents come back with a reason. */
  send(intent: Intent): Promise<IntentResult>;
  /** The gateway log lines kept so far (bounded). */
  getLog(): Promise<readonly LogLine[]>;
  /** New gateway log lines as they arrive. Returns the function that unsubscribes. */
  onLog(listener: (lines: readonly LogLine[]) => void): () => void;
  /**
   * Let the user choose the gateway folder: a native dialog in Electron; in the browser the page
   * passes the typed path. Either way the engine checks it and answers like `set-gateway-folder`.
   */
  chooseGatewayFolder(typedPath?: string): Promise<IntentResult>;
}

/** Argument schemas for the invoke channels, parsed in main before any handler runs. */
export const ChannelArgs = {
  [Channels.getSnapshot]: z.tuple([]),
  [Channels.send]: z.tuple([IntentSchema]),
  [Channels.getLog]: z.tuple([]),
  [Channels.chooseGatewayFolder]: z.union([z.tuple([]), z.tuple([z.string().max(4096)])]),
} as const;
export type InvokeChannel = keyof typeof ChannelArgs;

/** What every invoke channel resolves to. */
export interface ChannelResults {
  [Channels.getSnapshot]: AppSnapshot;
  [Channels.send]: IntentResult;
  [Channels.getLog]: readonly LogLine[];
  [Channels.chooseGatewayFolder]: IntentResult;
}
