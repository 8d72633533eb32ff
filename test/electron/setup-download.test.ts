/**
 * Scenario: the first launch without a gateway, set up with one click. "Download the gateway" in the
 * window fetches the zip from a local HTTPS server standing in for IBKR's (its own CA through
 * NODE_EXTRA_CA_CERTS, the zip's address through IBKR_TRAY_GATEWAY_ZIP_URL), the tray's tooltip shows
 * the download, the gateway lands in the app's folder and starts, and the tray says a login is required.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withListenPort } from '../../src/main/core/gateway/conf.js';
import { GATEWAY_FOLDER_NAME } from '../../src/main/core/install/gateway-install.js';
import { stateTitle } from '../../src/shared/state-words.js';
import { startDownloadServer, zipFolder, type DownloadServer } from '../integration/install/download-server.js';
import { freePort, makeGatewayFolder } from '../sim/gateway-folder.js';
import { fakeGatewayEnv } from './gateway.js';
import { isStatusWindow, launchApp, menuItem, processesIn, trayOf, watchFolder, windowWhere } from './harness.js';

let server: DownloadServer;

beforeAll(async () => {
  server = await startDownloadServer();
}, 60_000);
afterAll(async () => {
  await server?.close();
});

/** The fake gateway folder's zip, listening on a free port (parallel files never meet on 5000). */
async function gatewayZip(): Promise<Buffer> {
  const folder = await makeGatewayFolder();
  try {
    const conf = path.join(folder.dir, 'root', 'conf.yaml');
    writeFileSync(conf, withListenPort(readFileSync(conf, 'utf8'), await freePort()));
    return await zipFolder(folder.dir);
  } finally {
    await folder.cleanup();
  }
}

describe('first run with Download the gateway', () => {
  it('downloads the gateway from the window, shows the progress in the tray, starts it, and asks for a login', async () => {
    const download = server.serveHeld('clientportal.gw.zip', await gatewayZip());
    const app = await launchApp({
      env: {
        ...fakeGatewayEnv(),
        NODE_EXTRA_CA_CERTS: server.caFile,
        IBKR_TRAY_GATEWAY_ZIP_URL: `${server.origin}/file/clientportal.gw.zip`,
        HTTPS_PROXY: '',
        https_proxy: '',
        HTTP_PROXY: '',
        http_proxy: '',
      },
    });
    const installed = path.join(app.userData, GATEWAY_FOLDER_NAME);

    const shown = await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the status window to be shown');
    const window = windowWhere(shown, isStatusWindow)!;
    expect(menuItem(shown, 'Download the gateway')?.enabled).toBe(true);
    await app.page(window, 'waitForSelector', '#setup #download-gateway:not([hidden]):not([disabled])');
    await app.page(window, 'click', '#download-gateway');

    // The server sends half the zip and waits: the download is under way for as long as the test looks.
    const downloading = await app.until((s) => trayOf(s).tooltip.startsWith('IBKR Tray: Downloading the gateway'), 'the tray to show the download');
    expect(menuItem(downloading, 'Cancel download')?.enabled).toBe(true);
    expect(trayOf(downloading).image).toBe('assets/tray/grey-linux.png');
    download.release();

    const red = await app.until((s) => trayOf(s).tooltip.startsWith(`IBKR Tray: ${stateTitle('login-required')}`), 'the tray to say that a login is required', 30_000);
    watchFolder(installed);
    expect(menuItem(red, 'Log in…')?.enabled).toBe(true);
    expect(menuItem(red, 'Cancel download')).toBeUndefined();
    expect(processesIn(installed).length, 'the gateway runs in the installed folder').toBeGreaterThan(0);
    expect(server.requests.filter((r) => r.path === '/file/clientportal.gw.zip')).toHaveLength(1);
    // The window says how it ended, and shows the folder in use.
    await app.page(window, 'waitForSelector', '#install', { state: 'hidden' });
    expect(await app.page(window, 'textContent', '#notices')).toContain(`Installed the gateway in ${installed}`);
    expect(await app.page(window, 'textContent', '#gateway-folder')).toBe(installed);
  });
});
