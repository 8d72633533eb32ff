/**
 * InteractiveBrokersAuthentication on a scripted gateway and a fake clock: the seed's defaults
 * (300 s, 3 s), waitForLogin's arguments in seconds or milliseconds, and login() waiting for a
 * triggered login chain before it opens a login page. The simulator tests are in test/integration/core.
 */
import { describe, expect, it } from 'vitest';
import { InteractiveBrokersAuthentication } from '../../../../src/main/core/auth.js';
import { GatewayError, IBCAuthenticationError, IBCValidationError } from '../../../../src/main/core/errors.js';
import type { AuthStatus, Reauthenticate, SsodhInit } from '../../../../src/main/core/gateway/schemas.js';
import type { GatewayApi } from '../../../../src/main/core/gateway/types.js';
import { ManualClock } from '../../../sim/manual-clock.js';

const NOT_AUTH = new GatewayError('not-authenticated', '401');
const READY: AuthStatus = { authenticated: true, connected: true, competing: false };
const SSO_ONLY: AuthStatus = { authenticated: false, connected: true, competing: false };

/** A gateway whose answers a test sets; it records each call with the clock's time. */
function scripted(clock: ManualClock) {
  const calls: { name: string; at: number }[] = [];
  const script = {
    status: (): AuthStatus | GatewayError => NOT_AUTH,
    init: (): SsodhInit | GatewayError => NOT_AUTH,
    reauth: (): Reauthenticate | GatewayError => ({ error: 'not logged in' }),
  };
  const answer = <T>(name: string, value: T | GatewayError): Promise<T> => {
    calls.push({ name, at: clock.now() });
    return value instanceof GatewayError ? Promise.reject(value) : Promise.resolve(value);
  };
  const refuse = (name: string) => () => Promise.reject(new Error(`${name} not scripted`));
  const api: GatewayApi = {
    baseUrl: 'https://localhost:5000',
    authStatus: () => answer('auth/status', script.status()),
    ssodhInit: () => answer('ssodh/init', script.init()),
    reauthenticate: () => answer('reauthenticate', script.reauth()),
    tickle: refuse('tickle'),
    ssoValidate: refuse('sso/validate'),
    logout: refuse('logout'),
    iserverAccounts: refuse('iserver/accounts'),
    selectAccount: refuse('iserver/account'),
    penaltyUntil: () => null,
  };
  return { api, calls, script };
}

function setup() {
  const clock = new ManualClock();
  const gateway = scripted(clock);
  const opened: number[] = [];
  const auth = new InteractiveBrokersAuthentication({ client: gateway.api, clock, openLoginPage: () => void opened.push(clock.now()) });
  return { clock, auth, opened, ...gateway };
}

/** Run `promise` to its end while moving the fake clock in steps; returns its value or its error. */
async function drive<T>(clock: ManualClock, promise: Promise<T>, limitMs: number, stepMs = 500): Promise<T | Error> {
  let outcome: { value: T } | { error: Error } | null = null;
  promise.then(
    (value) => (outcome = { value }),
    (error: Error) => (outcome = { error }),
  );
  for (let spent = 0; outcome === null && spent <= limitMs; spent += stepMs) await clock.run(stepMs);
  if (outcome === null) throw new Error(`still running after ${limitMs} ms`);
  const done = outcome as { value: T } | { error: Error };
  return 'error' in done ? done.error : done.value;
}

describe('waitForLogin: the seed defaults and units', () => {
  it('waitForLogin() waits 300 s, checking every 3 s, then says how long it waited', async () => {
    const { clock, auth, calls, opened } = setup();
    const started = clock.now();
    const error = await drive(clock, auth.waitForLogin(), 400_000);
    expect(error).toBeInstanceOf(IBCAuthenticationError);
    expect((error as Error).message).toMatch(/^Not logged in after waiting 300 s; last state seen: not logged in \(401\)\.$/);
    expect(clock.now() - started).toBeLessThanOrEqual(300_500);
    const checks = calls.filter((c) => c.name === 'auth/status').map((c) => c.at - started);
    // login()'s own check, then one every 3 s up to 300 s.
    expect(checks[0]).toBe(0);
    expect(checks.slice(1)).toEqual(Array.from({ length: 100 }, (_, i) => (i + 1) * 3_000));
    expect(opened).toEqual([started]);
  });

  it('waitForLogin(6, 2) takes seconds, as in the seed', async () => {
    const { clock, auth, calls } = setup();
    const started = clock.now();
    const error = await drive(clock, auth.waitForLogin(6, 2), 20_000);
    expect((error as Error).message).toMatch(/after waiting 6 s/);
    expect(calls.filter((c) => c.name === 'auth/status').map((c) => c.at - started)).toEqual([0, 2_000, 4_000, 6_000]);
  });

  it('waitForLogin({ timeoutMs, pollIntervalMs }) takes milliseconds and resolves once logged in', async () => {
    const { clock, auth, script } = setup();
    const started = clock.now();
    script.status = () => (clock.now() - started >= 1_500 ? READY : NOT_AUTH);
    await expect(drive(clock, auth.waitForLogin({ timeoutMs: 10_000, pollIntervalMs: 500 }), 5_000)).resolves.toBe(true);
    expect(clock.now() - started).toBeLessThan(3_000);
  });

  it.each([
    [[-1], /timeout in seconds must be a positive number, not -1/],
    [[Number.NaN], /must be a positive number/],
    [[60, 0], /poll interval in seconds must be a positive number, not 0/],
    [[{ timeout: 60 }], /unknown option timeout; the options are timeoutMs and pollIntervalMs/],
    [[{ timeoutMs: 60_000 }, 3], /inside the options/],
    [['300'], /takes seconds .* not string/],
  ] as const)('waitForLogin(%j) throws a clear IBCValidationError before sending anything', async (args, message) => {
    const { auth, calls } = setup();
    const call = auth.waitForLogin as (...a: readonly unknown[]) => Promise<true>;
    const error = await call.apply(auth, [...args]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IBCValidationError);
    expect((error as Error).message).toMatch(message);
    expect(calls).toEqual([]);
  });
});

describe('login(): a triggered login chain is waited for, briefly', () => {
  it('reauthenticate "triggered" and ready 3 s later: no login page', async () => {
    const { clock, auth, script, opened, calls } = setup();
    const started = clock.now();
    script.status = () => (clock.now() - started >= 3_000 ? READY : SSO_ONLY);
    script.init = () => new GatewayError('ibkr-error', 'IBKR answered with "no bridge"');
    script.reauth = () => ({ message: 'triggered' });
    await expect(drive(clock, auth.login(), 10_000)).resolves.toMatchObject({ authenticated: true });
    expect(opened).toEqual([]);
    expect(calls.map((c) => c.name)).toEqual(expect.arrayContaining(['ssodh/init', 'reauthenticate']));
  });

  it('triggered but never ready: the login page opens after the wait (6 s), not at once and not never', async () => {
    const { clock, auth, script, opened } = setup();
    const started = clock.now();
    script.status = () => SSO_ONLY;
    script.init = () => new GatewayError('ibkr-error', 'no bridge');
    script.reauth = () => ({ message: 'triggered' });
    await expect(drive(clock, auth.login(), 20_000)).resolves.toMatchObject({ authenticated: false });
    expect(opened).toHaveLength(1);
    expect(opened[0]! - started).toBeGreaterThanOrEqual(6_000);
    expect(opened[0]! - started).toBeLessThanOrEqual(6_500);
  });

  it('nobody logged in (reauthenticate "not logged in"): the login page at once', async () => {
    const { clock, auth, opened } = setup();
    const started = clock.now();
    await expect(drive(clock, auth.login(), 1_000)).resolves.toMatchObject({ authenticated: false });
    expect(opened).toEqual([started]);
  });

  it('a 429 from ssodh/init is thrown, with no fallback and no login page', async () => {
    const { clock, auth, script, opened, calls } = setup();
    script.status = () => SSO_ONLY;
    script.init = () => new GatewayError('rate-limited', 'IBKR rate-limited this gateway (HTTP 429)');
    const error = await drive(clock, auth.login(), 1_000);
    expect(error).toMatchObject({ kind: 'rate-limited' });
    expect(opened).toEqual([]);
    expect(calls.map((c) => c.name)).not.toContain('reauthenticate');
  });
});
