/**
 * The status window with two profiles (issue 17), against two fake gateway folders (real processes,
 * real TLS): a card per profile under its name, and a click in the Paper card acting on Paper only
 * (its login window, on its gateway); the other card and gateway untouched. Pictures of the two-card
 * window go into test-results/electron/ (and the README's docs/images/window-two-profiles-light.png).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchLiveAndPaper } from './gateway.js';
import { isStatusWindow, RESULTS, trayOf, windowWhere } from './harness.js';
import type { WindowView } from './stand-in/records.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A control on the card of `profile`, by its role (the id it has on a one-profile page). */
const on = (profile: string, role: string): string => `[data-profile="${profile}"] [data-role="${role}"]`;
/** Paper's login window: the second profile's own login partition. */
const isPaperLogin = (window: WindowView): boolean => window.partition === 'ibkr-login-2';

describe('a card per profile in the status window', () => {
  it('shows Live and Paper on their own cards; Log in on the Paper card logs in Paper only', async () => {
    const { app, live, paper } = await launchLiveAndPaper();
    await app.clickMenu('Open IBKR Tray');
    const shown = await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the status window');
    const window = windowWhere(shown, isStatusWindow)!;
    // Two cards side by side: the window opens two cards wide (one profile keeps the 380 px window).
    expect(window.width).toBe(760);
    await app.page(window, 'waitForSelector', `${on('Live', 'state-label')}:text-is("Logged out")`);
    await app.page(window, 'waitForSelector', `${on('Paper', 'state-label')}:text-is("Logged out")`);
    expect(await app.page(window, 'textContent', on('Paper', 'card-title'))).toBe('Paper');
    expect(await app.page(window, 'textContent', on('Live', 'gateway-url'))).toBe(live.url);
    expect(await app.page(window, 'textContent', on('Paper', 'gateway-url'))).toBe(paper.url);

    await app.page(window, 'click', on('Paper', 'log-in'));
    const opened = await app.until((s) => windowWhere(s, isPaperLogin)?.finishedLoads.some((url) => url.includes('/sso/Login')) === true, "Paper's login page to load");
    const login = windowWhere(opened, isPaperLogin)!;
    expect(login.url.startsWith(paper.url)).toBe(true);
    // No login window for Live: the click was Paper's.
    expect(opened.windows.filter((w) => w.partition === 'ibkr-login')).toEqual([]);
    await app.page(login, 'fill', '#username', 'user123');
    await app.page(login, 'fill', '#password', 'password123');
    await app.page(login, 'click', '#submit');

    await app.until((s) => trayOf(s).tooltip === 'IBKR Tray\nLive: Logged out\nPaper: Ready', 'Paper ready, Live still logged out', 30_000);
    await app.page(window, 'waitForSelector', `${on('Paper', 'state-label')}:text-is("Ready")`);
    expect(await app.page(window, 'textContent', on('Live', 'state-label'))).toBe('Logged out');
    expect((await paper.control().state()).authenticated).toBe(true);
    expect((await live.control().state()).authenticated).toBe(false);
    // Each card shows its own gateway's log.
    await app.page(window, 'waitForSelector', `[data-profile="Paper"] .log-lines li`);

    fs.mkdirSync(RESULTS, { recursive: true });
    for (const colorScheme of ['light', 'dark'] as const) {
      const file = path.join(RESULTS, `window-two-profiles-${colorScheme}.png`);
      await app.request({ op: 'screenshot', id: window.id, file, colorScheme, fullPage: true });
      expect(fs.existsSync(file) && fs.readFileSync(file).subarray(0, 8).equals(PNG_SIGNATURE), file).toBe(true);
    }

    const { code } = await app.quit();
    expect(code).toBe(0);
  }, 90_000);
});
