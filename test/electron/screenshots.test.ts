/**
 * Scenario 8: pictures of what a new user sees, taken from the real app through the stand-in — the
 * status window in each state a first day goes through (light and dark) and the tray menu drawn from
 * the app's own menu — into test-results/electron/. The window and the tray must tell the same story.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETUP_TITLE, type SessionKind } from '../../src/shared/snapshot.js';
import { stateTitle } from '../../src/shared/state-words.js';
import { fakeGatewayEnv, fakeGatewayFolder } from './gateway.js';
import { isLoginWindow, isStatusWindow, launchApp, RESULTS, trayOf, windowWhere, type RunningApp } from './harness.js';

type State = ReturnType<RunningApp['state']>;
const says = (kind: SessionKind) => (s: State): boolean => trayOf(s).tooltip.startsWith(`IBKR Tray: ${stateTitle(kind)}`);

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function isPng(file: string): boolean {
  return fs.existsSync(file) && fs.statSync(file).size > 1000 && fs.readFileSync(file).subarray(0, 8).equals(PNG_SIGNATURE);
}

/** The status window in light and dark, and the tray menu, for the state the app is in now. */
async function picture(app: RunningApp, kind: SessionKind | 'setup'): Promise<void> {
  const label = kind === 'setup' ? SETUP_TITLE : stateTitle(kind);
  if (windowWhere(app.state(), isStatusWindow)?.visible !== true) await app.clickMenu('Open IBKR Tray');
  const shown = await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the status window');
  const window = windowWhere(shown, isStatusWindow)!;
  // The page draws the same snapshot as the tray: wait until it says the same thing.
  await app.page(window, 'waitForSelector', `#state-label:text-is("${label}")`);
  for (const colorScheme of ['light', 'dark'] as const) {
    const windowFile = path.join(RESULTS, `window-${kind}-${colorScheme}.png`);
    const trayFile = path.join(RESULTS, `tray-${kind}-${colorScheme}.png`);
    await app.request({ op: 'screenshot', id: window.id, file: windowFile, colorScheme });
    await app.request({ op: 'render-menu', tray: 0, file: trayFile, colorScheme });
    expect(isPng(windowFile), windowFile).toBe(true);
    expect(isPng(trayFile), trayFile).toBe(true);
  }
}

describe('pictures of a first day with the tray app', () => {
  it('first run, login required, logging in, ready and competing: window and tray menu, light and dark', async () => {
    const gateway = await fakeGatewayFolder();
    const app = await launchApp({ openDialogAnswers: [gateway.dir], env: fakeGatewayEnv() });
    await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the first-run window');
    await picture(app, 'setup');

    const setup = windowWhere(app.state(), isStatusWindow)!;
    await app.page(setup, 'click', '#folder-browse');
    await app.until(says('login-required'), 'login required', 30_000);
    await picture(app, 'login-required');

    await app.clickMenu('Log in…');
    const opened = await app.until((s) => windowWhere(s, isLoginWindow)?.finishedLoads.some((url) => url.includes('/sso/Login')) === true, 'the login page');
    await picture(app, 'logging-in');
    const login = windowWhere(opened, isLoginWindow)!;
    await app.request({ op: 'screenshot', id: login.id, file: path.join(RESULTS, 'login-window-light.png'), colorScheme: 'light' });
    await app.page(login, 'fill', '#username', 'user123');
    await app.page(login, 'fill', '#password', 'password123');
    await app.page(login, 'click', '#submit');
    await app.until((s) => says('ready')(s) && trayOf(s).tooltip.includes('Account:'), 'ready with the account', 30_000);
    await picture(app, 'ready');

    await gateway.control().competeFromElsewhere();
    await app.until(says('competing'), 'competing', 30_000);
    await picture(app, 'competing');
  }, 120_000);
});
