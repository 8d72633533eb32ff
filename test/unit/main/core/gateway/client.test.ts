import net from 'node:net';
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient } from '../../../../../src/main/core/gateway/client.js';
import { memoryPinStore, readPresentedFingerprint } from '../../../../../src/main/core/gateway/tls.js';
import { certificate, reply, startLocalHttps, type LocalHttps } from './local-https.js';
import { failure } from './gateway-failure.js';

const TICKLE = { session: '0123456789abcdef0123456789abcdef', ssoExpires: 600000, collission: false, userId: 1, iserver: { authStatus: { authenticated: true, competing: false, connected: true } } };
const STATUS = { authenticated: true, competing: false, connected: true, message: '', MAC: null, serverInfo: { serverName: 'x', serverVersion: 'y' }, fail: '' };

type Route = (res: ServerResponse) => void;
let routes: Record<string, Route> = {};
let server: LocalHttps;
const clients: GatewayClient[] = [];

function client(options: Partial<Parameters<typeof createGatewayClient>[0]> = {}): GatewayClient {
  const made = createGatewayClient({ baseUrl: server.url, pin: server.fingerprint256, timeoutMs: 1000, ...options });
  clients.push(made);
  return made;
}

beforeAll(async () => {
  server = await startLocalHttps((req, res) => {
    const route = routes[`${req.method} ${req.url}`];
    if (route) route(res);
    else reply(res, 404, 'not here');
  });
});
afterEach(() => {
  routes = {};
  server.requests.length = 0;
  while (clients.length) clients.pop()!.dispose();
});
afterAll(() => server.stop());

describe('pinned TLS', () => {
  it('accepts the expired self-signed certificate when its fingerprint is pinned', async () => {
    routes['GET /v1/api/iserver/auth/status'] = (res) => reply(res, 200, STATUS);
    await expect(client().authStatus()).resolves.toMatchObject({ authenticated: true, connected: true });
  });

  it('refuses a different certificate before any request byte, naming both fingerprints', async () => {
    routes['GET /v1/api/iserver/auth/status'] = (res) => reply(res, 200, STATUS);
    const other = certificate('b').fingerprint256;
    const before = server.connections();
    const error = await failure(client({ pin: other }).authStatus());
    expect(error.kind).toBe('certificate-changed');
    expect(error.message).toContain(other);
    expect(error.message).toContain(server.fingerprint256);
    expect(error.message).toContain('ibkr-tray trust');
    expect(error.details).toMatchObject({ expectedFingerprint: other, actualFingerprint: server.fingerprint256 });
    // The TLS connection was made (the certificate was seen) but no HTTP request reached the server.
    expect(server.connections()).toBeGreaterThan(before);
    expect(server.requests).toEqual([]);
  });

  it('trusts on first use for a loopback gateway and remembers the fingerprint', async () => {
    // What only the gateway answers (gateway-facts §4): the evidence first use asks for.
    routes['GET /'] = (res) => res.writeHead(302, { location: '/sso/Login?forwardTo=22&RL=1&ip2loc=US' }).end();
    routes['POST /v1/api/tickle'] = (res) => reply(res, 200, TICKLE);
    const pins = memoryPinStore();
    await expect(client({ pin: pins }).tickle()).resolves.toMatchObject({ ssoExpires: 600000 });
    expect(pins.get(server.url)).toBe(server.fingerprint256);
  });

  it('trusts on first use only a server that answers GET / as the gateway: another program is neither pinned nor sent the call', async () => {
    routes['POST /v1/api/tickle'] = (res) => reply(res, 200, TICKLE);
    const pins = memoryPinStore();
    const error = await failure(client({ pin: pins }).tickle());
    expect(error.kind).toBe('unreachable');
    expect(error.message).toMatch(/held by another program, not the gateway/);
    expect(pins.get(server.url)).toBeNull();
    expect(server.requests).toEqual(['GET /']);
  });

  it('does not trust on first use when told not to', async () => {
    const error = await failure(client({ pin: memoryPinStore(), trustOnFirstUse: false }).tickle());
    expect(error.kind).toBe('certificate-changed');
    expect(error.message).toMatch(/No trusted certificate/);
    expect(server.requests).toEqual([]);
  });

  it('a stored pin for 127.0.0.1 also covers localhost (same gateway)', async () => {
    routes['POST /v1/api/tickle'] = (res) => reply(res, 200, TICKLE);
    const pins = memoryPinStore({ [`https://127.0.0.1:${server.port}`]: server.fingerprint256 });
    await expect(client({ pin: pins, trustOnFirstUse: false }).tickle()).resolves.toBeDefined();
  });

  it('reads the presented fingerprint without sending a request', async () => {
    await expect(readPresentedFingerprint(server.url)).resolves.toBe(server.fingerprint256);
    expect(server.requests).toEqual([]);
  });
});

describe('failures become typed GatewayErrors', () => {
  it('connection refused → unreachable', async () => {
    const port = await closedPort();
    const error = await failure(createGatewayClient({ baseUrl: `https://localhost:${port}`, pin: server.fingerprint256, timeoutMs: 1000 }).tickle());
    expect(error.kind).toBe('unreachable');
  });

  it('no answer → not-responding within the timeout', async () => {
    routes['POST /v1/api/tickle'] = () => undefined; // the real gateway hangs like this (§4)
    const started = Date.now();
    const error = await failure(client({ timeoutMs: 300 }).tickle());
    expect(error.kind).toBe('not-responding');
    expect(error.message).toContain('/v1/api/tickle');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('401 → not-authenticated', async () => {
    routes['GET /v1/api/iserver/auth/status'] = (res) => reply(res, 401, { error: 'not authenticated', statusCode: 401 });
    expect((await failure(client().authStatus())).kind).toBe('not-authenticated');
  });

  it('200 {"error":"no session"} → no-session', async () => {
    routes['POST /v1/api/tickle'] = (res) => reply(res, 200, { error: 'no session' });
    expect((await failure(client().tickle())).kind).toBe('no-session');
  });

  it('429 → rate-limited with retryAt, and nothing more is sent during the penalty', async () => {
    routes['POST /v1/api/tickle'] = (res) => reply(res, 429, 'Too Many Requests');
    const c = client();
    const first = await failure(c.tickle());
    expect(first.kind).toBe('rate-limited');
    expect(first.details.retryAt).toBeGreaterThan(Date.now() + 9 * 60_000);
    expect(c.penaltyUntil()).toBe(first.details.retryAt);
    const second = await failure(c.authStatus());
    expect(second.kind).toBe('rate-limited');
    expect(server.requests).toEqual(['POST /v1/api/tickle']);
  });

  it("429 with Retry-After: the penalty lasts what IBKR says", async () => {
    routes['POST /v1/api/tickle'] = (res) => reply(res, 429, '', { 'Retry-After': '30' });
    const error = await failure(client().tickle());
    expect(error.details.retryAt).toBeGreaterThan(Date.now() + 25_000);
    expect(error.details.retryAt).toBeLessThan(Date.now() + 35_000);
  });

  it.each([
    ['500', 500, ''],
    ['503 empty', 503, ''],
    ['no bridge', 200, { error: 'no bridge' }],
    ['Init session first', 400, { error: 'Init session first', statusCode: 400 }],
  ])('%s → ibkr-error', async (_name, status, body) => {
    routes['GET /v1/api/iserver/accounts'] = (res) => reply(res, status, body);
    const error = await failure(client().iserverAccounts());
    expect(error.kind).toBe('ibkr-error');
    expect(error.details.endpoint).toBe('/v1/api/iserver/accounts');
  });

  it.each([
    ['HTML', '<html><body>Maintenance</body></html>', /HTML/],
    ['truncated JSON', '{"authenticated":true,"compet', /not JSON/],
    ['wrong types', JSON.stringify({ ...STATUS, authenticated: 'yes' }), /authenticated/],
    ['empty', '', /empty/],
  ])('%s → unexpected-answer with endpoint and the first characters', async (_name, body, why) => {
    routes['GET /v1/api/iserver/auth/status'] = (res) => reply(res, 200, body);
    const error = await failure(client().authStatus());
    expect(error.kind).toBe('unexpected-answer');
    expect(error.message).toContain('/v1/api/iserver/auth/status');
    expect(error.message).toMatch(why);
    expect(error.details.bodyStart).toBe(body.slice(0, 200));
  });

  it('masks session tokens and account ids in the body excerpt', async () => {
    routes['POST /v1/api/tickle'] = (res) => reply(res, 200, { session: TICKLE.session, ssoExpires: 'soon', acct: 'U1234567' });
    const error = await failure(client().tickle());
    expect(error.kind).toBe('unexpected-answer');
    expect(error.message).not.toContain(TICKLE.session);
    expect(error.message).not.toContain('U1234567');
    expect(error.details.bodyStart).not.toContain(TICKLE.session);
  });

  it('masks the account id in IBKR\'s own error text', async () => {
    routes['POST /v1/api/iserver/account'] = (res) => reply(res, 400, { error: 'Bad Request: accountId is not valid: U7654321', statusCode: 400 });
    const error = await failure(client().selectAccount('U7654321'));
    expect(error.kind).toBe('ibkr-error');
    expect(error.message).toContain('accountId is not valid');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('U7654321');
  });

  it('reauthenticate\'s {"error":"not logged in"} is an answer, not a failure', async () => {
    routes['POST /v1/api/iserver/reauthenticate'] = (res) => reply(res, 200, { error: 'not logged in' });
    await expect(client().reauthenticate()).resolves.toEqual({ error: 'not logged in' });
  });

  it('sends the account selection as JSON and parses the answer', async () => {
    routes['POST /v1/api/iserver/account'] = (res) => reply(res, 200, { set: true, acctId: 'DU1234567' });
    await expect(client().selectAccount('DU1234567')).resolves.toEqual({ set: true, acctId: 'DU1234567' });
  });
});

describe('probe', () => {
  it('is true when GET / answers a redirect, false when nothing listens', async () => {
    routes['GET /'] = (res) => {
      res.writeHead(302, { Location: '/sso/Login?forwardTo=22&RL=1&ip2loc=US' });
      res.end();
    };
    await expect(client().probe()).resolves.toBe(true);
    const port = await closedPort();
    const c = createGatewayClient({ baseUrl: `https://localhost:${port}`, pin: server.fingerprint256, timeoutMs: 500 });
    clients.push(c);
    await expect(c.probe()).resolves.toBe(false);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
