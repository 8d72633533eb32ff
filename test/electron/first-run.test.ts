/**
 * Scenario 1: the first launch, with no settings. The window asks for the gateway folder, the folder
 * dialog returns the fake gateway folder, the gateway starts, and the tray turns red with "Log in…".
 */
import { describe, expect, it } from 'vitest';
import { stateTitle } from '../../src/shared/state-words.js';
import { fakeGatewayFolder } from './gateway.js';
import { isStatusWindow, launchApp, menuItem, processesIn, trayOf, windowWhere } from './harness.js';

describe('first run', () => {
  it('asks for the gateway folder, starts the gateway from it, and shows red with Log in… enabled', async () => {
    const gateway = await fakeGatewayFolder();
    const app = await launchApp({ openDialogAnswers: [gateway.dir] });

    const shown = await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the status window to be shown');
    const window = windowWhere(shown, isStatusWindow)!;
    expect(window.url).toBe('app://ibkr-tray/index.html');
    // One profile, one card: the narrow window.
    expect(window.width).toBe(380);
    expect(window.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    // Nothing has failed yet: a neutral icon, and the one useful action.
    expect(trayOf(shown).image, trayOf(shown).tooltip).toBe('assets/tray/grey-linux.png');
    expect(trayOf(shown).tooltip).toBe('IBKR Tray: Setup needed\nDownload or choose the Client Portal Gateway in the IBKR Tray window.');
    expect(menuItem(shown, 'Set up IBKR Tray…')?.enabled).toBe(true);
    expect(menuItem(shown, 'Log in…')).toBeUndefined();

    await app.page(window, 'waitForSelector', '#setup:not([hidden])');
    await app.page(window, 'click', '#folder-browse');

    const red = await app.until(
      (s) => trayOf(s).tooltip.startsWith(`IBKR Tray: ${stateTitle('login-required')}`),
      'the tray to say that a login is required',
      30_000,
    );
    expect(red.openDialogs).toEqual([{ title: 'Choose the Client Portal Gateway folder', answered: gateway.dir }]);
    expect(trayOf(red).image).toBe('assets/tray/red-linux.png');
    expect(menuItem(red, 'Log in…')?.enabled).toBe(true);
    expect(trayOf(red).imageExists).toBe(true);
    expect(processesIn(gateway.dir).length, 'the gateway runs in the chosen folder').toBeGreaterThan(0);
  });
});
