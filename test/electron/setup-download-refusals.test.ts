/**
 * Scenario: "Download the gateway" in the tray app meets what it must refuse: archives that once ended
 * the whole app (a symbolic link, too many entries, sizes past the limit), and a folder of the user's
 * where the gateway would go. Each time the window says why in one line, the app keeps running, and
 * the user's folder is byte-identical; the next honest download still installs.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_FOLDER_NAME } from '../../src/main/core/install/gateway-install.js';
import { gatewayEntries, random } from '../adversarial/generate.js';
import { treeOf } from '../adversarial/tree.js';
import { rawZip } from '../adversarial/zip-writer.js';
import { startDownloadServer, type DownloadServer } from '../integration/install/download-server.js';
import { fakeGatewayEnv } from './gateway.js';
import { isStatusWindow, launchApp, windowWhere } from './harness.js';

let server: DownloadServer;

beforeAll(async () => {
  server = await startDownloadServer();
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe('Download the gateway refuses, and the app keeps running', () => {
  it('shows each refusal in the window, leaves the user\'s folder as it was, and still installs afterwards', async () => {
    const rng = random(21);
    const hostile: [string, Buffer, RegExp][] = [
      ['link.zip', rawZip([...gatewayEntries(rng).entries, { name: 'bin/link', data: Buffer.from('/etc/passwd'), mode: 0o120777 }]), /symbolic link/],
      ['many.zip', rawZip(Array.from({ length: 20_001 }, (_, i) => ({ name: `f/${i}`, data: Buffer.alloc(0) }))), /more than 20000 files/],
      ['huge.zip', rawZip([...gatewayEntries(rng).entries, ...[1, 2].map((i) => ({ name: `dist/huge-${i}.bin`, data: Buffer.from('x'), method: 'deflate' as const, declaredSize: 0x7fffffff, centralOnly: true }))]), /more than 1000 MB/],
    ];
    // One address (the environment's), a different body each time.
    let turn = 0;
    const bodies = [...hostile.map(([, body]) => body), rawZip(gatewayEntries(rng).entries)];
    const app = await launchApp({
      env: { ...fakeGatewayEnv(), NODE_EXTRA_CA_CERTS: server.caFile, IBKR_TRAY_GATEWAY_ZIP_URL: `${server.origin}/file/turn.zip`, HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '' },
    });
    const shown = await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the status window to be shown');
    const window = windowWhere(shown, isStatusWindow)!;
    const notices = async (): Promise<string> => String(await app.page(window, 'textContent', '#notices'));
    const downloadAndWaitFor = async (reason: RegExp): Promise<void> => {
      server.serve('turn.zip', bodies[turn++]!);
      await app.page(window, 'waitForSelector', '#setup #download-gateway:not([hidden]):not([disabled])');
      await app.page(window, 'click', '#download-gateway');
      await app.page(window, 'waitForSelector', `#notices:has-text(${JSON.stringify(reason.source)})`);
    };
    for (const [, , reason] of hostile) {
      await downloadAndWaitFor(reason);
      expect(await notices()).toMatch(reason);
    }
    expect(app.stderr()).not.toMatch(/\n\s+at /);

    // A folder of the user's where the gateway would go: refused before any download, left as it was.
    const mine = path.join(app.userData, GATEWAY_FOLDER_NAME);
    mkdirSync(mine);
    writeFileSync(path.join(mine, 'notes.txt'), 'mine\n');
    const before = treeOf(mine);
    const requests = server.requests.length;
    await app.page(window, 'click', '#download-gateway');
    await app.page(window, 'waitForSelector', '#notices:has-text("holds files that IBKR Tray did not install")');
    expect(treeOf(mine)).toEqual(before);
    expect(server.requests.length).toBe(requests);
    rmSync(mine, { recursive: true });

    await downloadAndWaitFor(/Installed the gateway in/);
  });
});
