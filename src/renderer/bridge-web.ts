/**
 * RendererApi over HTTP for the web dashboard (`ibkr-tray serve`): requests to the WebRoutes, pushes
 * by server-sent events. The access token rides in the HttpOnly cookie the server set on the first
 * visit, so this code never sees it; every request stays on the page's own origin (CSP connect-src 'self').
 */
import type { LogLine, ProfileChoice, RendererApi, WebEventPayloads, WebRouteBody, WebRouteResult } from '../shared/api.js';
import { PROFILE_QUERY, WebEvents, WebEventsPath, WebRoutes, type WebEvent, type WebRoute } from '../shared/routes.js';
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

/** The dashboard's words for a refusal ({ok:false, reason}), or its status when it gave none. */
async function refusalReason(response: Response): Promise<string> {
  const body: unknown = await response.json().catch(() => null);
  const reason = typeof body === 'object' && body !== null && 'reason' in body ? body.reason : null;
  return typeof reason === 'string' ? reason : `The dashboard answered ${response.status}.`;
}

/** A route's address: its path, with `?profile=NAME` when the call is for a named profile. */
export function routeAddress(route: WebRoute, to: ProfileChoice | undefined): string {
  const { path } = WebRoutes[route];
  return to === undefined ? path : `${path}?${new URLSearchParams({ [PROFILE_QUERY]: to.profile }).toString()}`;
}

/**
 * Call one web route of the contract: method and path from WebRoutes, body and answer typed by
 * api.ts, for the profile `to` names (the first when absent). The answer is taken as typed without parsing it again, as the Electron page takes main's
 * answers over IPC: the page trusts its own dashboard (same build, same origin), and the dashboard
 * parses everything the page sends.
 */
async function call<R extends WebRoute>(route: R, to: ProfileChoice | undefined, ...body: WebRouteBody<R> extends undefined ? [] : [WebRouteBody<R>]): Promise<WebRouteResult<R>> {
  const { method } = WebRoutes[route];
  const response = await fetch(routeAddress(route, to), {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    ...(body.length > 0 ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body[0]) } : {}),
  });
  if (!response.ok) throw new Error(await refusalReason(response));
  return response.json();
}

/** A route answering an IntentResult: a failed request becomes a refusal the page shows, never a throw. */
async function intentCall(work: () => Promise<IntentResult>): Promise<IntentResult> {
  try {
    return await work();
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Follow one server-sent event of the contract; its data is the push channel's payload (JSON). */
function follow<E extends WebEvent>(source: EventSource, event: E, deliver: (payload: WebEventPayloads[E]) => void): void {
  source.addEventListener(event, (message) => {
    // Same trust as `call`: the stream comes from the page's own dashboard.
    if (message instanceof MessageEvent && typeof message.data === 'string') deliver(JSON.parse(message.data));
  });
}

/** One listener set per push kind, fed by a single EventSource opened on first subscription. */
export function createWebBridge(): WebBridge {
  const snapshotListeners = new Set<(s: AppSnapshot) => void>();
  const logListeners = new Set<(lines: readonly LogLine[]) => void>();
  const profileListeners = new Set<(names: readonly string[]) => void>();
  const connectionListeners = new Set<ConnectionListener>();
  let source: EventSource | null = null;
  let reopenAttempts = 0;
  const announce = (connection: Connection): void => {
    for (const listener of connectionListeners) listener(connection);
  };

  const ensureSource = (): void => {
    if (source !== null) return;
    const opened = new EventSource(WebEventsPath);
    source = opened;
    follow(opened, WebEvents.snapshot, (snapshot) => {
      for (const listener of snapshotListeners) listener(snapshot);
    });
    follow(opened, WebEvents.log, (lines) => {
      for (const listener of logListeners) listener(lines);
    });
    follow(opened, WebEvents.profiles, (names) => {
      for (const listener of profileListeners) listener(names);
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
    const status = await fetch(WebRoutes.getSnapshot.path, { credentials: 'same-origin', cache: 'no-store', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).then(
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
    getSnapshot: (to) => call('getSnapshot', to),
    getSnapshots: () => call('getSnapshots', undefined),
    onSnapshot: (listener) => subscribe(snapshotListeners, listener),
    send: (intent, to) => intentCall(() => call('send', to, intent)),
    getLog: (to) => call('getLog', to),
    onLog: (listener) => subscribe(logListeners, listener),
    // `serve` follows the settings: a profile added, removed or renamed there is an event on the stream.
    onProfiles: (listener) => subscribe(profileListeners, listener),
    chooseGatewayFolder: (typedPath, to) =>
      typedPath === undefined || typedPath.trim() === ''
        ? Promise.resolve({ ok: false, reason: 'Type the path of the gateway folder (the one that contains bin/ and root/).' })
        : intentCall(() => call('chooseGatewayFolder', to, { folder: typedPath.trim() })),
    onConnection: (listener) => subscribe(connectionListeners, listener),
  };
}
