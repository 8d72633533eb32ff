/**
 * The one contract between the page (src/renderer) and the engine. The Electron preload
 * (`window.ibkr`, over IPC) and the web bridge (HTTP + server-sent events to `ibkr-tray serve`)
 * both implement RendererApi; main and the web server both serve the channels below.
 */
import { z } from 'zod';
import { IntentSchema, type Intent, type IntentResult } from './intents.js';
import type { AppSnapshot } from './snapshot.js';
import { Channels, type WebEvent, type WebRoute } from './routes.js';

export { Channels, WebEvents, WebEventsPath, WebRoutes, type Channel, type WebEvent, type WebRoute } from './routes.js';

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

/**
 * What each web route reads from its request body, parsed by the dashboard before any handler runs:
 * nothing for a GET, an Intent for `send`, the typed folder for `chooseGatewayFolder` (in the browser
 * there is no native dialog, so the path is required here).
 */
export const WebRouteBodies = {
  getSnapshot: null,
  getLog: null,
  send: IntentSchema,
  chooseGatewayFolder: z.object({ folder: z.string().trim().min(1, 'type the gateway folder').max(4096) }),
} as const satisfies { readonly [R in WebRoute]: z.ZodType | null };

/** The body a web route takes, as the page sends it (undefined for a GET). */
export type WebRouteBody<R extends WebRoute> = (typeof WebRouteBodies)[R] extends z.ZodType ? z.input<(typeof WebRouteBodies)[R]> : undefined;
/** The body after the dashboard parsed it, as its handler receives it. */
export type ParsedWebRouteBody<R extends WebRoute> = (typeof WebRouteBodies)[R] extends z.ZodType ? z.output<(typeof WebRouteBodies)[R]> : undefined;
/** What a web route answers: exactly what its IPC channel answers. */
export type WebRouteResult<R extends WebRoute> = ChannelResults[(typeof Channels)[R]];
/** What each server-sent event carries: exactly what its push channel carries. */
export interface WebEventPayloads {
  snapshot: AppSnapshot;
  log: readonly LogLine[];
}
// Compile-time check: every web event has a payload type and nothing more.
const _eventsMatch: [WebEvent] extends [keyof WebEventPayloads] ? ([keyof WebEventPayloads] extends [WebEvent] ? true : never) : never = true;
void _eventsMatch;
