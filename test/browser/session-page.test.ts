/**
 * The page through a day that ends (issue 21 §4), end to end: the real page, the real dashboard, the
 * real engine, the gateway simulator. While a login is under way the page says where to log in, as a
 * link that survives a reload; once logged out or stopped, the old session's user, last keepalive and
 * SSO expiry are gone from the page; and the tab shows the app's icon, served by the dashboard.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Engine } from '../../src/main/core/engine.js';
import { engineOn } from './real-engine.js';
import { startDashboard, type Dashboard } from '../../src/main/web/dashboard.js';
import { startSimulator, type Simulator } from '../sim/index.js';
import { buildPage, launchChromium, logInOnGatewayTab } from './chromium.js';

let sim: Simulator;
let engine: Engine;
let dashboard: Dashboard;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let configDir: string;
let removePage: () => void;
const cspViolations: string[] = [];

async function badge(label: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction((text) => document.querySelector('#state-label')?.textContent === text, label, { timeout }).catch(async (error: unknown) => {
    throw new Error(`badge: wanted "${label}", shows "${await page.textContent('#state-label')}" (${await page.textContent('#state-reason')})`, { cause: error });
  });
}

/** The session fields as the page shows them: null for a field that is not on the screen. */
async function sessionFields(): Promise<{ identity: string | null; keepalive: string | null; ssoExpiry: string | null }> {
  const shown = async (selector: string): Promise<string | null> => ((await page.isVisible(selector)) ? await page.textContent(selector) : null);
  return { identity: await shown('#identity'), keepalive: await shown('#keepalive'), ssoExpiry: await shown('#sso-expiry') };
}

/** Wait until the page shows a live session's fields: the user, a keepalive and an SSO expiry. */
async function sessionShown(): Promise<void> {
  await page.waitForFunction(
    () => {
      const text = (selector: string): string | null => {
        const element = document.querySelector<HTMLElement>(selector);
        return element !== null && element.checkVisibility() ? element.textContent : null;
      };
      const keepalive = text('#keepalive');
      const sso = text('#sso-expiry');
      return text('#identity') === 'user123 · Paper' && keepalive !== null && keepalive !== 'none yet' && sso !== null && sso !== '—';
    },
    undefined,
    { timeout: 20_000 },
  );
}

/** The old session's fields are gone: no user, no keepalive, no SSO expiry on the screen. */
async function expectSessionCleared(): Promise<void> {
  const fields = await sessionFields();
  expect(fields.identity).toBeNull();
  expect([null, 'none yet']).toContain(fields.keepalive);
  expect([null, '—']).toContain(fields.ssoExpiry);
}

beforeAll(async () => {
  const built = await buildPage();
  removePage = built.remove;
  sim = await startSimulator({ authDelayMs: 300 });
  configDir = mkdtempSync(join(tmpdir(), 'ibkr-session-page-'));
  // A keepalive every 5 s (the least the settings allow), so the page has one to show soon after ready.
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ tickleIntervalMs: 5_000 }), { mode: 0o600 });
  engine = await engineOn(sim, configDir);
  await engine.start();
  dashboard = await startDashboard({ engine, rendererDir: built.dir });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 380, height: 700 }, ignoreHTTPSErrors: true });
  page = await context.newPage();
  page.on('console', (message) => {
    // A refusal is what breaks the page.
    if (/^Refused to/.test(message.text())) cspViolations.push(message.text());
  });
  await page.goto(dashboard.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await engine?.dispose();
  await sim?.stop();
  removePage?.();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

describe('the page through a session that ends', () => {
  it('shows the app icon as the favicon, served by the dashboard within the CSP', async () => {
    await badge('Logged out');
    const href = await page.getAttribute('link[rel="icon"]', 'href');
    expect(href).toMatch(/\.png$/);
    const icon = await context.request.get(new URL(href!, page.url()).href);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toBe('image/png');
    expect(Buffer.compare(await icon.body(), readFileSync('assets/icons/app/64x64.png'))).toBe(0);
    expect(cspViolations, cspViolations.join('\n')).toEqual([]);
  });

  it('says where to log in, as a link to the gateway, and still does after a reload', async () => {
    expect(await page.isVisible('#login-hint')).toBe(false);
    await page.waitForSelector('#log-in:not([disabled])');
    const [firstTab] = await Promise.all([context.waitForEvent('page'), page.click('#log-in')]);
    await badge('Logging in…');
    await page.waitForSelector('#login-link', { state: 'visible' });
    expect(await page.getAttribute('#login-link', 'href')).toBe(`${sim.url}/`);
    expect(await page.textContent('#login-hint')).toBe(`Log in on the IBKR page: ${sim.url}/`);
    // The answer to the click says the same: it is not shown twice.
    expect(await page.isVisible('#message')).toBe(false);

    await page.reload();
    await badge('Logging in…');
    await page.waitForSelector('#login-link', { state: 'visible' });
    expect(await page.getAttribute('#login-link', 'href')).toBe(`${sim.url}/`);

    // The link opens the gateway's login page in a tab of its own, where the login is done.
    await firstTab.close();
    const [tab] = await Promise.all([context.waitForEvent('page'), page.click('#login-link')]);
    await logInOnGatewayTab(tab, sim.url);
    await badge('Ready');
    expect(await page.isVisible('#login-hint')).toBe(false);
  });

  it('clears the user, last keepalive and SSO expiry on Log out', async () => {
    await sessionShown();
    await page.click('#log-out');
    await badge('Logged out');
    await expectSessionCleared();
  });

  it('clears them when the gateway stops', async () => {
    const [tab] = await Promise.all([context.waitForEvent('page'), page.click('#log-in')]);
    // After a logout the gateway keeps the SSO session (facts §5): the engine may be ready before the form is filled.
    await logInOnGatewayTab(tab, sim.url).catch(() => tab.close());
    await badge('Ready');
    await sessionShown();
    await sim.stop();
    // A gateway given by its address, with no folder to start it from: the page calls that "Setup needed".
    await page.waitForFunction(() => ['Gateway stopped', 'Setup needed'].includes(document.querySelector('#state-label')?.textContent ?? ''), undefined, { timeout: 20_000 });
    await expectSessionCleared();
  });
});
