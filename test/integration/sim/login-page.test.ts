/**
 * The login pages a person (or a browser test) fills in (gateway-facts.md §4, §6).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AuthStatusSchema } from '../../../src/main/core/gateway/schemas.js';
import { startSimulator, type SimOptions, type Simulator } from '../../sim/index.js';
import { until } from '../../sim/until.js';
import { call, callJson } from './pinned-client.js';

let sim: Simulator | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

async function start(options: SimOptions = {}): Promise<Simulator> {
  sim = await startSimulator({ authDelayMs: 200, pacing: false, ...options });
  return sim;
}

function submit(s: Simulator, fields: Record<string, string>) {
  return call(s, '/sso/Login', {
    method: 'POST',
    body: new URLSearchParams(fields).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
}

describe('login page (facts §6)', () => {
  it('serves a form with username and password fields at the / redirect target', async () => {
    const s = await start();
    const location = (await call(s, '/'))?.headers.location ?? '';
    const page = await call(s, location);
    expect(page?.status).toBe(200);
    expect(page?.headers['content-type']).toContain('text/html');
    expect(page?.body).toContain('name="username"');
    expect(page?.body).toContain('name="password"');
  });

  it('shows an error and counts failed attempts on wrong credentials; nobody is logged in', async () => {
    const s = await start();
    const page = await submit(s, { username: 'user123', password: 'wrong' });
    expect(page?.status).toBe(200);
    expect(page?.body).toContain('Invalid username password combination');
    await submit(s, { username: 'nobody', password: 'password123' });
    const state = await s.control.state();
    expect(state.failedLoginAttempts).toBe(2);
    expect(state.loggedIn).toBe(false);
    expect((await call(s, '/v1/api/iserver/auth/status'))?.status).toBe(401);
  });

  it('success goes through /sso/Dispatcher to plain "Client login succeeds" with no Content-Type; brokerage authDelay later', async () => {
    const s = await start({ authDelayMs: 300 });
    const redirect = await submit(s, { username: 'user123', password: 'password123' });
    expect(redirect?.status).toBe(302);
    const dispatcher = redirect?.headers.location ?? '';
    expect(dispatcher).toMatch(/^\/sso\/Dispatcher/);
    const done = await call(s, dispatcher);
    expect(done?.status).toBe(200);
    expect(done?.body).toBe('Client login succeeds');
    expect(done?.headers['content-type']).toBeUndefined();
    // The success page alone proves nothing: the API is not authenticated yet.
    expect(AuthStatusSchema.parse((await callJson(s, '/v1/api/iserver/auth/status')).json).authenticated).toBe(false);
    await until('auth/status to say authenticated', async () => AuthStatusSchema.parse((await callJson(s, '/v1/api/iserver/auth/status')).json).authenticated, 3000);
  });

  it('asks for the second-factor code when configured; a wrong code is refused and counted', async () => {
    const s = await start({ secondFactorCode: '123456' });
    const codePage = await submit(s, { username: 'user123', password: 'password123' });
    expect(codePage?.status).toBe(200);
    expect(codePage?.body).toContain('name="code"');
    const ticket = /name="ticket" value="([0-9a-f]+)"/.exec(codePage?.body ?? '')?.[1] ?? '';
    const wrong = await submit(s, { ticket, code: '000000' });
    expect(wrong?.body).toContain('Invalid security code');
    expect((await s.control.state()).failedLoginAttempts).toBe(1);
    const right = await submit(s, { ticket, code: '123456' });
    expect(right?.status).toBe(302);
    expect((await call(s, right?.headers.location ?? ''))?.body).toBe('Client login succeeds');
    expect((await s.control.state()).loggedIn).toBe(true);
  });

  it('sends /sso/Dispatcher without a finished login back to the login page', async () => {
    const s = await start();
    const reply = await call(s, '/sso/Dispatcher');
    expect(reply?.status).toBe(302);
    expect(reply?.headers.location).toMatch(/^\/sso\/Login/);
    expect((await s.control.state()).loggedIn).toBe(false);
  });
});
