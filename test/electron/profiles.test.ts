/**
 * The tray app with two profiles (issue 17), against two fake gateway folders (real processes, real
 * TLS): one icon for the profile that most needs the user, a tooltip line and a menu section per
 * profile, a login window that belongs to its profile, and a picture of the two-profile menu.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchLiveAndPaper } from './gateway.js';
import { isLoginWindow, menuLabels, processesIn, RESULTS, trayOf, windowWhere } from './harness.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('two profiles in one tray', () => {
  it('log in on one only: its section says Ready, the other Logged out, the icon red; quit stops both gateways it started', async () => {
    const { app, live, paper } = await launchLiveAndPaper();
    const red = app.state();
    expect(trayOf(red).image).toBe('assets/tray/red-linux.png');
    expect(menuLabels(trayOf(red)).filter((label) => label.includes(' — '))).toEqual(['Live — Logged out (disabled)', 'Paper — Logged out (disabled)']);

    // The first "Log in…" is Live's section's: its login window, on Live's gateway, in Live's partition.
    await app.clickMenu('Log in…');
    const opened = await app.until((s) => windowWhere(s, isLoginWindow)?.finishedLoads.some((url) => url.includes('/sso/Login')) === true, 'the login page to load');
    const window = windowWhere(opened, isLoginWindow)!;
    expect(window.url.startsWith(live.url)).toBe(true);
    await app.page(window, 'fill', '#username', 'user123');
    await app.page(window, 'fill', '#password', 'password123');
    await app.page(window, 'click', '#submit');

    const oneReady = await app.until((s) => trayOf(s).tooltip === 'IBKR Tray\nLive: Ready\nPaper: Logged out', 'Live ready, Paper still logged out', 30_000);
    // Red over green: the icon shows the profile that needs the user.
    expect(trayOf(oneReady).image).toBe('assets/tray/red-linux.png');
    const labels = menuLabels(trayOf(oneReady));
    expect(labels.filter((label) => label.includes(' — '))).toEqual(['Live — Ready (disabled)', 'Paper — Logged out (disabled)']);
    // Paper's section still offers its own login; Live's does not.
    expect(labels.filter((label) => label.startsWith('Log in…'))).toEqual(['Log in… (disabled)', 'Log in…']);
    expect((await live.control().state()).authenticated).toBe(true);
    expect((await paper.control().state()).authenticated).toBe(false);

    fs.mkdirSync(RESULTS, { recursive: true });
    for (const colorScheme of ['light', 'dark'] as const) {
      const file = path.join(RESULTS, `tray-two-profiles-${colorScheme}.png`);
      await app.request({ op: 'render-menu', tray: 0, file, colorScheme });
      expect(fs.existsSync(file) && fs.readFileSync(file).subarray(0, 8).equals(PNG_SIGNATURE), file).toBe(true);
    }

    const { code } = await app.quit();
    expect(code).toBe(0);
    expect(processesIn(live.dir)).toEqual([]);
    expect(processesIn(paper.dir)).toEqual([]);
  }, 90_000);
});
