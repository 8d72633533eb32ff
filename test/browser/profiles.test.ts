/**
 * Paper and live side by side in one dashboard (issue 17): the real page, the real dashboard, two real
 * engines on two simulators. Two cards, each under its profile's name; Log in on one card logs in
 * that profile's gateway only; an account switch on one card leaves the other profile's account alone;
 * a profile serve adds or removes while the page is open gains or loses its card.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Engine } from '../../src/main/core/engine.js';
import { engineOn } from './real-engine.js';
import { SETTINGS_FILE_NAME } from '../../src/main/core/settings-file.js';
import { startDashboard, type Dashboard } from '../../src/main/web/dashboard.js';
import { startSimulator, type Simulator } from '../sim/index.js';
import { snapshotOf } from '../fixtures/snapshots.js';
import { createFakeEngine } from '../unit/main/web/fake-engine.js';
import { until } from '../sim/until.js';
import { buildPage, launchChromium, logInOnGatewayTab, openPageOnDashboard, screenshots } from './chromium.js';

const ACCOUNTS = [
  { id: 'DU1234567', alias: 'Main', type: 'DEMO' as const },
  { id: 'DU7654321', alias: 'Options', type: 'DEMO' as const },
];

let live: Simulator;
let paper: Simulator;
const engines: Engine[] = [];
let dashboard: Dashboard;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let configDir: string;
let removePage: () => void;

/** A control on the card of `profile`, by its role (the id it has on a one-profile page). */
const on = (profile: string, role: string): string => `[data-profile="${profile}"] [data-role="${role}"]`;

async function badge(profile: string, label: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction(([selector, text]) => document.querySelector(selector!)?.textContent === text, [on(profile, 'state-label'), label] as const, { timeout }).catch(async (error: unknown) => {
    throw new Error(`${profile}'s badge: wanted "${label}", shows "${await page.textContent(on(profile, 'state-label'))}"`, { cause: error });
  });
}

/** Log in on one card the way a user does: its Log in opens its gateway's page in a tab; fill the form. */
async function logInOn(profile: string, sim: Simulator): Promise<void> {
  await page.waitForSelector(`${on(profile, 'log-in')}:not([disabled])`);
  const [tab] = await Promise.all([context.waitForEvent('page'), page.click(on(profile, 'log-in'))]);
  await logInOnGatewayTab(tab, sim.url);
}

beforeAll(async () => {
  const built = await buildPage();
  removePage = built.remove;
  live = await startSimulator({ authDelayMs: 200, accounts: ACCOUNTS });
  paper = await startSimulator({ authDelayMs: 200, accounts: ACCOUNTS });
  configDir = mkdtempSync(join(tmpdir(), 'ibkr-cards-config-'));
  // The settings file's own shape since profiles (settings.ts SettingsFileSchema).
  writeFileSync(
    join(configDir, `${SETTINGS_FILE_NAME}.json`),
    JSON.stringify({ profiles: [{ name: 'Live', stateFolder: null }, { name: 'Paper', stateFolder: 'profiles/paper' }] }),
  );
  for (const [profile, sim] of [['Live', live], ['Paper', paper]] as const) {
    const engine = await engineOn(sim, configDir, profile);
    engines.push(engine);
    await engine.start();
  }
  const [first, second] = engines;
  dashboard = await startDashboard({ profiles: [{ name: 'Live', engine: first! }, { name: 'Paper', engine: second! }], rendererDir: built.dir });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1000, height: 900 }, ignoreHTTPSErrors: true });
  page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.goto(dashboard.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  for (const engine of engines) await engine.dispose();
  await live?.stop();
  await paper?.stop();
  removePage?.();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

describe('a card per profile in the dashboard', () => {
  it('shows two cards under their names, each with its own gateway, and the settings once', async () => {
    await badge('Live', 'Logged out');
    await badge('Paper', 'Logged out');
    expect(await page.$$eval('[data-profile]', (cards) => cards.map((c) => c.getAttribute('data-profile')))).toEqual(['Live', 'Paper']);
    expect(await page.$$eval('.card-title', (titles) => titles.map((t) => t.textContent))).toEqual(['Live', 'Paper']);
    expect(await page.textContent(on('Live', 'gateway-url'))).toBe(live.url);
    expect(await page.textContent(on('Paper', 'gateway-url'))).toBe(paper.url);
    // Ids stay unique on the page, and the labels still point at their own card's fields.
    const ids = await page.$$eval('[id]', (nodes) => nodes.map((n) => n.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(await page.getAttribute(`[data-profile="Paper"] label[for="${await page.getAttribute(on('Paper', 'account'), 'id')}"]`, 'for')).toBe('account-p2');
    expect(await page.locator('#settings-title').count()).toBe(1);
    expect(await page.locator('#pref-stopGatewayOnQuit').count()).toBe(1);
  });

  it('logs in the profile whose card was clicked, and only that one', async () => {
    await logInOn('Paper', paper);
    await badge('Paper', 'Ready');
    expect((await paper.control.state()).authenticated).toBe(true);
    expect((await live.control.state()).authenticated).toBe(false);
    expect(await page.textContent(on('Live', 'state-label'))).toBe('Logged out');
    expect(live.requests.some((r) => r.path.includes('/sso/Login'))).toBe(false);
    await screenshots(page, 'two-profiles');
  });

  it('switches the account of one profile and leaves the other profile account alone', async () => {
    await logInOn('Live', live);
    await badge('Live', 'Ready');
    await page.waitForSelector(`${on('Live', 'account')}:not([disabled])`);
    const paperAccount = (await paper.control.state()).selectedAccount;
    const other = ACCOUNTS.find((a) => a.id !== (paperAccount ?? ACCOUNTS[0]!.id))!.id;
    await page.selectOption(on('Live', 'account'), other);
    await until(`Live to select ${other}`, async () => (await live.control.state()).selectedAccount === other, 10_000);
    await page.waitForFunction(([selector, id]) => (document.querySelector(selector!) as HTMLSelectElement | null)?.value === id, [on('Live', 'account'), other] as const);
    expect((await paper.control.state()).selectedAccount).toBe(paperAccount);
    expect(await page.inputValue(on('Paper', 'account'))).not.toBe(other);
  });

  it('logs out one profile from its card; the other stays ready', async () => {
    await page.click(on('Live', 'log-out'));
    await badge('Live', 'Logged out');
    expect((await live.control.state()).authenticated).toBe(false);
    expect((await paper.control.state()).authenticated).toBe(true);
    expect(await page.textContent(on('Paper', 'state-label'))).toBe('Ready');
  });
});

describe('cards that follow the profiles', () => {
  it('rebuilds its cards when a snapshot names a profile it has no card for (here: the profile was renamed)', async () => {
    const opened = await openPageOnDashboard({ state: 'login-required' }, { width: 380, height: 560 });
    try {
      const { page: onePage, engine } = opened;
      await onePage.waitForSelector('[data-profile="Gateway"] #state-label:text-is("Logged out")');
      // The engine's snapshots now carry the new name; the page pulls the list again and draws it.
      engine.show('ready', { profile: 'Live' }, { start: opened.sessionStart });
      await onePage.waitForSelector('[data-profile="Live"] #state-label:text-is("Ready")');
      expect(await onePage.locator('[data-profile="Gateway"]').count()).toBe(0);
      // Still one profile: the page as before, no card heading.
      expect(await onePage.locator('.card-title').count()).toBe(0);
    } finally {
      await opened.close();
    }
  });

  it('adds and drops a card in an open page when serve adds or removes a profile (the profiles event)', async () => {
    const opened = await openPageOnDashboard({ state: 'ready' }, { width: 900, height: 700 });
    try {
      const { page: onePage, dashboard: served } = opened;
      await onePage.waitForSelector('[data-profile="Gateway"] #state-label:text-is("Ready")');
      const practice = createFakeEngine(snapshotOf('login-required', { profile: 'Practice' }, { start: opened.sessionStart }));
      served.addProfile({ name: 'Practice', engine: practice });
      await onePage.waitForSelector('[data-profile="Practice"] [data-role="state-label"]:text-is("Logged out")');
      expect(await onePage.$$eval('.card-title', (titles) => titles.map((t) => t.textContent))).toEqual(['Gateway', 'Practice']);
      // Removed: nothing names the profile any more but the list itself, so only the event can drop its card.
      served.removeProfile('Practice');
      await onePage.waitForSelector('[data-profile="Practice"]', { state: 'detached', timeout: 10_000 });
      expect(await onePage.$$eval('[data-profile]', (cards) => cards.map((c) => c.getAttribute('data-profile')))).toEqual(['Gateway']);
      // One profile again: the page as before, no card heading.
      expect(await onePage.locator('.card-title').count()).toBe(0);
    } finally {
      await opened.close();
    }
  });
});
