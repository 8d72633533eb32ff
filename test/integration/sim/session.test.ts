/**
 * The simulated IBKR session behind the gateway (gateway-facts.md §5-§7): each test is a request and
 * the answer the real gateway gives, with bodies checked against the product's schemas.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AccountSetSchema,
  AuthStatusSchema,
  ErrorBodySchema,
  IserverAccountsSchema,
  LogoutSchema,
  PortfolioAccountsSchema,
  ReauthenticateSchema,
  SsodhInitSchema,
  SsoValidateSchema,
  TickleSchema,
} from '../../../src/main/core/gateway/schemas.js';
import { startSimulator, type SimOptions, type Simulator } from '../../sim/index.js';
import { ManualClock } from '../../sim/manual-clock.js';
import { until } from '../../sim/until.js';
import { call, callJson } from './pinned-client.js';

let sim: Simulator | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

async function start(options: SimOptions = {}): Promise<Simulator> {
  sim = await startSimulator({ authDelayMs: 100, pacing: false, ...options });
  return sim;
}

async function authStatus(s: Simulator) {
  const { status, json } = await callJson(s, '/v1/api/iserver/auth/status', { method: 'POST' });
  return { status, json };
}

describe('before any login', () => {
  it('answers 401 on auth/status, tickle, sso/validate and portfolio/accounts', async () => {
    const s = await start();
    const status = await callJson(s, '/v1/api/iserver/auth/status');
    expect(status.status).toBe(401);
    expect(ErrorBodySchema.parse(status.json)).toEqual({ error: 'not authenticated', statusCode: 401 });
    expect((await call(s, '/v1/api/tickle', { method: 'POST' }))?.status).toBe(401);
    expect((await call(s, '/v1/api/sso/validate'))?.status).toBe(401);
    expect((await call(s, '/v1/api/portfolio/accounts'))?.status).toBe(401);
    expect((await s.control.state()).loggedIn).toBe(false);
  });
});

describe('a login (facts §6)', () => {
  it('shows all-false status right after "Client login succeeds", authenticated authDelay later', async () => {
    const s = await start({ authDelayMs: 300 });
    await s.control.login();
    const early = await authStatus(s);
    expect(early.status).toBe(200);
    expect(AuthStatusSchema.parse(early.json)).toMatchObject({ authenticated: false, connected: false, competing: false });
    await until('auth/status to say authenticated', async () => AuthStatusSchema.parse((await authStatus(s)).json).authenticated, 3000);
    const ready = AuthStatusSchema.parse((await authStatus(s)).json);
    expect(ready).toMatchObject({ authenticated: true, connected: true, competing: false, fail: '' });
    const reauth = await callJson(s, '/v1/api/iserver/reauthenticate', { method: 'POST' });
    expect(ReauthenticateSchema.parse(reauth.json)).toEqual({ message: 'triggered' });
  });

  it('keeps the brokerage down after loginWithoutBrokerage until ssodh/init', async () => {
    const clock = new ManualClock();
    const s = await start({ clock, authDelayMs: 50 });
    await s.control.loginWithoutBrokerage();
    clock.advance(60_000); // far past authDelay: a brokerage that came up by itself would show now
    expect(AuthStatusSchema.parse((await authStatus(s)).json).authenticated).toBe(false);
    const accounts = await callJson(s, '/v1/api/iserver/accounts');
    expect(accounts.status).toBe(400);
    expect(ErrorBodySchema.parse(accounts.json).error).toContain('no bridge');
    const init = await callJson(s, '/v1/api/iserver/auth/ssodh/init', { method: 'POST', body: { publish: true, compete: true } });
    expect(SsodhInitSchema.parse(init.json)).toMatchObject({ passed: true, authenticated: true, connected: true, competing: false });
    expect(AuthStatusSchema.parse((await authStatus(s)).json).authenticated).toBe(true);
  });
});

describe('tickle (facts §5, §6.4)', () => {
  it('shows a 32-hex session and an ssoExpires counting down, jumping back every ssoRefreshMs', async () => {
    const clock = new ManualClock();
    const s = await start({ clock, authDelayMs: 3000, idleTimeoutMs: 0 });
    await s.control.login();
    clock.advance(3000);
    const first = TickleSchema.parse((await callJson(s, '/v1/api/tickle', { method: 'POST' })).json);
    expect(first.session).toMatch(/^[0-9a-f]{32}$/);
    expect(first.iserver?.authStatus).toMatchObject({ authenticated: true, connected: true, competing: false });
    clock.advance(60_000);
    const later = TickleSchema.parse((await callJson(s, '/v1/api/tickle')).json);
    expect(later.ssoExpires).toBe(first.ssoExpires - 60_000);
    expect(later.session).toBe(first.session);
    clock.advance(600_000 - 63_000 + 1);
    const refreshed = TickleSchema.parse((await callJson(s, '/v1/api/tickle')).json);
    expect(refreshed.ssoExpires).toBeGreaterThan(later.ssoExpires);
  });

  it('answers 200 {"error":"no session"} once the SSO session expired; sso/validate and auth/status 401', async () => {
    const s = await start();
    await s.control.login();
    await s.control.expireSso();
    const tickle = await callJson(s, '/v1/api/tickle', { method: 'POST' });
    expect(tickle.status).toBe(200);
    expect(ErrorBodySchema.parse(tickle.json)).toEqual({ error: 'no session' });
    expect((await call(s, '/v1/api/sso/validate'))?.status).toBe(401);
    const status = await call(s, '/v1/api/iserver/auth/status');
    expect(status).toMatchObject({ status: 401, body: '' });
    expect((await s.control.state()).ssoValid).toBe(false);
  });

  it('times out an idle session when no client request arrives', async () => {
    const clock = new ManualClock();
    const s = await start({ clock, idleTimeoutMs: 300_000 });
    await s.control.login();
    clock.advance(200_000);
    expect((await callJson(s, '/v1/api/tickle')).json).toHaveProperty('session');
    clock.advance(200_000);
    expect((await callJson(s, '/v1/api/tickle')).json).toHaveProperty('session');
    clock.advance(300_001);
    expect((await callJson(s, '/v1/api/tickle')).json).toEqual({ error: 'no session' });
  });
});

describe('sso/validate', () => {
  it('answers the sso-validate shape with LOGIN_TYPE 2 for paper and the region', async () => {
    const s = await start({ region: 'EU' });
    await s.control.login();
    const body = SsoValidateSchema.parse((await callJson(s, '/v1/api/sso/validate')).json);
    expect(body).toMatchObject({ USER_NAME: 'user123', RESULT: true, LOGIN_TYPE: 2, region: 'EU' });
  });
});

describe('logout (facts §5, §6.5)', () => {
  it('answers {"status":true}; tickle then shows a new token with authenticated:false', async () => {
    const s = await start({ authDelayMs: 10 });
    await s.control.login();
    await until('the simulated IBKR to be authenticated', async () => (await s.control.state()).authenticated, 3000);
    const before = TickleSchema.parse((await callJson(s, '/v1/api/tickle')).json);
    const logout = await callJson(s, '/v1/api/logout', { method: 'POST' });
    expect(LogoutSchema.parse(logout.json)).toEqual({ status: true });
    const after = TickleSchema.parse((await callJson(s, '/v1/api/tickle')).json);
    expect(after.session).not.toBe(before.session);
    expect(after.iserver?.authStatus).toMatchObject({ authenticated: false, connected: false, MAC: null });
    const accounts = await callJson(s, '/v1/api/iserver/accounts');
    expect(ErrorBodySchema.parse(accounts.json)).toEqual({ error: 'Init session first', statusCode: 400 });
  });
});

describe('accounts (facts §5)', () => {
  const advisor = [
    { id: 'U1111111', alias: 'Main' },
    { id: 'U2222222', alias: 'Kids' },
  ];

  it('answers {} right after brokerage init, then the full list', async () => {
    const s = await start({ authDelayMs: 10, accounts: advisor, paper: false });
    await s.control.login();
    await until('the simulated IBKR to be authenticated', async () => (await s.control.state()).authenticated, 3000);
    expect(IserverAccountsSchema.parse((await callJson(s, '/v1/api/iserver/accounts')).json)).toEqual({});
    const full = IserverAccountsSchema.parse((await callJson(s, '/v1/api/iserver/accounts')).json);
    expect(full.accounts).toEqual(['U1111111', 'U2222222']);
    expect(full.aliases).toEqual({ U1111111: 'Main', U2222222: 'Kids' });
    expect(full.selectedAccount).toBe('U1111111');
    expect(full.isPaper).toBe(false);
    const portfolio = PortfolioAccountsSchema.parse((await callJson(s, '/v1/api/portfolio/accounts')).json);
    expect(portfolio.map((a) => [a.id, a.accountAlias])).toEqual([
      ['U1111111', 'Main'],
      ['U2222222', 'Kids'],
    ]);
  });

  it('switches the selected account, and refuses an id that is not the user’s', async () => {
    const s = await start({ authDelayMs: 10, accounts: advisor, emptyAccountsAnswers: 0 });
    await s.control.login();
    await until('the simulated IBKR to be authenticated', async () => (await s.control.state()).authenticated, 3000);
    const set = await callJson(s, '/v1/api/iserver/account', { method: 'POST', body: { acctId: 'U2222222' } });
    expect(AccountSetSchema.parse(set.json)).toEqual({ set: true, acctId: 'U2222222' });
    expect(IserverAccountsSchema.parse((await callJson(s, '/v1/api/iserver/accounts')).json).selectedAccount).toBe('U2222222');
    const refused = await callJson(s, '/v1/api/iserver/account', { method: 'POST', body: { acctId: 'U9999999' } });
    expect(refused.status).toBe(400);
    expect(ErrorBodySchema.parse(refused.json).error).toBe('Bad Request: accountId is not valid: U9999999');
    expect((await s.control.state()).selectedAccount).toBe('U2222222');
  });
});

describe('scripted situations (facts §6-§7)', () => {
  it('competing: competing:true, accounts {}; ssodh/init compete:false does not take it back, compete:true does', async () => {
    const s = await start({ authDelayMs: 10, emptyAccountsAnswers: 0 });
    await s.control.login();
    await until('the simulated IBKR to be authenticated', async () => (await s.control.state()).authenticated, 3000);
    await s.control.competeFromElsewhere();
    expect(AuthStatusSchema.parse((await authStatus(s)).json)).toMatchObject({ competing: true });
    expect((await callJson(s, '/v1/api/iserver/accounts')).json).toEqual({});
    const soft = SsodhInitSchema.parse((await callJson(s, '/v1/api/iserver/auth/ssodh/init', { method: 'POST', body: { publish: true, compete: false } })).json);
    expect(soft.competing).toBe(true);
    const hard = SsodhInitSchema.parse((await callJson(s, '/v1/api/iserver/auth/ssodh/init', { method: 'POST', body: { publish: true, compete: true } })).json);
    expect(hard).toMatchObject({ competing: false, authenticated: true });
    expect(AuthStatusSchema.parse((await authStatus(s)).json)).toMatchObject({ competing: false, authenticated: true });
  });

  it('brokerage drop: authenticated:false while connected, then the gateway logs itself out (new token)', async () => {
    const s = await start({ authDelayMs: 10, autoLogoutDelayMs: 200 });
    await s.control.login();
    await until('the simulated IBKR to be authenticated', async () => (await s.control.state()).authenticated, 3000);
    const token = (await s.control.state()).session;
    await s.control.dropBrokerage();
    const dropped = TickleSchema.parse((await callJson(s, '/v1/api/tickle')).json);
    expect(dropped.iserver?.authStatus).toMatchObject({ authenticated: false, connected: true });
    expect(dropped.session).toBe(token);
    await until('a new session token', async () => (await s.control.state()).session !== token, 3000);
    const after = TickleSchema.parse((await callJson(s, '/v1/api/tickle')).json);
    expect(after.iserver?.authStatus).toMatchObject({ authenticated: false, connected: false });
    // ssodh/init brings it back without a new browser login (facts §6.5).
    await callJson(s, '/v1/api/iserver/auth/ssodh/init', { method: 'POST', body: { publish: true, compete: true } });
    expect(AuthStatusSchema.parse((await authStatus(s)).json).authenticated).toBe(true);
  });

  it('nightly reset: brokerage gone, SSO remains; reauthenticate brings it back authDelay later', async () => {
    const s = await start({ authDelayMs: 100 });
    await s.control.login();
    await until('the simulated IBKR to be authenticated', async () => (await s.control.state()).authenticated, 3000);
    await s.control.nightlyReset();
    expect(AuthStatusSchema.parse((await authStatus(s)).json)).toMatchObject({ authenticated: false, connected: false });
    expect((await call(s, '/v1/api/sso/validate'))?.status).toBe(200);
    expect(ReauthenticateSchema.parse((await callJson(s, '/v1/api/iserver/reauthenticate', { method: 'POST' })).json)).toEqual({ message: 'triggered' });
    await until('the simulated IBKR to be authenticated', async () => (await s.control.state()).authenticated, 3000);
  });
});
