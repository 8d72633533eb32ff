import { describe, expect, it } from 'vitest';
import { AccountBook } from '../../../../src/main/core/accounts.js';
import { IntentDispatcher } from '../../../../src/main/core/intent-dispatcher.js';
import { GatewayError } from '../../../../src/main/core/errors.js';
import type { AuthStatus, SsodhInit, SsoValidate, Tickle } from '../../../../src/main/core/gateway/schemas.js';
import type { GatewayApi } from '../../../../src/main/core/gateway/types.js';
import { SessionMonitor } from '../../../../src/main/core/monitor.js';
import { SettingsStore } from '../../../../src/main/core/settings.js';
import { KEEPALIVE_ALARM_MS } from '../../../../src/main/core/derive-snapshot.js';
import { flush, ManualClock } from '../../../sim/manual-clock.js';
import { memorySettingsBackend } from './memory-settings.js';

const READY: AuthStatus = { authenticated: true, connected: true, competing: false, fail: '' };
const SSO_ONLY: AuthStatus = { authenticated: false, connected: true, competing: false, fail: '' };
const TICKLE: Tickle = { session: '0123456789abcdef0123456789abcdef', ssoExpires: 500_000, iserver: { authStatus: READY } };

/** A scripted GatewayApi that records every call. */
class FakeApi implements GatewayApi {
  readonly baseUrl = 'https://localhost:5000';
  calls: string[] = [];
  status: AuthStatus | GatewayError = READY;
  tickleAnswer: Tickle | GatewayError = TICKLE;
  initAnswer: SsodhInit = { authenticated: false, connected: true, competing: false };
  private answer<T>(name: string, value: T | GatewayError): Promise<T> {
    this.calls.push(name);
    return value instanceof GatewayError ? Promise.reject(value) : Promise.resolve(value);
  }
  authStatus = () => this.answer('auth/status', this.status);
  tickle = () => this.answer('tickle', this.tickleAnswer);
  ssoAnswer: SsoValidate | GatewayError = new GatewayError('not-authenticated', '401');
  ssoValidate = () => this.answer<SsoValidate>('sso/validate', this.ssoAnswer);
  ssodhInit = (compete: boolean) => this.answer(`ssodh/init compete:${compete}`, this.initAnswer);
  reauthenticate = () => this.answer('reauthenticate', { message: 'triggered' });
  logout = () => this.answer('logout', { status: true });
  iserverAccounts = () => this.answer('iserver/accounts', { accounts: ['U1234567'], selectedAccount: 'U1234567' });
  selectAccount = (id: string) => this.answer('iserver/account', { set: true, acctId: id });
  penaltyUntil = () => null;
}

function setup(api = new FakeApi()) {
  const clock = new ManualClock();
  const settings = SettingsStore.open(memorySettingsBackend(), clock);
  const notices: string[] = [];
  const monitor = new SessionMonitor({
    gateway: { api, supervisor: null, createSocket: null },
    clock,
    tickleIntervalMs: () => 60_000,
    random: () => 0.5,
    notice: (level, text) => notices.push(`${level}: ${text}`),
  });
  const accounts = new AccountBook({ monitor, settings, clock, notice: () => undefined });
  const controller = new IntentDispatcher({
    monitor,
    accounts,
    settings,
    clock,
    openLoginPage: () => undefined,
    gatewayFolder: () => null,
    checkFolder: () => null,
  });
  return { api, clock, settings, monitor, controller, notices };
}

describe('SessionMonitor with a scripted gateway', () => {
  it('a remembered "logged out" that ends by a login elsewhere is cleared from the settings too', async () => {
    const { api, clock, settings, monitor, controller } = setup();
    monitor.start();
    await flush();
    expect((await controller.dispatch({ type: 'log-out' })).ok).toBe(true);
    expect(settings.get().userIntent).toBe('logged-out');
    // While the session stays down the intent is kept, whatever else is observed.
    api.status = SSO_ONLY;
    api.tickleAnswer = { ...TICKLE, iserver: { authStatus: SSO_ONLY } };
    await clock.run(30_000);
    expect(settings.get().userIntent).toBe('logged-out');
    expect(api.calls.some((c) => c.startsWith('ssodh/init'))).toBe(false);
    // The user logs in from a browser: ready again, and the next start must not hold back.
    api.status = READY;
    api.tickleAnswer = TICKLE;
    await controller.dispatch({ type: 'refresh' });
    await flush();
    expect(controller.snapshot().state).toBe('ready');
    expect(settings.get().userIntent).toBeNull();
    monitor.stop();
  });

  it('a malformed sso/validate (it only adds who is logged in) is told once as a notice, never as a state', async () => {
    const api = new FakeApi();
    api.status = new GatewayError('not-authenticated', '401');
    const problem = 'Unexpected answer from /v1/api/sso/validate: not JSON: <html>…';
    api.ssoAnswer = new GatewayError('unexpected-answer', problem, { endpoint: '/v1/api/sso/validate' });
    const { clock, monitor, notices } = setup(api);
    monitor.start();
    await flush();
    expect(monitor.state().kind).toBe('login-required');
    expect(api.calls).toContain('sso/validate');
    expect(notices).toEqual([`warning: ${problem}`]);
    // Later checks of the same login-required spell do not repeat it.
    await clock.run(120_000);
    expect(notices).toHaveLength(1);
    monitor.stop();
  });

  it('REST only and ready: one tickle a minute plus slow auth/status polls, nothing else', async () => {
    const { api, clock, monitor, controller } = setup();
    monitor.start();
    await flush();
    expect(controller.snapshot().state).toBe('ready');
    api.calls = [];
    await clock.run(120_000);
    const tickles = api.calls.filter((c) => c === 'tickle').length;
    expect(tickles).toBe(2);
    // Without a socket auth/status is polled every 12 s: 10 in two minutes.
    expect(api.calls.filter((c) => c === 'auth/status').length).toBe(10);
    expect(api.calls.every((c) => c === 'tickle' || c === 'auth/status')).toBe(true);
    monitor.stop();
  });

  it('an error never stops the keepalive, and after 2 minutes of failing tickles the snapshot says so', async () => {
    const { api, clock, monitor, controller } = setup();
    monitor.start();
    await flush();
    api.tickleAnswer = new GatewayError('not-responding', 'The gateway did not answer /v1/api/tickle within 5000 ms.');
    await clock.run(61_000);
    const failingSince = monitor.state().facts.keepaliveFailingSince;
    expect(failingSince).not.toBeNull();
    expect(controller.snapshot().keepaliveFailingSince).toBeNull(); // not yet 2 minutes
    await clock.run(KEEPALIVE_ALARM_MS + 60_000);
    const s = controller.snapshot();
    expect(s.keepaliveFailingSince).toBe(failingSince);
    expect(s.reason).toMatch(/Keep-alive requests have been failing/);
    const before = api.calls.filter((c) => c === 'tickle').length;
    api.tickleAnswer = TICKLE;
    await clock.run(61_000);
    expect(api.calls.filter((c) => c === 'tickle').length).toBeGreaterThan(before);
    expect(controller.snapshot().keepaliveFailingSince).toBeNull();
    monitor.stop();
  });

  it('SSO alive, brokerage down: ssodh/init (compete:false) at most 3 times, then Retry is offered', async () => {
    const api = new FakeApi();
    api.status = SSO_ONLY;
    api.tickleAnswer = { ...TICKLE, iserver: { authStatus: SSO_ONLY } };
    const { clock, monitor, controller } = setup(api);
    monitor.start();
    await clock.run(60_000);
    const inits = api.calls.filter((c) => c.startsWith('ssodh/init'));
    expect(inits).toEqual(['ssodh/init compete:false', 'ssodh/init compete:false', 'ssodh/init compete:false']);
    const s = controller.snapshot();
    expect(s.state).toBe('brokerage-starting');
    expect(s.actions.retry).toBe(true);
    expect(s.reason).toMatch(/did not start after 3 tries/);
    api.initAnswer = { authenticated: true, connected: true, competing: false };
    api.status = READY;
    expect((await controller.dispatch({ type: 'retry' })).ok).toBe(true);
    expect(controller.snapshot().state).toBe('ready');
    monitor.stop();
  });

  it('competing is never taken over by itself; take-over sends compete:true', async () => {
    const api = new FakeApi();
    api.status = { ...READY, competing: true };
    api.tickleAnswer = { ...TICKLE, iserver: { authStatus: { ...READY, competing: true } } };
    const { clock, monitor, controller } = setup(api);
    monitor.start();
    await clock.run(120_000);
    expect(controller.snapshot().state).toBe('competing');
    expect(api.calls.some((c) => c.startsWith('ssodh/init'))).toBe(false);
    api.initAnswer = { authenticated: true, connected: true, competing: false };
    expect((await controller.dispatch({ type: 'take-over' })).ok).toBe(true);
    expect(api.calls.filter((c) => c.startsWith('ssodh/init'))).toEqual(['ssodh/init compete:true']);
    expect(controller.snapshot().state).toBe('ready');
    monitor.stop();
  });

  it('401 → one sso/validate per login-required phase, not one per poll', async () => {
    const api = new FakeApi();
    api.status = new GatewayError('not-authenticated', '401');
    api.tickleAnswer = new GatewayError('not-authenticated', '401');
    const { clock, monitor, controller } = setup(api);
    monitor.start();
    await clock.run(180_000);
    expect(controller.snapshot().state).toBe('login-required');
    expect(api.calls.filter((c) => c === 'sso/validate')).toHaveLength(1);
    monitor.stop();
  });

  it('a timer firing long after it was due (sleep) checks at once', async () => {
    const { api, clock, monitor } = setup();
    monitor.start();
    await flush();
    api.calls = [];
    clock.advance(15 * 60_000); // the laptop slept through every timer
    await flush();
    expect(api.calls).toContain('auth/status');
    monitor.stop();
  });

  it('a login the app started is checked every second; a login-page hint checks at once, then every 250 ms, and a storm of hints stays paced', async () => {
    const api = new FakeApi();
    api.status = new GatewayError('not-authenticated', '401');
    api.tickleAnswer = new GatewayError('not-authenticated', '401');
    const { clock, monitor, controller } = setup(api);
    monitor.start();
    await flush();
    expect((await controller.dispatch({ type: 'log-in' })).ok).toBe(true);
    expect(monitor.state().kind).toBe('logging-in');
    api.calls = [];
    await clock.run(10_000);
    expect(api.calls.filter((c) => c === 'auth/status')).toHaveLength(10);

    // Half-way between two checks, the login window sees "Client login succeeds": a check at once…
    await clock.run(500);
    api.calls = [];
    monitor.loginPageDone();
    clock.advance(0); // the poll timer is now due: it fires without any time passing
    await flush();
    expect(api.calls).toEqual(['auth/status']);
    // …and a storm of hints (one every 2 ms for 2 s) still sends at most one check per 250 ms.
    api.calls = [];
    for (let i = 0; i < 1000; i++) {
      monitor.loginPageDone();
      clock.advance(2);
      await flush();
    }
    const checks = api.calls.filter((c) => c === 'auth/status').length;
    expect(checks).toBeGreaterThanOrEqual(7);
    expect(checks).toBeLessThanOrEqual(9);
    // The gateway's chain completes: ready within one step.
    api.status = READY;
    api.tickleAnswer = TICKLE;
    await clock.run(250);
    expect(monitor.state().kind).toBe('ready');
    monitor.stop();
  });

  it('refuses intents the state does not allow, with the reason', async () => {
    const { monitor, controller } = setup();
    monitor.start();
    await flush();
    const refused = await controller.dispatch({ type: 'cancel-login' });
    expect(refused).toEqual({ ok: false, reason: expect.stringMatching(/^Cancel login is not possible now\. Ready/) });
    const snapshots: number[] = [];
    controller.subscribe((s) => snapshots.push(s.seq));
    await controller.dispatch({ type: 'refresh' });
    // Nothing changed: no snapshot emitted for a refresh that saw the same thing.
    expect(snapshots.every((seq, i) => i === 0 || seq === snapshots[i - 1]! + 1)).toBe(true);
    monitor.stop();
  });
});
