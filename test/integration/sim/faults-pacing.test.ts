/**
 * IBKR-side trouble (gateway-facts.md §4, §5, §8): unreachable, maintenance, latency, malformed
 * answers, and pacing with its penalty box.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AuthStatusSchema, TickleSchema } from '../../../src/main/core/gateway/schemas.js';
import type { SimOptions, Simulator } from '../../sim/index.js';
import { startAuthenticated } from './authenticated-simulator.js';
import { ManualClock } from '../../sim/manual-clock.js';
import { until } from '../../sim/until.js';
import { call, callJson } from './pinned-client.js';

let sim: Simulator | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

async function loggedIn(options: SimOptions = {}): Promise<Simulator> {
  sim = await startAuthenticated(options);
  return sim;
}

describe('IBKR unreachable (facts §4)', () => {
  it('hangs every forwarded request but still answers what the gateway answers itself; stop() frees the hung sockets', async () => {
    const s = await loggedIn();
    await s.control.setUnreachable(true);
    expect(await call(s, '/v1/api/tickle', { timeoutMs: 300 })).toBeNull();
    expect(await call(s, '/v1/portal/iserver/auth/status', { timeoutMs: 300 })).toBeNull();
    expect((await call(s, '/'))?.status).toBe(302);
    expect((await callJson(s, '/v1/api/iserver/reauthenticate', { method: 'POST' })).json).toEqual({ message: 'triggered' });
    expect(s.requests.filter((r) => r.path === '/v1/api/tickle').map((r) => r.status)).toEqual([null]);
    await s.control.setUnreachable(false);
    expect((await call(s, '/v1/api/tickle'))?.status).toBe(200);
  });

  it('stop() resolves even with requests hanging', async () => {
    const s = await loggedIn();
    await s.control.setUnreachable(true);
    const hanging = call(s, '/v1/api/tickle', { timeoutMs: 10_000 }).catch(() => 'closed');
    await until('the tickle to hang at the simulator', () => s.requests.some((r) => r.path === '/v1/api/tickle' && r.status === null), 5_000);
    await s.stop();
    expect(await hanging).toBe('closed');
  });
});

describe('maintenance (facts §5)', () => {
  it('answers 500 on /iserver while tickle still works', async () => {
    const s = await loggedIn();
    await s.control.setMaintenance(500);
    expect((await call(s, '/v1/api/iserver/auth/status'))?.status).toBe(500);
    expect((await call(s, '/v1/api/tickle'))?.status).toBe(200);
    await s.control.setMaintenance(null);
    expect((await call(s, '/v1/api/iserver/auth/status'))?.status).toBe(200);
  });

  it('answers 503 with an empty body after the delay', async () => {
    const s = await loggedIn();
    await s.control.setMaintenance(503, 300);
    const started = Date.now();
    const reply = await call(s, '/v1/api/iserver/accounts');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(reply).toMatchObject({ status: 503, body: '' });
  });
});

describe('latency', () => {
  it('delays forwarded answers only', async () => {
    const s = await loggedIn();
    await s.control.setLatency(300);
    expect(await call(s, '/v1/api/tickle', { timeoutMs: 150 })).toBeNull();
    expect((await call(s, '/', { timeoutMs: 150 }))?.status).toBe(302);
  });
});

describe('malformed answers', () => {
  it('spoils one endpoint the way each kind says', async () => {
    const s = await loggedIn();
    const endpoint = '/v1/api/iserver/auth/status';
    await s.control.setMalformed(endpoint, 'html');
    const html = await call(s, endpoint);
    expect(html?.headers['content-type']).toContain('text/html');
    expect(html?.body).toMatch(/^<!DOCTYPE html>/);

    await s.control.setMalformed(endpoint, 'truncated-json');
    const truncated = (await call(s, endpoint))?.body ?? '';
    expect(() => JSON.parse(truncated) as unknown).toThrow();

    await s.control.setMalformed(endpoint, 'wrong-types');
    const wrong = JSON.parse((await call(s, endpoint))?.body ?? '') as unknown;
    expect(AuthStatusSchema.safeParse(wrong).success).toBe(false);

    await s.control.setMalformed(endpoint, 'empty');
    expect(await call(s, endpoint)).toMatchObject({ status: 200, body: '' });

    await s.control.setMalformed(endpoint, 'wrong-content-type');
    const typed = await call(s, endpoint);
    expect(typed?.headers['content-type']).toContain('text/html');
    expect(AuthStatusSchema.parse(JSON.parse(typed?.body ?? '') as unknown).authenticated).toBe(true);

    await s.control.setMalformed(endpoint, 'huge');
    const huge = await call(s, endpoint, { timeoutMs: 10_000 });
    expect(huge?.body.length).toBeGreaterThan(10_000_000);

    await s.control.setMalformed(endpoint, null);
    expect(AuthStatusSchema.parse(JSON.parse((await call(s, endpoint))?.body ?? '') as unknown).authenticated).toBe(true);
    // Other endpoints were never touched.
    expect(TickleSchema.safeParse(JSON.parse((await call(s, '/v1/api/tickle'))?.body ?? '') as unknown).success).toBe(true);
  });

  it("'*' spoils every forwarded endpoint", async () => {
    const s = await loggedIn();
    await s.control.setMalformed('*', 'empty');
    expect((await call(s, '/v1/api/tickle'))?.body).toBe('');
    expect((await call(s, '/v1/portal/sso/validate'))?.body).toBe('');
  });
});

describe('pacing (facts §8)', () => {
  it('answers 429 to a second tickle within a second, then everything 429 until the penalty ends', async () => {
    const clock = new ManualClock();
    const s = await loggedIn({ clock, pacing: true, penaltyMs: 600_000, idleTimeoutMs: 0 });
    clock.advance(10);
    expect((await call(s, '/v1/api/tickle'))?.status).toBe(200);
    clock.advance(500);
    expect((await call(s, '/v1/api/tickle'))?.status).toBe(429);
    expect((await s.control.state()).penaltyUntil).toBe(clock.now() + 600_000);
    clock.advance(5_000);
    expect((await call(s, '/v1/api/iserver/auth/status'))?.status).toBe(429);
    // What the gateway answers itself is not IBKR's to refuse.
    expect((await call(s, '/'))?.status).toBe(302);
    clock.advance(600_000);
    expect((await call(s, '/v1/api/tickle'))?.status).toBe(200);
    expect((await s.control.state()).penaltyUntil).toBeNull();
  });

  it('allows a tickle per second, sso/validate per minute, portfolio/accounts per 5 s', async () => {
    const clock = new ManualClock();
    const s = await loggedIn({ clock, pacing: true, idleTimeoutMs: 0 });
    for (let i = 0; i < 3; i++) {
      clock.advance(1_000);
      expect((await call(s, '/v1/api/tickle'))?.status).toBe(200);
    }
    expect((await call(s, '/v1/api/sso/validate'))?.status).toBe(200);
    clock.advance(60_000);
    expect((await call(s, '/v1/api/sso/validate'))?.status).toBe(200);
    expect((await call(s, '/v1/api/portfolio/accounts'))?.status).toBe(200);
    clock.advance(5_000);
    expect((await call(s, '/v1/api/portfolio/accounts'))?.status).toBe(200);
    clock.advance(1_000);
    expect((await call(s, '/v1/api/portfolio/accounts'))?.status).toBe(429);
  });

  it('refuses the 11th request within one second', async () => {
    const clock = new ManualClock();
    const s = await loggedIn({ clock, pacing: true, idleTimeoutMs: 0 });
    for (let i = 0; i < 10; i++) expect((await call(s, '/v1/api/iserver/auth/status'))?.status).toBe(200);
    expect((await call(s, '/v1/api/iserver/auth/status'))?.status).toBe(429);
  });

  it('penalize() puts the client in the box at once', async () => {
    const s = await loggedIn({ pacing: true });
    await s.control.penalize(60_000);
    expect((await call(s, '/v1/api/iserver/auth/status'))?.status).toBe(429);
  });
});
