/**
 * Scenario 6 and the login window's guards: the gateway going away while the login page loads, a
 * gateway that answers with another certificate, links that leave the gateway, and redirects to IBKR's
 * own host. In each case: no uncaught error (the harness fails the test on one), the window says or
 * reports why, and the tray tells the truth.
 */
import { describe, expect, it } from 'vitest';
import { startGatewayFolder, type RunningGatewayFolder } from '../sim/gateway-folder.js';
import { loadCertificate } from '../sim/tls.js';
import { stateTitle } from '../../src/shared/state-words.js';
import { fakeGatewayEnv, fakeGatewayFolder, TWO_ACCOUNTS, writeAppSettings } from './gateway.js';
import { isLoginWindow, launchApp, processesIn, tempDir, trayOf, windowWhere, type RunningApp } from './harness.js';

type State = ReturnType<RunningApp['state']>;
const says = (kind: Parameters<typeof stateTitle>[0]) => (s: State): boolean => trayOf(s).tooltip.startsWith(`IBKR Tray: ${stateTitle(kind)}`);
const loginPageLoaded = (s: State): boolean => windowWhere(s, isLoginWindow)?.finishedLoads.some((url) => url.includes('/sso/Login')) === true;

describe('the login window', () => {
  it('closes and says why when the gateway goes away while the login page loads; the tray follows the gateway', async () => {
    const gateway = await fakeGatewayFolder();
    const userData = tempDir('ibkr-tray-userdata-');
    writeAppSettings(userData, { gatewayFolder: gateway.dir });
    const app = await launchApp({ userData, env: fakeGatewayEnv() });
    await app.until(says('login-required'), 'login required', 30_000);
    // IBKR's page is slow today: the window is still loading when the gateway dies.
    await gateway.control().setLatency(3_000);
    await app.clickMenu('Log in…');
    await app.until((s) => windowWhere(s, isLoginWindow) !== undefined, 'the login window to open');
    for (const pid of processesIn(gateway.dir)) process.kill(pid, 'SIGKILL');

    const told = await app.until((s) => windowWhere(s, isLoginWindow) === undefined && s.notifications.some((n) => n.body.startsWith('The login page at')), 'the window closed, with the reason');
    expect(told.notifications.find((n) => n.body.startsWith('The login page at'))?.body).toMatch(/did not load \(ERR_[A-Z_]+\): the gateway is not answering/);
    // The engine restarts the gateway it started (within its budget) and asks for a login again.
    await app.until(says('login-required'), 'login required again on the restarted gateway', 30_000);
  });

  it('refuses a gateway that answers with another certificate, and says so', async () => {
    const gateway = await fakeGatewayFolder();
    let running: RunningGatewayFolder = await startGatewayFolder({ dir: gateway.dir, port: gateway.port, accounts: TWO_ACCOUNTS });
    const userData = tempDir('ibkr-tray-userdata-');
    writeAppSettings(userData, { gatewayFolder: gateway.dir });
    const app = await launchApp({ userData, env: fakeGatewayEnv() });
    try {
      await app.until(says('login-required'), 'login required on the adopted gateway', 30_000);
      await app.clickMenu('Log in…');
      const loaded = await app.until(loginPageLoaded, 'the login page');
      const window = windowWhere(loaded, isLoginWindow)!;
      // The gateway is replaced by one with another certificate while the user types.
      await running.stop();
      running = await startGatewayFolder({ dir: gateway.dir, port: gateway.port, certificate: 'other' });
      await app.page(window, 'fill', '#username', 'user123');
      await app.page(window, 'fill', '#password', 'password123');
      await app.page(window, 'click', '#submit');

      const refused = await app.until((s) => s.notifications.some((n) => n.body.includes('certificate')), 'the certificate to be refused');
      const other = loadCertificate('other').fingerprint256;
      expect(refused.certificateChecks.some((c) => c.fingerprint256 === other && c.verdict !== 0)).toBe(true);
      expect(refused.certificateChecks.some((c) => c.fingerprint256 === other && c.verdict === 0)).toBe(false);
      await app.until((s) => windowWhere(s, isLoginWindow) === undefined, 'the login window closed');
      // The simulator never saw the credentials: the form went nowhere.
      expect((await running.control.state()).loggedIn).toBe(false);
      await app.until((s) => !says('ready')(s) && /certificate/i.test(trayOf(s).tooltip), 'the tray to name the certificate problem', 30_000);
    } finally {
      await running.stop();
    }
    // Its waits alone may take 30 s on a loaded machine (the tray learns of the certificate at the next check).
  }, 90_000);

  it('sends links that leave the gateway to the browser, and stops redirects to IBKR\'s host', async () => {
    const gateway = await fakeGatewayFolder();
    const userData = tempDir('ibkr-tray-userdata-');
    writeAppSettings(userData, { gatewayFolder: gateway.dir });
    const app = await launchApp({ userData, env: fakeGatewayEnv() });
    await app.until(says('login-required'), 'login required', 30_000);
    await app.clickMenu('Log in…');
    const loaded = await app.until(loginPageLoaded, 'the login page');
    const window = windowWhere(loaded, isLoginWindow)!;

    await app.request({ op: 'follow-link', id: window.id, url: 'https://www.interactivebrokers.com/en/support/' });
    const external = await app.until((s) => s.openedExternal.length > 0, 'the link handed to the browser');
    expect(external.openedExternal).toEqual(['https://www.interactivebrokers.com/en/support/']);

    // A path the gateway bounces to proxyRemoteHost (gateway-facts §4): the redirect is stopped.
    await app.request({ op: 'follow-link', id: window.id, url: `${gateway.url}/en/home.php` });
    const stopped = await app.until((s) => (windowWhere(s, isLoginWindow)?.failedLoads.length ?? 0) > 0, 'the redirect to be cancelled');
    expect(windowWhere(stopped, isLoginWindow)?.failedLoads).toEqual([{ errorCode: -3, errorDescription: 'ERR_ABORTED', url: `${gateway.url}/en/home.php` }]);
    expect(windowWhere(stopped, isLoginWindow)?.url).toMatch(/\/sso\/Login/);
    expect(stopped.openedExternal).toHaveLength(1);
    // A cancelled navigation is not a failure to report.
    expect(stopped.notifications).toEqual([]);
  });
});
