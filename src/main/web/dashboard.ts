/**
 * The local web dashboard behind `ibkr-tray serve`: the same built page the Electron window shows,
 * plus the RendererApi as HTTP routes (WebRoutes, served through web-api.ts) and server-sent events, for machines without a
 * desktop. Guarded by an access token, a Host check (DNS rebinding) and an Origin check (CSRF).
 * One dashboard serves every profile it is given: the page draws a card per profile, each route acts
 * on the profile its `?profile=` names (the first when absent), and the event stream carries them all.
 * The list can change while it runs (`serve` follows the settings): addProfile / removeProfile, each
 * announced on every event stream as a `profiles` event so that open pages add or drop the card.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import { pickProfile } from '../../shared/api.js';
import { WebEvents, WebEventsPath } from '../../shared/routes.js';
import type { EngineApi } from '../../shared/engine-api.js';
import type { Intent, IntentResult } from '../../shared/intents.js';
import type { AppSnapshot } from '../../shared/snapshot.js';
import { openEventStream, type EventStream } from './event-stream.js';
import { answerHealth, neediestOf } from './health.js';
import { allowedHostHeaders, checkHost, checkRequest, hostHeaderOf, isLoopback, tokenCookieName, tokensMatch } from './request-guard.js';
import { readStaticFile } from './static-files.js';
import { webApi } from './web-api.js';

/** One profile the dashboard serves: its name and its engine. */
export interface DashboardProfile {
  readonly name: string;
  readonly engine: EngineApi;
}

/** The engines to serve: one (its name from its snapshot), or every profile's, in the settings' order. */
export type DashboardEngines = { readonly engine: EngineApi } | { readonly profiles: readonly [DashboardProfile, ...DashboardProfile[]] };

export type DashboardOptions = DashboardEngines & DashboardPlace;

interface DashboardPlace {
  /** Listen address; default 127.0.0.1. Anything else exposes the dashboard beyond this machine. */
  readonly host?: string;
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** The built page (out/renderer). */
  readonly rendererDir: string;
  /** The access token; default 32 random bytes. */
  readonly token?: string;
  /** More names the dashboard answers to (Host header), e.g. the machine's DNS name on a LAN bind. */
  readonly allowedHosts?: readonly string[];
}

export interface Dashboard {
  /** The address to open, token included (`http://127.0.0.1:PORT/?token=…`). */
  readonly url: string;
  readonly token: string;
  readonly host: string;
  readonly port: number;
  /** Things the user should know (e.g. listening beyond loopback); print them. */
  readonly warnings: readonly string[];
  /**
   * Serve one more profile, after the others: its card appears on every open page. Throws when a
   * profile of that name (without case) is already served: one name, one card.
   */
  addProfile(profile: DashboardProfile): void;
  /**
   * Stop serving a profile (its engine stays the caller's to dispose): its card goes from every open
   * page. Returns false when no profile of that name (without case) is served.
   */
  removeProfile(name: string): boolean;
  /** The names of the profiles served now, in order. */
  profileNames(): readonly string[];
  /** Stop listening, end every event stream, and close every connection. */
  close(): Promise<void>;
}

/** Headers on every answer: the page runs under the strictest CSP that still lets it work. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // The first URL carries the token: never let it travel on in a Referer.
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

const MAX_BODY_BYTES = 16 * 1024;
const BODY_TIMEOUT_MS = 10_000;

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** Every address of this machine, for a wildcard bind's Host check. */
function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((info) => info.address));
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(`${text}\n`);
}

/** A call for a profile the dashboard does not serve: a 404 whose reason says what to do. */
class UnknownProfile extends Error {}

/** A request the dashboard refuses with a particular status. */
class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request body as JSON, bounded in size and time; a clear error otherwise. */
function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      reject(new Error('send JSON (content-type: application/json)'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      reject(new Error('the request body took too long'));
      request.destroy();
    }, BODY_TIMEOUT_MS);
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        clearTimeout(timer);
        reject(new RequestError(413, 'the request body is too large'));
        // Drain the rest unread so the refusal can still be answered on this connection.
        request.removeAllListeners('data');
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      } catch {
        reject(new Error('the request body is not valid JSON'));
      }
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Start the dashboard; resolves once it listens. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { rendererDir } = options;
  const initial: readonly [DashboardProfile, ...DashboardProfile[]] =
    'profiles' in options ? options.profiles : [{ name: options.engine.snapshot().profile, engine: options.engine }];
  // Replaced (never changed in place) by addProfile / removeProfile: a request reads one list throughout.
  let profiles: readonly DashboardProfile[] = initial;
  // What the probes answer while the list is empty for a moment (a rename closes before it opens).
  let lastNeediest: AppSnapshot = initial[0].engine.snapshot();
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('base64url');
  /** Every open event stream, with what it follows of each served profile (the functions that stop it). */
  const streams = new Map<EventStream, Map<DashboardProfile, () => void>>();
  // Filled in once the port is known (port 0 picks one).
  let allowedHosts: ReadonlySet<string> = new Set();
  let cookieName = '';

  /** The engine of the profile a route names (the first when none); an unknown name is refused. */
  function engineOf(profile: string | undefined): EngineApi {
    const pick = pickProfile(profiles, profile);
    if (!pick.ok) throw new UnknownProfile(pick.reason);
    return pick.picked.engine;
  }

  /** The engine's answer to an intent; an engine that throws is a refusal naming why, not a crash. */
  async function dispatch(intent: Intent, profile: string | undefined): Promise<IntentResult> {
    const pick = pickProfile(profiles, profile);
    if (!pick.ok) return { ok: false, reason: pick.reason };
    try {
      return await pick.picked.engine.dispatch(intent);
    } catch (error) {
      return { ok: false, reason: `The engine failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  const api = webApi({
    getSnapshot: (_body, profile) => engineOf(profile).snapshot(),
    getSnapshots: () => profiles.map((p) => p.engine.snapshot()),
    getLog: (_body, profile) => engineOf(profile).log(),
    send: (intent, profile) => dispatch(intent, profile),
    chooseGatewayFolder: ({ folder }, profile) => dispatch({ type: 'set-gateway-folder', folder }, profile),
  });

  /** Carry one profile's snapshots and log lines on one stream; returns the function that stops it. */
  function follow(stream: EventStream, { name, engine }: DashboardProfile): () => void {
    const stopSnapshots = engine.subscribe((snapshot) => stream.send(WebEvents.snapshot, snapshot));
    // Each line names its profile: one stream carries every profile's log.
    const stopLog = engine.onLog((lines) => stream.send(WebEvents.log, lines.map((line) => ({ ...line, profile: name }))));
    // What changed between the page's last pull and this subscription is covered by this.
    stream.send(WebEvents.snapshot, engine.snapshot());
    return () => {
      stopSnapshots();
      stopLog();
    };
  }

  function openEvents(response: ServerResponse): void {
    const following = new Map<DashboardProfile, () => void>();
    const stream = openEventStream(response, () => {
      streams.delete(stream);
      for (const stop of following.values()) stop();
      following.clear();
    });
    streams.set(stream, following);
    for (const profile of profiles) following.set(profile, follow(stream, profile));
  }

  /** Tell every open page the new list (it rebuilds its cards), then start or stop carrying the profile's news. */
  function announce(change: (stream: EventStream, following: Map<DashboardProfile, () => void>) => void): void {
    const names = profiles.map((p) => p.name);
    for (const [stream, following] of streams) {
      stream.send(WebEvents.profiles, names);
      change(stream, following);
    }
  }

  function addProfile(profile: DashboardProfile): void {
    const taken = pickProfile(profiles, profile.name);
    if (taken.ok) throw new Error(`The dashboard already serves a profile named "${taken.picked.name}".`);
    profiles = [...profiles, profile];
    announce((stream, following) => following.set(profile, follow(stream, profile)));
  }

  function removeProfile(name: string): boolean {
    const pick = pickProfile(profiles, name);
    if (!pick.ok) return false;
    const gone = pick.picked;
    lastNeediest = neediest();
    profiles = profiles.filter((p) => p !== gone);
    announce((_stream, following) => {
      following.get(gone)?.();
      following.delete(gone);
    });
    return true;
  }

  /**
   * What the probes answer for: with several profiles the one that most needs the user (ready only
   * when all are), as keepalive's; with none for a moment, the last answer.
   */
  function neediest(): AppSnapshot {
    const [first, ...rest] = profiles;
    if (first !== undefined) lastNeediest = neediestOf([first.engine.snapshot(), ...rest.map((p) => p.engine.snapshot())]);
    return lastNeediest;
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    // Probes carry no token (health.ts); the dashboard exists only while its engines run.
    if (answerHealth(request, response, { snapshot: neediest, running: () => profiles.length > 0 })) return;
    const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
    const method = (request.method ?? 'GET').toUpperCase();

    // First visit: swap the token in the address for a cookie, then show a clean address.
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null && method === 'GET' && url.pathname === '/') {
      const hostVerdict = checkHost({ host: request.headers.host }, allowedHosts);
      if (!hostVerdict.ok) return sendText(response, hostVerdict.status, hostVerdict.reason);
      if (!tokensMatch(queryToken, token)) {
        return sendText(response, 401, 'Refused: this access token is not (or no longer) valid. Open the address `ibkr-tray serve` printed last.');
      }
      response.writeHead(303, {
        'set-cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        location: '/',
      });
      response.end();
      return;
    }

    const verdict = checkRequest(
      {
        method,
        host: request.headers.host,
        origin: request.headers.origin,
        fetchSite: request.headers['sec-fetch-site'] as string | undefined,
        cookie: request.headers.cookie,
        authorization: request.headers.authorization,
      },
      { allowedHosts, token, cookieName },
    );
    if (!verdict.ok) {
      if (url.pathname.startsWith('/api/')) return sendJson(response, verdict.status, { ok: false, reason: verdict.reason });
      return sendText(response, verdict.status, verdict.reason);
    }

    if (method === 'GET' && url.pathname === WebEventsPath) return openEvents(response);
    const call = api(method, url.pathname, url.searchParams);
    if (call !== null) {
      const answer = await call(() => readJson(request));
      return sendJson(response, answer.status, answer.body);
    }
    if (url.pathname.startsWith('/api/')) return sendJson(response, 404, { ok: false, reason: 'No such route.' });
    if (method !== 'GET' && method !== 'HEAD') return sendText(response, 405, 'Method not allowed.');
    const file = await readStaticFile(rendererDir, url.pathname);
    if (file === null) {
      if (url.pathname === '/') return sendText(response, 500, `The page is not built (no index.html in ${rendererDir}): run \`npm run build\`.`);
      return sendText(response, 404, 'Not found.');
    }
    response.writeHead(200, { 'content-type': file.contentType, 'content-length': file.body.length });
    response.end(method === 'HEAD' ? undefined : file.body);
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (error instanceof UnknownProfile) {
        if (!response.headersSent) sendJson(response, 404, { ok: false, reason: error.message });
        else response.end();
        return;
      }
      const reason = error instanceof Error ? error.message : String(error);
      const status = error instanceof RequestError ? error.status : 400;
      if (!response.headersSent) sendJson(response, status, { ok: false, reason: `Bad request: ${reason}.` });
      else response.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `Port ${options.port ?? 0} on ${host} is already in use: choose another with --port.`
            : `The dashboard could not listen on ${host}:${options.port ?? 0}: ${error.message}`,
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const port = (server.address() as AddressInfo).port;
  const extra = [...(options.allowedHosts ?? []), ...(isWildcard(host) ? ['localhost', ...localAddresses()] : [])];
  allowedHosts = allowedHostHeaders(host, port, extra);
  cookieName = tokenCookieName(port);

  const warnings: string[] = [];
  if (!isLoopback(host)) {
    warnings.push(
      `The dashboard listens on ${host}, beyond this machine: anyone who can reach it and has the token can control your IBKR session. ` +
        'Prefer the default 127.0.0.1 with an SSH tunnel (ssh -L).',
    );
  }
  const shownHost = isWildcard(host) ? '127.0.0.1' : host;

  return {
    url: `http://${hostHeaderOf(shownHost, port)}/?token=${token}`,
    token,
    host,
    port,
    warnings,
    addProfile,
    removeProfile,
    profileNames: () => profiles.map((p) => p.name),
    close: async () => {
      for (const stream of [...streams.keys()]) stream.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
