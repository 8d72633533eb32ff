/**
 * Who may talk to the dashboard, as pure functions of a request's headers: the Host must be an
 * address the dashboard serves (a DNS-rebinding page reaches us under its own host name), every call
 * carries the access token (cookie or Authorization header), and state-changing calls come from the
 * dashboard's own origin (a foreign page's POST carries its own Origin).
 */
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export interface GuardRequest {
  readonly method: string;
  readonly host: string | undefined;
  readonly origin: string | undefined;
  /** `Sec-Fetch-Site`, which browsers send on every request; absent from non-browser clients. */
  readonly fetchSite: string | undefined;
  readonly cookie: string | undefined;
  readonly authorization: string | undefined;
}

export type GuardVerdict = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];

/** Whether the dashboard would be reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `host:port` as it appears in a Host header (IPv6 literals in brackets), lower-case. */
export function hostHeaderOf(host: string, port: number): string {
  const name = isIP(host) === 6 ? `[${host}]` : host;
  return `${name}:${port}`.toLowerCase();
}

/**
 * The Host header values the dashboard answers to, for the address it is bound to. A loopback bind
 * answers to every loopback spelling; a wildcard bind (0.0.0.0, ::) to the addresses the caller lists.
 */
export function allowedHostHeaders(boundHost: string, port: number, extraHosts: readonly string[] = []): ReadonlySet<string> {
  const names = new Set<string>([boundHost, ...extraHosts]);
  if (isLoopback(boundHost)) for (const name of LOOPBACK_NAMES) names.add(name);
  return new Set([...names].map((name) => hostHeaderOf(name, port)));
}

/** The cookie that holds the token; the port is part of its name because cookies ignore ports. */
export function tokenCookieName(port: number): string {
  return `ibkr_tray_${port}`;
}

/** The value of one cookie from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Compare without leaking, through timing, how much of a guess was right. */
export function tokensMatch(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** Check the Host header only (also for the token-exchange visit, which has no token yet). */
export function checkHost(request: Pick<GuardRequest, 'host'>, allowedHosts: ReadonlySet<string>): GuardVerdict {
  const host = request.host?.toLowerCase();
  if (host === undefined || !allowedHosts.has(host)) {
    return { ok: false, status: 403, reason: 'Refused: this dashboard only answers under its own address.' };
  }
  return { ok: true };
}

/** The full check every request except the token exchange goes through. */
export function checkRequest(
  request: GuardRequest,
  options: { readonly allowedHosts: ReadonlySet<string>; readonly token: string; readonly cookieName: string },
): GuardVerdict {
  const host = checkHost(request, options.allowedHosts);
  if (!host.ok) return host;
  const bearer = request.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const given = bearer ?? readCookie(request.cookie, options.cookieName);
  if (!tokensMatch(given, options.token)) {
    return { ok: false, status: 401, reason: 'Refused: open the address printed by `ibkr-tray serve` (it carries the access token).' };
  }
  if (!SAFE_METHODS.has(request.method.toUpperCase())) {
    // Host is one of ours (checked above), so the dashboard's own origin is http:// plus that Host.
    const ownOrigin = `http://${request.host?.toLowerCase() ?? ''}`;
    if (request.origin?.toLowerCase() !== ownOrigin) {
      return { ok: false, status: 403, reason: 'Refused: changes are only accepted from the dashboard page itself.' };
    }
    if (request.fetchSite !== undefined && request.fetchSite !== 'same-origin') {
      return { ok: false, status: 403, reason: 'Refused: changes are only accepted from the dashboard page itself.' };
    }
  }
  return { ok: true };
}
