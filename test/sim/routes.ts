/**
 * HTTP routing the way the real gateway does it (facts §4): what it answers itself (/, reauthenticate,
 * /sso/Dispatcher, /status that never answers, /clear, /demo, CORS preflight, Access Denied) and what
 * it forwards to IBKR (/v1/api/…, with /v1/portal/… rewritten), re-sent chunked. Forwarded requests
 * go through the IBKR-side faults and pacing first.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimClock } from './api.js';
import { apiPath, spoil, type Answer, type Faults } from './faults.js';
import { answerIbkr } from './ibkr-api.js';
import type { IbkrSession } from './ibkr-session.js';
import type { LoginPage } from './login-page.js';
import type { Pacing } from './pacing.js';
import type { RequestLog } from './request-log.js';

export interface GatewayParts {
  session: IbkrSession;
  pacing: Pacing;
  faults: Faults;
  loginPage: LoginPage;
  log: RequestLog;
  clock: SimClock;
  ips: { allow: string[]; deny: string[] };
  proxyRemoteHost: string;
  /** Run `fn` after `ms` on the simulator's clock; cancelled when the simulator stops. */
  later(fn: () => void, ms: number): void;
}

const ROOT_REDIRECT = '/sso/Login?forwardTo=22&RL=1&ip2loc=US';
const MAX_BODY = 1024 * 1024;

/** conf.yaml `ips` patterns: exact addresses or a prefix ending in `*`; deny wins. */
export function isAllowed(address: string | undefined, ips: { allow: string[]; deny: string[] }): boolean {
  const ip = (address ?? '').replace(/^::ffff:/, '');
  const matches = (pattern: string): boolean => (pattern.endsWith('*') ? ip.startsWith(pattern.slice(0, -1)) : ip === pattern);
  if (ips.deny.some(matches)) return false;
  return ips.allow.some(matches);
}

function send(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string> = { 'Transfer-Encoding': 'chunked' };
  if (answer.contentType !== null) headers['Content-Type'] = answer.contentType;
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

const DEMO_PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Client Portal API demo</title></head>
<body><h1>Client Portal Web API</h1><p>Demo application (simulated).</p></body></html>
`;

/** The request handler of a simulated gateway. */
export function createRequestHandler(parts: GatewayParts): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    parts.log.arrive(req, res);
    void route(parts, req, res);
  };
}

async function route(parts: GatewayParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  // It listens on every address whatever `ips` says, and refuses others on every path (facts §2).
  if (!isAllowed(req.socket.remoteAddress, parts.ips)) {
    return send(res, { status: 404, contentType: 'text/plain', body: 'Access Denied' });
  }
  if (method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
    res.writeHead(204, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '*',
    });
    return void res.end();
  }
  if (path === '/') {
    res.writeHead(302, { Location: ROOT_REDIRECT, 'Transfer-Encoding': 'chunked' });
    return void res.end();
  }
  // The gateway's /status handler is empty: the request is never answered (facts §4).
  if (path === '/status') return;
  if (path === '/clear') return send(res, { status: 200, contentType: 'text/plain', body: 'cleared' });
  if (path === '/demo' || path.startsWith('/demo/')) return send(res, { status: 200, contentType: 'text/html', body: DEMO_PAGE });
  const body = await readBody(req);
  if (path.startsWith('/sso/')) {
    // IBKR's pages are proxied: with IBKR unreachable they hang like any forwarded request.
    if (parts.faults.unreachable) return;
    return parts.loginPage.handle(req, res, url, new URLSearchParams(body));
  }
  if (path.startsWith('/v1/api/') || path.startsWith('/v1/portal/')) {
    const target = apiPath(path);
    if (target === '/v1/api/iserver/reauthenticate') {
      const outcome = parts.session.reauthenticate();
      const answer = outcome === 'triggered' ? { message: 'triggered' } : { error: 'not logged in' };
      return send(res, { status: 200, contentType: 'application/json', body: JSON.stringify(answer) });
    }
    return forward(parts, res, method, target, body);
  }
  res.writeHead(302, { Location: `${parts.proxyRemoteHost}${req.url ?? path}`, 'Transfer-Encoding': 'chunked' });
  res.end();
}

/** Send a request on to (simulated) IBKR, through its faults and pacing. */
function forward(parts: GatewayParts, res: ServerResponse, method: string, path: string, body: string): void {
  const { faults } = parts;
  parts.log.markForwarded(res);
  // IBKR unreachable: no status, no error, no close, ever (facts §4).
  if (faults.unreachable) return;
  if (faults.penaltyOn?.path === path) {
    parts.pacing.penalize(faults.penaltyOn.ms);
    faults.penaltyOn = null;
  }
  if (!parts.pacing.admit(path)) {
    return deliver(parts, res, { status: 429, contentType: 'text/html', body: '<html><body><h1>429 Too Many Requests</h1></body></html>' });
  }
  parts.session.touch();
  if (faults.maintenance && path.startsWith('/v1/api/iserver/')) {
    const { status, delayMs } = faults.maintenance;
    if (status === 503) return parts.later(() => send(res, { status: 503, contentType: null, body: '' }), delayMs);
    return deliver(parts, res, { status: 500, contentType: 'application/json;charset=utf-8', body: JSON.stringify({ error: 'Internal Server Error', statusCode: 500 }) });
  }
  let answer = answerIbkr(parts.session, parts.clock.now(), method, path, body);
  const kind = faults.malformedFor(path);
  if (kind) answer = spoil(answer, kind);
  deliver(parts, res, answer);
}

function deliver(parts: GatewayParts, res: ServerResponse, answer: Answer): void {
  const latency = parts.faults.latencyMs;
  if (latency > 0) parts.later(() => send(res, answer), latency);
  else send(res, answer);
}
