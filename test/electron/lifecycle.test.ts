/**
 * The tray app's life on a desktop: quitting (what it stops and how fast), being opened again (second
 * instance, macOS 'activate'), the macOS and Windows specifics (activation, start at login), where it
 * keeps its files, and the window's own features (Copy of the gateway log, links to the browser).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startGatewayFolder } from '../sim/gateway-folder.js';
import { stateTitle } from '../../src/shared/state-words.js';
import { fakeGatewayEnv, fakeGatewayFolder, TWO_ACCOUNTS, writeAppSettings } from './gateway.js';
import { isStatusWindow, launchApp, processesIn, ROOT, tempDir, trayOf, windowWhere, type RunningApp } from './harness.js';

const loginRequired = (s: ReturnType<RunningApp['state']>): boolean => trayOf(s).tooltip.startsWith(`IBKR Tray: ${stateTitle('login-required')}`);

/** A returning user's app whose gateway folder is set; waits until a login is required. */
async function returningUser(settings: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<{ app: RunningApp; dir: string; userData: string }> {
  const gateway = await fakeGatewayFolder();
  const userData = tempDir('ibkr-tray-userdata-');
  writeAppSettings(userData, { gatewayFolder: gateway.dir, ...settings });
  const app = await launchApp({ userData, env: { ...fakeGatewayEnv(), ...env } });
  await app.until(loginRequired, 'login required', 30_000);
  return { app, dir: gateway.dir, userData };
}

describe('quitting', () => {
  it('stops the gateway it started when "stop on quit" is on, and exits within 15 s leaving no process in the folder', async () => {
    const { app, dir } = await returningUser({ stopGatewayOnQuit: true });
    expect(processesIn(dir).length).toBeGreaterThan(0);
    await app.clickMenu('Quit IBKR Tray');
    const { code } = await app.exited;
    expect(code).toBe(0);
    expect(processesIn(dir)).toEqual([]);
  });

  it('measures the quit: exit code 0 within the 15 s budget', async () => {
    const { app, dir } = await returningUser({ stopGatewayOnQuit: true });
    const { code, ms } = await app.quit();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(15_000);
    expect(processesIn(dir)).toEqual([]);
  });

  it('leaves the gateway running when "stop on quit" is off', async () => {
    const { app, dir } = await returningUser({ stopGatewayOnQuit: false });
    const before = processesIn(dir);
    expect((await app.quit()).code).toBe(0);
    expect(processesIn(dir)).toEqual(before);
  });

  it('never stops a gateway it adopted, whatever the setting', async () => {
    const gateway = await fakeGatewayFolder();
    const running = await startGatewayFolder({ dir: gateway.dir, port: gateway.port, accounts: TWO_ACCOUNTS });
    const userData = tempDir('ibkr-tray-userdata-');
    writeAppSettings(userData, { gatewayFolder: gateway.dir, stopGatewayOnQuit: true });
    const app = await launchApp({ userData, env: fakeGatewayEnv() });
    await app.until(loginRequired, 'login required on the adopted gateway', 30_000);
    expect((await app.quit()).code).toBe(0);
    expect(processesIn(gateway.dir).length).toBeGreaterThan(0);
    await running.stop();
  });
});

describe('opened again', () => {
  it('a second launch leaves at once and shows the first one\'s window', async () => {
    const { app, userData } = await returningUser();
    expect(windowWhere(app.state(), isStatusWindow)).toBeUndefined();
    const second = await launchApp({ userData, env: fakeGatewayEnv() });
    expect(second.state().singleInstanceLock).toBe(false);
    expect((await second.exited).code).toBe(0);
    await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the first instance to show its window');
  });

  it('macOS: opening the app from Finder or the Dock (activate) shows the window', async () => {
    const { app } = await returningUser();
    expect(windowWhere(app.state(), isStatusWindow)).toBeUndefined();
    await app.request({ op: 'emit', target: 'app', event: 'activate', args: [false] });
    await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the window after activate');
  });
});

describe('macOS', () => {
  it('has no Dock icon, pops the menu on right-click, and activates the app before showing a window', async () => {
    const app = await launchApp({ platform: 'darwin' });
    const first = await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the first-run window');
    expect(first.dockHidden).toBe(true);
    const tray = trayOf(first);
    expect(tray.image).toBe('assets/tray/greyTemplate.png');
    expect(tray.imageIsTemplate).toBe(true);
    expect(tray.imageExists).toBe(true);
    // A context menu set on macOS would take the left click too.
    expect(tray.contextMenu).toBeNull();
    expect(first.focusCalls).toEqual([{ steal: true }]);

    await app.request({ op: 'close-window', id: windowWhere(first, isStatusWindow)!.id });
    await app.until((s) => windowWhere(s, isStatusWindow)?.visible === false, 'the window hidden (not destroyed) on close');
    await app.clickTray('right-click');
    await app.until((s) => trayOf(s).poppedUpMenu !== null, 'the menu popped up on right-click');
    await app.clickTray('click');
    const again = await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the window again on a click');
    expect(again.focusCalls).toEqual([{ steal: true }, { steal: true }]);
  });
});

describe('Windows', () => {
  it('start at login, unpackaged, registers Electron with the app folder as its argument', async () => {
    const gateway = await fakeGatewayFolder();
    const userData = tempDir('ibkr-tray-userdata-');
    writeAppSettings(userData, { gatewayFolder: gateway.dir });
    const app = await launchApp({ platform: 'win32', userData, env: fakeGatewayEnv() });
    await app.until((s) => trayOf(s).image === 'assets/tray/red.ico', 'the Windows tray icon, red while a login is required', 30_000);
    await app.clickMenu('Start at login');
    const set = await app.until((s) => s.loginItemSettings?.['openAtLogin'] === true, 'the login item');
    expect(set.loginItemSettings).toEqual({ openAtLogin: true, path: process.execPath, args: [ROOT] });
  });
});

describe('where the app keeps its files', () => {
  it('settings and the gateway\'s pid record both live in userData, whatever IBKR_TRAY_CONFIG_DIR says', async () => {
    const elsewhere = tempDir('ibkr-tray-elsewhere-');
    const { userData } = await returningUser({}, { IBKR_TRAY_CONFIG_DIR: elsewhere });
    expect(fs.existsSync(path.join(userData, 'gateway.pid.json'))).toBe(true);
    expect(fs.existsSync(path.join(userData, 'config.json'))).toBe(true);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });
});

describe('the status window', () => {
  it('copies the gateway log to the clipboard (the app\'s own page may, nothing else)', async () => {
    const { app } = await returningUser();
    await app.clickMenu('Open IBKR Tray');
    const shown = await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the status window');
    const window = windowWhere(shown, isStatusWindow)!;
    await app.page(window, 'waitForSelector', '.log-lines li');
    await app.page(window, 'click', '#copy-log');
    const copied = await app.until((s) => s.permissionRequests.some((p) => p.permission === 'clipboard-sanitized-write'), 'the clipboard permission request');
    expect(copied.permissionRequests).toContainEqual({ permission: 'clipboard-sanitized-write', url: 'app://ibkr-tray/index.html', granted: true });
    expect(copied.clipboard).toMatch(/Open https:\/\/localhost:\d+ to login/);
    expect(await app.page(window, 'textContent', '.copy-status')).toBe('Copied');
  });

  it('a link that cannot be opened in the browser is explained, not an error dialog', async () => {
    const app = await launchApp({ openExternalFails: true });
    const shown = await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the first-run window');
    const window = windowWhere(shown, isStatusWindow)!;
    await app.page(window, 'click', '#download-link');
    const told = await app.until((s) => s.notifications.some((n) => n.body.startsWith('Could not open')), 'a notification saying the link could not be opened');
    expect(told.openedExternal).toHaveLength(1);
    expect(told.openedExternal[0]).toMatch(/^https:\/\//);
  });
});

describe('a ping when a login is needed', () => {
  it('posts the webhook from the settings once when a login is required: state, reason, time, masked account, no secret', async () => {
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    let wake: () => void = () => undefined;
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
        wake();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = receiver.address() as AddressInfo;
      const { app } = await returningUser({ notifyUrl: `http://127.0.0.1:${port}/hooks/ibkr` });
      if (received.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const ping = JSON.parse(received[0]!.body) as Record<string, unknown>;
      expect(ping).toMatchObject({ event: 'login-required', state: 'login-required' });
      expect(typeof ping['time']).toBe('string');
      expect(received[0]!.body).not.toMatch(/cookie|session|token/i);
      expect(app.state().errors).toEqual([]);
    } finally {
      receiver.close();
    }
  });
});
