import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/main/core/engine.js';
import { inState, logInAndWait, requestsTo, startRig, waitForSnapshot, type Rig } from './harness.js';

const AUTH_STATUS = '/v1/api/iserver/auth/status';
const SSODH_INIT = '/v1/api/iserver/auth/ssodh/init';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('engine against the simulator: the session', () => {
  it('shows "login required", opens the login page on log-in, and reaches ready with the account and user', async () => {
    rig = await startRig({ accounts: [{ id: 'DU1234567', alias: 'Paper main' }] });
    const before = await inState(rig.engine, 'login-required');
    expect(before.actions.logIn).toBe(true);
    expect(before.actions.logOut).toBe(false);

    const result = await rig.engine.dispatch({ type: 'log-in' });
    expect(result.ok).toBe(true);
    expect(rig.opened).toEqual([`${rig.sim.url}/`]);
    const waiting = await inState(rig.engine, 'logging-in');
    expect(waiting.actions.cancelLogin).toBe(true);

    await rig.sim.control.login();
    // Who is logged in comes with the socket's first frames, which may follow the accounts by a moment
    // (at the 1 s login pace the poll can see "ready" before the socket has started).
    const ready = await waitForSnapshot(rig.engine, (s) => s.state === 'ready' && s.selectedAccount !== null && s.username !== null, 'ready with the account and user');
    expect(ready.tone).toBe('ok');
    expect(ready.username).toBe('user123');
    expect(ready.paper).toBe(true);
    expect(ready.accounts).toEqual([{ id: 'DU1234567', alias: 'Paper main' }]);
    expect(ready.selectedAccount).toBe('DU1234567');
    expect(ready.reason).toContain('user123');
    expect(ready.nextResetAt).toBeGreaterThan(ready.at);
    expect(ready.actions.logOut).toBe(true);
    expect(ready.gateway.url).toBe(rig.sim.url);
    expect(ready.gateway.fingerprint).toBe(rig.sim.fingerprint256);
    // The WebSocket was opened (binary frames, "waiting for session" answered with the tickle's token).
    expect(requestsTo(rig.sim, '/v1/api/ws').some((r) => r.status === 101)).toBe(true);
    expect(requestsTo(rig.sim, '/v1/api/tickle').length).toBeGreaterThan(0);
  });

  it('with the socket healthy, a pushed competing status reaches the snapshot without any auth/status poll, and is never taken over by itself', async () => {
    rig = await startRig();
    await logInAndWait(rig);
    // Wait until polling has stopped because the socket is healthy: a window with no auth/status.
    await waitForSnapshot(rig.engine, (s) => s.lastTickleAt !== null, 'a tickle');
    const mark = rig.sim.requests.length;
    await rig.sim.control.competeFromElsewhere();
    const competing = await inState(rig.engine, 'competing', 3_000);
    expect(competing.actions.takeOver).toBe(true);
    expect(competing.reason).toMatch(/Take over/);
    expect(requestsTo(rig.sim, AUTH_STATUS, mark)).toEqual([]);

    // A check (what "refresh" does) still shows competing and sends no ssodh/init: no automatic take-over.
    const after = await rig.engine.refresh();
    expect(after.state).toBe('competing');
    expect(requestsTo(rig.sim, SSODH_INIT, mark)).toEqual([]);
    expect((await rig.sim.control.state()).competing).toBe(true);

    const took = await rig.engine.dispatch({ type: 'take-over' });
    expect(took).toMatchObject({ ok: true });
    await inState(rig.engine, 'ready');
    expect(requestsTo(rig.sim, SSODH_INIT, mark, 'POST')).toHaveLength(1);
    expect((await rig.sim.control.state()).competing).toBe(false);
  });

  it('take-over is refused with a reason when nothing competes', async () => {
    rig = await startRig();
    await logInAndWait(rig);
    const refused = await rig.engine.dispatch({ type: 'take-over' });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(/Take over is not possible now/);
  });

  it('SSO expiry → login required, with the reason and Log in offered', async () => {
    rig = await startRig();
    await logInAndWait(rig);
    await rig.sim.control.expireSso();
    const s = await inState(rig.engine, 'login-required');
    expect(s.reason).toMatch(/session ended|Log in/);
    expect(s.actions.logIn).toBe(true);
    expect(s.accounts).toEqual([]);
    expect(s.authenticated).toBe(false);
  });

  it('a brokerage drop (and the gateway logging itself out) is recovered with ssodh/init', async () => {
    rig = await startRig();
    await logInAndWait(rig);
    const mark = rig.sim.requests.length;
    await rig.sim.control.dropBrokerage();
    await waitForSnapshot(rig.engine, (s) => s.state !== 'ready', 'the drop to show');
    const back = await waitForSnapshot(rig.engine, (s) => s.state === 'ready' && s.selectedAccount !== null, 'ready again');
    expect(back.authenticated).toBe(true);
    expect(requestsTo(rig.sim, SSODH_INIT, mark, 'POST').length).toBeGreaterThanOrEqual(1);
    expect(requestsTo(rig.sim, SSODH_INIT, mark, 'POST').length).toBeLessThanOrEqual(3);
  });

  it('the nightly reset drops the brokerage session; the engine brings it back without a new login', async () => {
    rig = await startRig({ region: 'EU' });
    const first = await logInAndWait(rig);
    expect(first.nextResetAt).not.toBeNull();
    const mark = rig.sim.requests.length;
    await rig.sim.control.nightlyReset();
    await waitForSnapshot(rig.engine, (s) => s.state !== 'ready', 'the reset to show');
    await waitForSnapshot(rig.engine, (s) => s.state === 'ready', 'ready again');
    expect(requestsTo(rig.sim, SSODH_INIT, mark, 'POST').length).toBeGreaterThanOrEqual(1);
    expect(rig.opened).toHaveLength(1); // no second login page
  });

  it('"Client login succeeds" without a brokerage session: the engine starts it with ssodh/init', async () => {
    rig = await startRig();
    await inState(rig.engine, 'login-required');
    await rig.engine.dispatch({ type: 'log-in' });
    const mark = rig.sim.requests.length;
    await rig.sim.control.loginWithoutBrokerage();
    await inState(rig.engine, 'brokerage-starting');
    await waitForSnapshot(rig.engine, (s) => s.state === 'ready', 'ready');
    expect(requestsTo(rig.sim, SSODH_INIT, mark, 'POST').length).toBeGreaterThanOrEqual(1);
  });

  it('cancel-login goes back to login required; late answers do not undo it', async () => {
    rig = await startRig();
    await inState(rig.engine, 'login-required');
    await rig.engine.dispatch({ type: 'log-in' });
    await inState(rig.engine, 'logging-in');
    expect(await rig.engine.dispatch({ type: 'cancel-login' })).toMatchObject({ ok: true });
    const s = await inState(rig.engine, 'login-required');
    expect(s.reason).toMatch(/cancelled/);
    const again = await rig.engine.refresh();
    expect(again.state).toBe('login-required');
  });
});

describe('engine against the simulator: a one-shot check handed a recent account list', () => {
  const ACCOUNTS = '/v1/api/iserver/accounts';
  const TWO = [
    { id: 'U1111111', alias: 'Main' },
    { id: 'U2222222', alias: 'Hedge' },
  ];

  /** A one-shot engine (as `ibkr-tray status` builds it) on the rig's simulator, with its own settings. */
  async function oneShot(r: Rig): Promise<Engine> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ibkr-engine-once-'));
    const engine = await createEngine({ gatewayUrl: r.sim.url, configDir: dir, createSupervisor: null, useWebSocket: false, watch: false, requestTimeoutMs: 2_000 });
    const dispose = engine.dispose.bind(engine);
    return Object.assign(engine, {
      dispose: async (o?: { readonly stopGateway?: boolean }) => {
        await dispose(o);
        rmSync(dir, { recursive: true, force: true });
      },
    });
  }

  it('applies the list it was handed as the listing of the session it finds ready, asking no /iserver/accounts', async () => {
    rig = await startRig({ accounts: TWO, emptyAccountsAnswers: 0 });
    await logInAndWait(rig);
    const engine = await oneShot(rig);
    try {
      const from = rig.sim.requests.length;
      const handed = { accounts: TWO, selectedAccount: 'U2222222', paper: true };
      const s = await engine.refresh({ tickle: false, accounts: handed });
      expect(s).toMatchObject({ state: 'ready', accounts: TWO, selectedAccount: 'U2222222', paper: true });
      expect(requestsTo(rig.sim, ACCOUNTS, from)).toHaveLength(0);
      expect(requestsTo(rig.sim, AUTH_STATUS, from)).toHaveLength(1);
    } finally {
      await engine.dispose();
    }
  });

  it('asks the gateway instead when the list names another account than the one the user chose (no switch on a reused list)', async () => {
    rig = await startRig({ accounts: TWO, emptyAccountsAnswers: 0 });
    const ready = await logInAndWait(rig);
    const engine = await oneShot(rig);
    try {
      engine.settings.update({ account: ready.selectedAccount });
      const other = TWO.find((a) => a.id !== ready.selectedAccount)!.id;
      const from = rig.sim.requests.length;
      const s = await engine.refresh({ tickle: false, accounts: { accounts: TWO, selectedAccount: other, paper: null } });
      expect(s).toMatchObject({ state: 'ready', selectedAccount: ready.selectedAccount });
      expect(requestsTo(rig.sim, ACCOUNTS, from)).toHaveLength(1);
      expect(requestsTo(rig.sim, '/v1/api/iserver/account', from, 'POST')).toHaveLength(0);
    } finally {
      await engine.dispose();
    }
  });

  it('uses the list for that check alone: a later move into ready asks the gateway', async () => {
    rig = await startRig({ accounts: TWO, emptyAccountsAnswers: 0 });
    const engine = await oneShot(rig);
    try {
      const first = await engine.refresh({ tickle: false, accounts: { accounts: TWO, selectedAccount: 'U1111111', paper: null } });
      expect(first.state).toBe('login-required');
      await logInAndWait(rig);
      const from = rig.sim.requests.length;
      const s = await engine.refresh({ tickle: false });
      expect(s.state).toBe('ready');
      expect(requestsTo(rig.sim, ACCOUNTS, from)).toHaveLength(1);
    } finally {
      await engine.dispose();
    }
  });
});
