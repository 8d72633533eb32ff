import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inState, logInAndWait, requestsTo, startRig, waitForSnapshot, type Rig } from './harness.js';

const TWO_ACCOUNTS = [
  { id: 'U1111111', alias: 'Main' },
  { id: 'U2222222', alias: 'Family trust' },
];

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('engine against the simulator: what the user asked for', () => {
  it('"log out" stays that way, also after an app restart: no ssodh/init, no login page, until the user logs in', async () => {
    rig = await startRig();
    await logInAndWait(rig);
    const out = await rig.engine.dispatch({ type: 'log-out' });
    expect(out.ok).toBe(true);
    const s = await inState(rig.engine, 'login-required');
    expect(s.reason).toMatch(/You logged out/);
    expect(requestsTo(rig.sim, '/v1/api/logout', 0, 'POST')).toHaveLength(1);
    const saved = JSON.parse(fs.readFileSync(path.join(rig.configDir, 'config.json'), 'utf8'));
    // Since profiles (issue 17) a gateway's own settings live in its profile.
    expect(saved.profiles[0].userIntent).toBe('logged-out');

    const mark = rig.sim.requests.length;
    const again = await rig.restart();
    const after = await again.refresh();
    expect(after.state).toBe('login-required');
    expect(after.reason).toMatch(/You logged out/);
    expect(requestsTo(rig.sim, '/v1/api/iserver/auth/status/ssodh/init', mark)).toEqual([]);
    expect(requestsTo(rig.sim, '/v1/api/iserver/auth/ssodh/init', mark)).toEqual([]);

    // The user's own "log in" ends it.
    expect((await again.dispatch({ type: 'log-in' })).ok).toBe(true);
    await rig.sim.control.login();
    await waitForSnapshot(again, (x) => x.state === 'ready', 'ready after logging in again');
  });

  it('lists accounts with aliases, selects one (POST /iserver/account, confirmed), remembers it and re-applies it after a new login', async () => {
    rig = await startRig({ accounts: TWO_ACCOUNTS, paper: false });
    const ready = await logInAndWait(rig);
    expect(ready.accounts).toEqual([
      { id: 'U1111111', alias: 'Main' },
      { id: 'U2222222', alias: 'Family trust' },
    ]);
    expect(ready.paper).toBe(false);
    expect(ready.actions.selectAccount).toBe(true);

    const chosen = await rig.engine.dispatch({ type: 'select-account', accountId: 'U2222222' });
    expect(chosen.ok).toBe(true);
    expect(rig.engine.snapshot().selectedAccount).toBe('U2222222');
    expect((await rig.sim.control.state()).selectedAccount).toBe('U2222222');
    expect(rig.engine.settings.get().account).toBe('U2222222');

  });

  it('re-applies the remembered account after a login in which IBKR selected another one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-engine-'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ account: 'U2222222' }));
    rig = await startRig({ accounts: TWO_ACCOUNTS }, {}, dir);
    await logInAndWait(rig);
    const s = await waitForSnapshot(rig.engine, (x) => x.selectedAccount === 'U2222222', 'the remembered account');
    expect(s.reason).toContain('U2222222');
    expect((await rig.sim.control.state()).selectedAccount).toBe('U2222222');
    expect(requestsTo(rig.sim, '/v1/api/iserver/account', 0, 'POST')).toHaveLength(1);
  });

  it('refuses an account that is not one of the login', async () => {
    rig = await startRig({ accounts: TWO_ACCOUNTS });
    await logInAndWait(rig);
    const refused = await rig.engine.dispatch({ type: 'select-account', accountId: 'U9999999' });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(/U9999999 is not an account of this login/);
  });

  it('a remembered account that no longer exists is dropped with a notice', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-engine-'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ account: 'U5555555' }));
    rig = await startRig({ accounts: TWO_ACCOUNTS }, {}, dir);
    await logInAndWait(rig);
    const s = await waitForSnapshot(rig.engine, (x) => x.notices.some((n) => n.text.includes('U5555555')), 'the notice');
    expect(s.notices.find((n) => n.text.includes('U5555555'))!.text).toMatch(/no longer exists/);
    expect(rig.engine.settings.get().account).toBeNull();
  });

  it('a settings file full of garbage leaves the engine working and the garbage kept beside it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-engine-'));
    const garbage = '\u0000\u00ff{{{ this is not settings ]]]';
    fs.writeFileSync(path.join(dir, 'config.json'), garbage);
    rig = await startRig({}, {}, dir);
    const first = await inState(rig.engine, 'login-required');
    expect(first.notices.some((n) => /damaged/.test(n.text))).toBe(true);
    const aside = fs.readdirSync(dir).filter((f) => f.startsWith('config.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, aside[0]!), 'utf8')).toBe(garbage);
    await logInAndWait(rig);
    // And the new settings file is valid again (the certificate pin was learnt and saved).
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(Object.values(saved.profiles[0].pins)).toContain(rig.sim.fingerprint256);
  });

  it('preferences change through set-preference and show in the snapshot', async () => {
    rig = await startRig();
    await inState(rig.engine, 'login-required');
    expect((await rig.engine.dispatch({ type: 'set-preference', key: 'notifications', value: false })).ok).toBe(true);
    expect(rig.engine.snapshot().preferences.notifications).toBe(false);
  });

  it('set-gateway-folder refuses a folder that is not a gateway, with the reason', async () => {
    rig = await startRig();
    const result = await rig.engine.dispatch({ type: 'set-gateway-folder', folder: rig.configDir });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/bin/);
    expect(rig.engine.settings.get().gatewayFolder).toBeNull();
  });
});
