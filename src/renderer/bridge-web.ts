/**
 * RendererApi over HTTP for the web dashboard (`ibkr-tray serve`): requests to the WebRoutes, pushes
 * by server-sent events. The access token rides in the HttpOnly cookie the server set on the first
 * visit, so this code never sees it; every request stays on the page's own origin (CSP connect-src 'self').
 */
import type { LogLine, RendererApi } from '../shared/api.js';
import { WebRoutes } from '../shared/routes.js';
import type { IntentResult } from '../shared/intents.js';
import type { AppSnapshot } from '../shared/snapshot.js';

/**
 * The push stream: connected; reconnecting (the browser or this bridge retries); or gone for good
 * (the dashboard stopped or refuses this page: a new `ibkr-tray serve` has a new token).
 */
export type Connection = 'connected' | 'reconnecting' | 'gone';
export type ConnectionListener = (connection: Connection) => void;

export interface WebBridge extends RendererApi {
  onConnection(listener: ConnectionListener): () => void;
}

/** Every wait has a limit: a dashboard that stopped answering must not freeze a button forever. */
const REQUEST_TIMEOUT_MS = 15_000;
/**
 * EventSource retries a dropped stream by itself, but gives up for good on an error answer (a
 * restarted dashboard refusing the old cookie, a stopped one). Then this bridge reopens it, with a delay
 * growing to a cap and a budget of attempts (about an hour), before saying the dashboard is gone.
 */
const REOPEN_FIRST_MS = 1_000;
const REOPEN_MAX_MS = 30_000;
const REOPEN_ATTEMPTS = 130;

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, {
    ...init,
    credentials: 'same-origin',
    cache: 'no-store',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (!response.ok) {
    // The dashboard answers refusals as {ok:false, reason}; show its words when there are some.
    const body = (await response.json().catch(() => null)) as { reason?: unknown } | null;
    const reason = typeof body?.reason === 'string' ? body.reason : `The dashboard answered ${response.status}.`;
    throw new Error(reason);
  }
  return (await response.json()) as T;
}

async function post(path: string, body: unknown): Promise<IntentResult> {
  try {
    return await request<IntentResult>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** One listener set per push kind, fed by a single EventSource opened on first subscription. */
export function createWebBridge(): WebBridge {
  const snapshotListeners = new Set<(s: AppSnapshot) => void>();
  const logListeners = new Set<(lines: readonly LogLine[]) => void>();
  const connectionListeners = new Set<ConnectionListener>();
  let source: EventSource | null = null;
  let reopenAttempts = 0;
  const announce = (connection: Connection): void => {
    for (const listener of connectionListeners) listener(connection);
  };

  const ensureSource = (): void => {
    if (source !== null) return;
    const opened = new EventSource(WebRoutes.events);
    source = opened;
    opened.addEventListener('snapshot', (event) => {
      const snapshot = JSON.parse((event as MessageEvent<string>).data) as AppSnapshot;
      for (const listener of snapshotListeners) listener(snapshot);
    });
    opened.addEventListener('log', (event) => {
      const lines = JSON.parse((event as MessageEvent<string>).data) as LogLine[];
      for (const listener of logListeners) listener(lines);
    });
    opened.addEventListener('open', () => {
      reopenAttempts = 0;
      announce('connected');
    });
    opened.addEventListener('error', () => {
      if (opened.readyState !== EventSource.CLOSED) {
        announce('reconnecting');
        return;
      }
      opened.close();
      source = null;
      void reopenOrGiveUp();
    });
  };

  /** After EventSource gave up: a refusal means a new dashboard (new token), else try again later. */
  const reopenOrGiveUp = async (): Promise<void> => {
    const status = await fetch(WebRoutes.snapshot, { credentials: 'same-origin', cache: 'no-store', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).then(
      (response) => response.status,
      () => null,
    );
    if (status === 401 || status === 403 || reopenAttempts >= REOPEN_ATTEMPTS) {
      announce('gone');
      return;
    }
    announce('reconnecting');
    const delay = Math.min(REOPEN_MAX_MS, REOPEN_FIRST_MS * 2 ** reopenAttempts);
    reopenAttempts += 1;
    setTimeout(ensureSource, delay);
  };

  const subscribe = <L>(set: Set<L>, listener: L): (() => void) => {
    set.add(listener);
    ensureSource();
    return () => {
      set.delete(listener);
    };
  };

  return {
    getSnapshot: () => request<AppSnapshot>(WebRoutes.snapshot),
    onSnapshot: (listener) => subscribe(snapshotListeners, listener),
    send: (intent) => post(WebRoutes.intent, intent),
    getLog: () => request<LogLine[]>(WebRoutes.log),
    onLog: (listener) => subscribe(logListeners, listener),
    chooseGatewayFolder: (typedPath) =>
      typedPath === undefined || typedPath.trim() === ''
        ? Promise.resolve({ ok: false, reason: 'Type the path of the gateway folder (the one that contains bin/ and root/).' })
        : post(WebRoutes.folder, { folder: typedPath.trim() }),
    onConnection: (listener) => subscribe(connectionListeners, listener),
  };
}
