/**
 * The page in Chromium through the web dashboard, fed by an in-memory engine: every state drawn,
 * buttons enabled from the snapshot, intents sent, first-run setup, the log, and nothing from the
 * engine ever becoming markup. Writes light and dark screenshots of the main states.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startDashboard } from '../../src/main/web/dashboard.js';
import { SESSION_KINDS, type AppSnapshot, type SessionKind } from '../../src/shared/snapshot.js';
import { FIXTURE_PREFERENCES, snapshotOf, type FixtureOptions } from '../fixtures/snapshots.js';
import type { FakeEngine } from '../unit/main/web/fake-engine.js';
import { openPageOnDashboard, screenshots, type PageOnDashboard } from './chromium.js';

let view: PageOnDashboard;
let context: BrowserContext;
let page: Page;
let engine: FakeEngine;
let rendererDir: string;
let sessionStart: number;

/** A whole snapshot each time (not a change over the last one), with the engine's next seq. */
const showState = (state: SessionKind, extra: Partial<AppSnapshot> = {}, world: FixtureOptions['world'] = 'supervised'): Promise<AppSnapshot> => view.show(state, extra, world);

beforeAll(async () => {
  view = await openPageOnDashboard({ state: 'login-required' }, { width: 380, height: 560 });
  ({ context, page, engine, rendererDir, sessionStart } = view);
}, 60_000);

afterAll(async () => {
  await view?.close();
});

describe('the page in a browser', () => {
  it('swaps the token for a cookie, lands on a clean address and draws the first snapshot', async () => {
    expect(new URL(page.url()).search).toBe('');
    const cookies = await context.cookies();
    expect(cookies).toEqual([expect.objectContaining({ httpOnly: true, sameSite: 'Strict', value: view.dashboard.token })]);
    await expect.poll(() => page.textContent('#state-label')).toBe('Logged out');
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it.each(SESSION_KINDS)('draws %s with its tone, reason and allowed buttons', async (state) => {
    const snapshot = await showState(state);
    expect(await page.textContent('#state-label')).not.toBe('');
    expect(await page.getAttribute('body', 'data-tone')).toBe(snapshot.tone);
    expect(await page.textContent('#state-reason')).toContain(snapshot.reason);
    for (const [id, allowed] of [
      ['log-in', snapshot.actions.logIn],
      ['log-out', snapshot.actions.logOut],
      ['take-over', snapshot.actions.takeOver],
      ['retry', snapshot.actions.retry],
      ['start-gateway', snapshot.actions.startGateway],
      ['stop-gateway', snapshot.actions.stopGateway],
    ] as const) {
      expect(await page.isEnabled(`#${id}`), `${state}: #${id}`).toBe(allowed);
    }
    await screenshots(page, state);
  });

  it('drops a snapshot older than the one shown', async () => {
    const shown = await showState('ready');
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenLabels: string[] }).seenLabels = seen;
      const label = document.querySelector('#state-label');
      new MutationObserver(() => seen.push(label?.textContent ?? '')).observe(label as Node, { childList: true, characterData: true, subtree: true });
    });
    // Older: a lower number, made earlier (a lower number made later is a reopened engine's, view.ts isLater).
    engine.push({ ...snapshotOf('stopped', {}, { start: sessionStart }), seq: shown.seq - 1, at: shown.at - 1 });
    // Pushes arrive in order on one stream: once this newer one is drawn, the stale one was handled.
    await showState('competing');
    expect(await page.evaluate(() => (window as unknown as { seenLabels: string[] }).seenLabels)).toEqual(['Session in use elsewhere']);
  });

  it('sends intents from the buttons and the account picker', async () => {
    await showState('competing');
    engine.intents.length = 0;
    await page.click('#take-over');
    await showState('ready');
    await page.selectOption('#account', 'DU7654321');
    await expect.poll(() => engine.intents).toEqual([{ type: 'take-over' }, { type: 'select-account', accountId: 'DU7654321' }]);
  });

  it('changes a setting from its checkbox', async () => {
    await showState('ready', { preferences: { ...FIXTURE_PREFERENCES, stopGatewayOnQuit: false } });
    engine.intents.length = 0;
    expect(await page.isChecked('#pref-stopGatewayOnQuit')).toBe(false);
    // Like the engine: the setting changes, and a snapshot says so (the page draws the snapshot).
    engine.answer = (intent) => {
      if (intent.type === 'set-preference') engine.push({ preferences: { ...engine.snapshot().preferences, [intent.key]: intent.value } });
      return { ok: true };
    };
    await page.check('#pref-stopGatewayOnQuit');
    await expect.poll(() => engine.intents).toEqual([{ type: 'set-preference', key: 'stopGatewayOnQuit', value: true }]);
    await page.waitForFunction(() => document.body.dataset['seq'] !== undefined && (document.querySelector('#pref-stopGatewayOnQuit') as HTMLInputElement).checked);
    engine.answer = () => ({ ok: true });
    expect(await page.$('#pref-startAtLogin')).toBeNull(); // a login item means nothing to a browser
  });

  it('shows the engine refusing an intent as a message', async () => {
    await showState('ready');
    engine.answer = () => ({ ok: false, reason: 'The gateway is busy: try again in a moment.' });
    await page.click('#log-out');
    await expect.poll(() => page.textContent('#message')).toBe('The gateway is busy: try again in a moment.');
    engine.answer = () => ({ ok: true });
  });

  it('opens the gateway login page in a new tab on Log in (a headless engine cannot)', async () => {
    const loginUrl = `http://127.0.0.1:${view.dashboard.port}/stand-in-for-the-gateway-login`;
    await showState('login-required', { gateway: { ...snapshotOf('login-required').gateway, url: loginUrl } });
    engine.intents.length = 0;
    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#log-in')]);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(loginUrl);
    await popup.close();
    await expect.poll(() => engine.intents).toEqual([{ type: 'log-in' }]);
  });

  it('walks a first run through setup: where to get the gateway, Java, and the folder', async () => {
    await showState('stopped', {}, 'no-folder');
    expect(await page.isVisible('#setup')).toBe(true);
    const text = await page.textContent('#setup');
    expect(text).toMatch(/Java 8/);
    expect(await page.getAttribute('#download-link', 'href')).toMatch(/^https:\/\/www\.interactivebrokers\.com\//);
    await screenshots(page, 'first-run');
    engine.intents.length = 0;
    engine.answer = () => ({ ok: false, reason: 'No bin/run.sh in /tmp/nowhere: choose the unzipped clientportal.gw folder.' });
    await page.fill('#folder-input', '/tmp/nowhere');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#message')).toMatch(/No bin\/run\.sh/);
    expect(engine.intents).toEqual([{ type: 'set-gateway-folder', folder: '/tmp/nowhere' }]);
    engine.answer = () => ({ ok: true });
    await showState('stopped');
    expect(await page.isVisible('#setup')).toBe(false);
  });

  it('draws text from the engine as text, never as markup', async () => {
    await showState('failed', {
      reason: '<img src=x onerror="document.body.dataset.pwned=1">',
      notices: [{ level: 'error', text: '<b>settings moved aside</b>', at: Date.now() }],
    });
    expect(await page.textContent('#state-reason')).toBe('<img src=x onerror="document.body.dataset.pwned=1">');
    expect(await page.$('main img')).toBeNull();
    expect(await page.$('#notices b')).toBeNull();
    expect(await page.getAttribute('body', 'data-pwned')).toBeNull();
  });

  it('follows the gateway log with a bounded number of lines', async () => {
    await showState('ready');
    const many = Array.from({ length: 600 }, (_, i) => `line ${i + 1}`);
    engine.pushLog('Open https://localhost:5000 to login', ...many);
    await expect.poll(() => page.textContent('.log-lines li:last-child')).toContain('line 600');
    expect(await page.locator('.log-lines li').count()).toBe(500);
    await screenshots(page, 'ready-with-log');
  });

  it('keeps the log kept so far when a new line is pushed before it arrives', async () => {
    await showState('ready');
    engine.pushLog('kept before the page opened');
    // A second page whose first read of the log is slow, as over a busy network.
    let release = (): void => undefined;
    const slowLog = new Promise<void>((resolve) => (release = resolve));
    const second = await context.newPage();
    await second.route('**/api/log', async (route) => {
      await slowLog;
      await route.continue();
    });
    try {
      const listening = engine.listenerCount().log;
      await second.goto(new URL('/', view.dashboard.url).href);
      await expect.poll(() => engine.listenerCount().log).toBe(listening + 1);
      engine.pushLog('pushed while the page waits for the log');
      // One stream in order: once this snapshot is drawn, the pushed line has reached the page.
      const later = engine.show('competing', {}, { start: sessionStart, world: 'supervised' });
      await second.waitForFunction((seq) => document.body.dataset['seq'] === String(seq), later.seq);
      release();
      await expect.poll(async () => (await second.locator('.log-lines li').allTextContents()).slice(-2).map((text) => text.replace(/^\S+ /, ''))).toEqual(['kept before the page opened', 'pushed while the page waits for the log']);
    } finally {
      release();
      await second.close();
    }
  });

  it('is usable from the keyboard', async () => {
    await showState('competing');
    await page.focus('#account');
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.id ?? ''));
    }
    expect(order).toContain('take-over');
    expect(order).toContain('log-out');
    expect(order).not.toContain('log-in'); // disabled buttons are skipped
  });

  it('fits a phone-width browser without sideways scrolling', async () => {
    await showState('ready');
    await page.setViewportSize({ width: 320, height: 640 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshots(page, 'ready-phone');
    await page.setViewportSize({ width: 380, height: 560 });
  });

  it('says when the dashboard goes away, and when a new one no longer knows this page', async () => {
    await showState('ready');
    expect(await page.isVisible('#connection')).toBe(false);
    const { port } = view.dashboard;
    await view.dashboard.close();
    await page.waitForSelector('#connection:visible');
    expect(await page.textContent('#connection')).toMatch(/reconnecting/);
    expect(await page.getAttribute('main', 'class')).toContain('stale');
    // `ibkr-tray serve` started again: same port, new token; the old cookie is refused.
    view.dashboard = await startDashboard({ engine, rendererDir, port });
    await page.waitForFunction(() => document.querySelector('#connection')?.textContent?.includes('start `ibkr-tray serve` again'));
    await screenshots(page, 'dashboard-gone');
  });
});
