/**
 * Scenarios 2-5 of the tray app against the fake gateway folder (real processes, real TLS): click to
 * log in, the embedded login window, Accounts ▸ from the tray menu (remembered across a restart), and
 * another platform taking the session.
 */
import { describe, expect, it } from 'vitest';
import { loadCertificate } from '../sim/tls.js';
import { stateTitle } from '../../src/shared/state-words.js';
import { busiestWindow } from '../sim/request-log.js';
import { fakeGatewayEnv, fakeGatewayFolder, writeAppSettings, type FakeGateway } from './gateway.js';
import { isLoginWindow, isStatusWindow, launchApp, menuItem, menuLabels, tempDir, trayOf, windowWhere, type RunningApp } from './harness.js';

const says = (kind: Parameters<typeof stateTitle>[0]) => (s: Parameters<Parameters<RunningApp['until']>[0]>[0]) =>
  trayOf(s).tooltip.startsWith(`IBKR Tray: ${stateTitle(kind)}`);

/** A returning user's app: the folder chosen earlier, the gateway started by the app. */
async function appWithGateway(settings: Record<string, unknown> = {}, userData = tempDir('ibkr-tray-userdata-'), gateway?: FakeGateway): Promise<{ app: RunningApp; gateway: FakeGateway }> {
  const folder = gateway ?? (await fakeGatewayFolder());
  writeAppSettings(userData, { gatewayFolder: folder.dir, ...settings });
  const app = await launchApp({ userData, env: fakeGatewayEnv() });
  await app.until(says('login-required'), 'login required', 30_000);
  return { app, gateway: folder };
}

/** Log in through the login window the way a user does: the gateway's own form. */
async function logInThroughWindow(app: RunningApp): Promise<void> {
  const opened = await app.until((s) => windowWhere(s, isLoginWindow)?.finishedLoads.some((url) => url.includes('/sso/Login')) === true, 'the login page to load');
  const window = windowWhere(opened, isLoginWindow)!;
  await app.page(window, 'fill', '#username', 'user123');
  await app.page(window, 'fill', '#password', 'password123');
  await app.page(window, 'click', '#submit');
}

describe('logging in from the tray', () => {
  it('a click on the icon while a login is required opens the login window, which closes by itself once the engine says ready', async () => {
    const { app, gateway } = await appWithGateway();
    const red = app.state();
    expect(trayOf(red).image).toBe('assets/tray/red-linux.png');
    // On Linux "Log in…" is the menu's first action (some trays report no clicks).
    expect(menuLabels(trayOf(red)).find((label) => !label.endsWith('(disabled)') && label !== '—')).toBe('Log in…');

    await app.clickTray('click');
    const opened = await app.until((s) => windowWhere(s, isLoginWindow)?.visible === true, 'the login window');
    const window = windowWhere(opened, isLoginWindow)!;
    expect(windowWhere(opened, isStatusWindow), 'a click while a login is required opens the login window, not the status window').toBeUndefined();
    expect(window.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, partition: 'ibkr-login' });
    expect(window.webPreferences['preload']).toBeUndefined();

    await logInThroughWindow(app);
    // The gateway's expired self-signed certificate was accepted by the pin, for the gateway only.
    const checks = app.state().certificateChecks;
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((c) => c.fingerprint256 === loadCertificate('gateway').fingerprint256 && c.verdict === 0)).toBe(true);

    const green = await app.until((s) => says('ready')(s) && windowWhere(s, isLoginWindow) === undefined, 'ready, and the login window closed by itself', 30_000);
    expect(trayOf(green).image).toBe('assets/tray/green-linux.png');
    await app.until((s) => trayOf(s).tooltip.includes('Account: Paper main (DU1234567)'), 'the tooltip to name the account');
    expect((await gateway.control().state()).authenticated).toBe(true);
  });

  it('a click while the session is ready opens the status window instead', async () => {
    const { app } = await appWithGateway();
    await app.clickMenu('Log in…');
    await logInThroughWindow(app);
    await app.until((s) => says('ready')(s) && windowWhere(s, isLoginWindow) === undefined, 'ready', 30_000);
    await app.clickTray('click');
    const shown = await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the status window');
    expect(windowWhere(shown, isLoginWindow)).toBeUndefined();
  });
});

describe('the status window while a login is under way', () => {
  it("says where to log in, and its link brings back the app's login window, not the system browser", async () => {
    const { app, gateway } = await appWithGateway();
    await app.clickMenu('Log in…');
    await app.until((s) => windowWhere(s, isLoginWindow)?.visible === true, 'the login window');
    await app.clickMenu('Open IBKR Tray');
    const shown = await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the status window');
    const status = windowWhere(shown, isStatusWindow)!;
    await app.page(status, 'waitForSelector', '#login-link', { state: 'visible' });
    expect(await app.page(status, 'getAttribute', '#login-link', 'href')).toBe(`https://localhost:${gateway.port}/`);

    await app.page(status, 'click', '#login-link');
    const back = await app.until((s) => windowWhere(s, isLoginWindow)?.focused === true, 'the login window in front again');
    expect(back.windows.filter(isLoginWindow)).toHaveLength(1);
    // The gateway's certificate is self-signed and expired: the system browser would only warn.
    expect(back.openedExternal).toEqual([]);
  });
});

describe('Accounts ▸ in the tray menu', () => {
  it('switches the account at the gateway, moves the radio item, and the choice survives a restart', async () => {
    const userData = tempDir('ibkr-tray-userdata-');
    // Keep the gateway (and its login) across the restart: it is the app that restarts here.
    const { app, gateway } = await appWithGateway({ stopGatewayOnQuit: false }, userData);
    await app.clickMenu('Log in…');
    await logInThroughWindow(app);
    // The account list can arrive a moment before IBKR says which one is selected.
    const ready = await app.until(
      (s) => says('ready')(s) && menuItem(s, 'Accounts', 'Paper hedge (DU7654321)') !== undefined && menuItem(s, 'Accounts', 'Paper main (DU1234567)')?.checked === true,
      'ready with both accounts, the first one selected',
      30_000,
    );
    expect(menuItem(ready, 'Accounts', 'Paper hedge (DU7654321)')?.checked).toBe(false);

    await app.clickMenu('Accounts', 'Paper hedge (DU7654321)');
    const switched = await app.until((s) => menuItem(s, 'Accounts', 'Paper hedge (DU7654321)')?.checked === true && trayOf(s).tooltip.includes('DU7654321'), 'the radio item on the other account');
    expect(menuItem(switched, 'Accounts', 'Paper main (DU1234567)')?.checked).toBe(false);
    expect((await gateway.control().state()).selectedAccount).toBe('DU7654321');

    const { code } = await app.quit();
    expect(code).toBe(0);
    const again = await launchApp({ userData, env: fakeGatewayEnv() });
    const back = await again.until((s) => says('ready')(s) && menuItem(s, 'Accounts', 'Paper hedge (DU7654321)')?.checked === true, 'the remembered account after a restart', 30_000);
    expect(menuItem(back, 'Accounts', 'Paper main (DU1234567)')?.checked).toBe(false);
  });
});

describe('another platform takes the session', () => {
  it('one notification, an amber icon and Take over session; nothing is taken back until the user chooses it', async () => {
    const { app, gateway } = await appWithGateway();
    await app.clickMenu('Log in…');
    await logInThroughWindow(app);
    await app.until(says('ready'), 'ready', 30_000);
    const initsBefore = (await gateway.control().requests()).filter((r) => r.path.endsWith('/ssodh/init')).length;

    await gateway.control().competeFromElsewhere();
    const amber = await app.until((s) => says('competing')(s) && s.notifications.length > 0, 'competing, with a notification', 30_000);
    expect(trayOf(amber).image).toBe('assets/tray/amber-linux.png');
    expect(amber.notifications).toHaveLength(1);
    expect(amber.notifications[0]?.title).toMatch(/elsewhere/);
    expect(menuItem(amber, 'Take over session')?.enabled).toBe(true);
    // Fighting back by itself would make both sides flap (gateway-facts §7).
    expect((await gateway.control().requests()).filter((r) => r.path.endsWith('/ssodh/init')).length).toBe(initsBefore);
    expect((await gateway.control().state()).competing).toBe(true);

    await app.clickMenu('Take over session');
    const green = await app.until(says('ready'), 'ready again after taking over', 30_000);
    expect(trayOf(green).image).toBe('assets/tray/green-linux.png');
    expect(green.notifications).toHaveLength(1);
  });
});

describe('the moment the login succeeds', () => {
  it('the gateway\'s "Client login succeeds" page makes the app check often, so the window closes within a few checks of ready, within IBKR\'s pacing', async () => {
    // The simulator's default: long enough for several of the hint's checks however late it starts.
    const AUTH_DELAY_MS = 3_000;
    const gateway = await fakeGatewayFolder();
    const userData = tempDir('ibkr-tray-userdata-');
    writeAppSettings(userData, { gatewayFolder: gateway.dir });
    const app = await launchApp({ userData, env: { ...fakeGatewayEnv(), IBKR_SIM_AUTH_DELAY_MS: String(AUTH_DELAY_MS) } });
    await app.until(says('login-required'), 'login required', 30_000);
    await app.clickMenu('Log in…');
    await logInThroughWindow(app);
    await app.until((s) => says('ready')(s) && windowWhere(s, isLoginWindow) === undefined, 'ready, and the login window closed by itself', 30_000);
    const closedAt = Date.now();

    const requests = await gateway.control().requests();
    const succeeded = requests.find((r) => r.path === '/sso/Dispatcher');
    if (!succeeded) throw new Error(`the login never reached /sso/Dispatcher: ${requests.map((r) => r.path).join(' ')}`);
    // The brokerage session comes up AUTH_DELAY_MS after the success page (gateway-facts §6).
    const readyAt = succeeded.at + AUTH_DELAY_MS;
    const checks = requests.filter((r) => r.at > succeeded.at && /\/iserver\/auth\/status$|\/tickle$/.test(r.path));
    // While the gateway's login chain runs, the hint checks every 250 ms: far more often than the 1 s
    // pace of a login the app started. Told by the gaps between the checks, not by how many fit in the
    // wait: a busy machine starts the hint late and stretches a gap now and then, but the usual gap
    // stays a quarter of the login's pace.
    const waiting = checks.filter((r) => r.at < readyAt);
    expect(waiting.length, 'checks while the brokerage session came up').toBeGreaterThanOrEqual(3);
    const gaps = waiting.slice(1).map((r, i) => r.at - waiting[i]!.at).sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]!, `the usual gap between checks (gaps ${gaps.join(', ')} ms)`).toBeLessThan(700);
    // Once the session is up, the window closes at the next check or so: the hint ends with ready.
    expect(checks.filter((r) => r.at >= readyAt && r.at <= closedAt).length).toBeLessThanOrEqual(3);
    // IBKR's pacing is about the Web API requests the gateway forwards: never more than 10 in any
    // second, and no 429. The login page's own loads (/sso/Login, its scripts, /sso/Dispatcher) are the
    // page's, not the app's, and IBKR does not count them; counting them made this fail on a busy machine.
    expect(requests.filter((r) => r.status === 429)).toEqual([]);
    expect(busiestWindow(requests)).toBeLessThanOrEqual(10);
  });
});

describe('notifications', () => {
  it('the session ends: one notification, and clicking it opens the login window', async () => {
    const { app, gateway } = await appWithGateway();
    await app.clickMenu('Log in…');
    await logInThroughWindow(app);
    await app.until((s) => says('ready')(s) && windowWhere(s, isLoginWindow) === undefined, 'ready', 30_000);

    await gateway.control().expireSso();
    const told = await app.until((s) => s.notifications.some((n) => n.title === 'IBKR session ended'), 'the session-ended notification', 30_000);
    const ended = told.notifications.find((n) => n.title === 'IBKR session ended')!;
    expect(ended.clickable).toBe(true);
    expect(told.notifications.filter((n) => n.title === 'IBKR session ended')).toHaveLength(1);

    await app.request({ op: 'click-notification', id: ended.id });
    await app.until((s) => windowWhere(s, isLoginWindow)?.visible === true, 'the login window opened from the notification');
  });
});
