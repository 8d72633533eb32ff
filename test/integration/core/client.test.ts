/**
 * The pinned HTTPS client against the gateway simulator: real TLS with the gateway's expired
 * certificate, real failures, and IBKR's pacing as the simulator enforces it.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayError } from '../../../src/main/core/errors.js';
import { createGatewayClient, type GatewayClient } from '../../../src/main/core/gateway/client.js';
import { memoryPinStore, readPresentedFingerprint } from '../../../src/main/core/gateway/tls.js';
import { startSimulator, type SimOptions, type Simulator } from '../../sim/index.js';
import { failure } from '../../unit/main/core/gateway/gateway-failure.js';
import { loggedIn } from './sim-login.js';

let sim: Simulator | null = null;
const clients: GatewayClient[] = [];

async function simulator(options: SimOptions = {}): Promise<Simulator> {
  sim = await startSimulator({ authDelayMs: 50, ...options });
  return sim;
}

function client(s: Simulator, options: Partial<Parameters<typeof createGatewayClient>[0]> = {}): GatewayClient {
  const made = createGatewayClient({ baseUrl: s.url, pin: s.fingerprint256, timeoutMs: 2000, ...options });
  clients.push(made);
  return made;
}

afterEach(async () => {
  while (clients.length) clients.pop()!.dispose();
  await sim?.stop();
  sim = null;
});

describe('TLS trust by pin', () => {
  it("accepts the gateway's expired self-signed certificate by its pinned fingerprint", async () => {
    const s = await simulator();
    await expect(client(s).probe()).resolves.toBe(true);
    await expect(failure(client(s).authStatus())).resolves.toMatchObject({ kind: 'not-authenticated' });
  });

  it('refuses a different certificate before any request reaches the gateway', async () => {
    const s = await simulator({ certificate: 'other' });
    // Pinned: the real gateway's certificate, as the simulator serves it by default.
    const pinned = new X509Certificate(readFileSync(new URL('../../sim/certs/gateway.cert.pem', import.meta.url))).fingerprint256;
    const error = await failure(client(s, { pin: pinned }).tickle());
    expect(error.kind).toBe('certificate-changed');
    expect(error.message).toContain(pinned);
    expect(error.message).toContain(s.fingerprint256);
    expect(s.requests).toEqual([]);
  });

  it('trusts a loopback gateway on first use and stores what `ibkr-tray trust` would read', async () => {
    const s = await simulator();
    const pins = memoryPinStore();
    await client(s, { pin: pins }).probe();
    expect(pins.get(s.url)).toBe(s.fingerprint256);
    await expect(readPresentedFingerprint(s.url)).resolves.toBe(s.fingerprint256);
  });
});

describe('answers and failures', () => {
  it('parses every session endpoint after a login', async () => {
    const s = await simulator();
    const c = client(s);
    await loggedIn(s);
    await expect(c.authStatus()).resolves.toMatchObject({ authenticated: true, connected: true, competing: false });
    const tickle = await c.tickle();
    expect(tickle.session).toMatch(/^[0-9a-f]{32}$/);
    await expect(c.ssoValidate()).resolves.toMatchObject({ RESULT: true });
    const accounts = await c.iserverAccounts();
    await expect(c.selectAccount('DU1234567')).resolves.toEqual(expect.objectContaining({ set: true, acctId: 'DU1234567' }));
    expect(accounts).toBeTypeOf('object');
    await expect(c.portfolioAccounts()).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ id: 'DU1234567' })]));
    await expect(c.logout()).resolves.toBeTypeOf('object');
  });

  it('a hung gateway (IBKR unreachable) times out as not-responding', async () => {
    const s = await simulator();
    await s.control.setUnreachable(true);
    const started = Date.now();
    const error = await failure(client(s, { timeoutMs: 400 }).authStatus());
    expect(error.kind).toBe('not-responding');
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('nothing listening → unreachable', async () => {
    const s = await simulator();
    const url = s.url;
    await s.stop();
    sim = null;
    const error = await failure(createGatewayClient({ baseUrl: url, pin: 'AA'.repeat(32), timeoutMs: 1000 }).tickle());
    expect(error.kind).toBe('unreachable');
  });

  it('an expired SSO session → tickle no-session', async () => {
    const s = await simulator();
    await loggedIn(s);
    await s.control.expireSso();
    expect((await failure(client(s).tickle())).kind).toBe('no-session');
  });

  it('IBKR maintenance (500) → ibkr-error', async () => {
    const s = await simulator();
    await loggedIn(s);
    await s.control.setMaintenance(500);
    expect((await failure(client(s).iserverAccounts())).kind).toBe('ibkr-error');
  });

  it.each(['html', 'truncated-json', 'wrong-types', 'empty'] as const)('a malformed body (%s) → unexpected-answer naming the endpoint', async (kind) => {
    const s = await simulator();
    await loggedIn(s);
    await s.control.setMalformed('/v1/api/iserver/auth/status', kind);
    const error = await failure(client(s).authStatus());
    expect(error.kind).toBe('unexpected-answer');
    expect(error.details.endpoint).toBe('/v1/api/iserver/auth/status');
    expect(error.message).toContain('/v1/api/iserver/auth/status');
  });

  it('a 429 puts the client in the penalty box: rate-limited with retryAt, nothing more sent', async () => {
    const s = await simulator();
    await s.control.penalize(60_000);
    const c = client(s);
    const first = await failure(c.authStatus());
    expect(first.kind).toBe('rate-limited');
    expect(first.details.retryAt).toBeGreaterThan(Date.now());
    const sent = s.requests.length;
    const second = await failure(c.tickle());
    expect(second.kind).toBe('rate-limited');
    expect(s.requests.length).toBe(sent);
  });
});

describe('pacing against IBKR limits', () => {
  it('a storm of 200 concurrent mixed calls stays within every limit and gets no 429', async () => {
    const s = await simulator();
    await loggedIn(s);
    await s.control.clearRequests();
    const c = client(s, { timeoutMs: 5000 });
    const calls: (() => Promise<unknown>)[] = [
      () => c.tickle(),
      () => c.authStatus(),
      () => c.ssoValidate(),
      () => c.portfolioAccounts(),
      () => c.iserverAccounts(),
      () => c.selectAccount('DU1234567'),
    ];
    const outcomes = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => calls[i % calls.length]!()));

    const log = await s.control.requests();
    expect(log.filter((r) => r.status === 429)).toEqual([]);
    const api = log.filter((r) => r.path.startsWith('/v1/api/'));
    const times = api.map((r) => r.at);
    for (const end of times) expect(times.filter((t) => t > end - 1000 && t <= end).length).toBeLessThanOrEqual(10);
    const spacing = (path: string) => {
      const at = api.filter((r) => r.path === path).map((r) => r.at);
      return at.slice(1).map((t, i) => t - at[i]!);
    };
    for (const gap of spacing('/v1/api/tickle')) expect(gap).toBeGreaterThanOrEqual(950);
    expect(api.filter((r) => r.path === '/v1/api/sso/validate').length).toBeLessThanOrEqual(1);
    expect(api.filter((r) => r.path === '/v1/api/portfolio/accounts').length).toBeLessThanOrEqual(1);
    // Identical calls were shared, so every caller got an answer from a handful of requests.
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBe(200);
    expect(api.length).toBeLessThan(20);
  });

  it('distinct calls beyond 10/s wait for their slot instead of tripping the limit', async () => {
    const s = await simulator();
    await loggedIn(s);
    await s.control.clearRequests();
    const c = client(s, { timeoutMs: 5000 });
    // 25 different account selections cannot be shared: they must be spread over time.
    const outcomes = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => c.selectAccount(`DU${1000000 + i}`)));
    const log = await s.control.requests();
    expect(log.filter((r) => r.status === 429)).toEqual([]);
    const times = log.map((r) => r.at);
    for (const end of times) expect(times.filter((t) => t > end - 1000 && t <= end).length).toBeLessThanOrEqual(10);
    expect(log.length).toBe(25);
    expect(outcomes.every((o) => o.status === 'fulfilled' || (o.reason as GatewayError).kind !== 'rate-limited')).toBe(true);
  });
});
