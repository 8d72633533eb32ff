/**
 * What every browser test needs: Debian's Chromium driven by playwright-core (never a downloaded
 * browser), the page built fresh from src/renderer into a temporary folder, and a screenshot folder
 * that git ignores.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { startDashboard, type Dashboard } from '../../src/main/web/dashboard.js';
import type { AppSnapshot, SessionKind } from '../../src/shared/snapshot.js';
import { snapshotOf, type FixtureOptions } from '../fixtures/snapshots.js';
import { createFakeEngine, type FakeEngine } from '../unit/main/web/fake-engine.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = resolve('test-results/screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-quic',
      '--disable-sync',
    ],
  });
}

/** Build the page as `npm run build` does, into a temporary folder; returns it and its remover. */
export async function buildPage(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'ibkr-page-'));
  await build({ configFile: resolve('vite.renderer.config.ts'), logLevel: 'warn', build: { outDir: dir, emptyOutDir: true, sourcemap: false } });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Light and dark screenshots of the page as it is now: test-results/screenshots/<name>-<scheme>.png. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${colorScheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The page in Chromium on a dashboard fed by an in-memory engine, as the browser tests use it. */
export interface PageOnDashboard {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly engine: FakeEngine;
  /** Replaced by a test that restarts the dashboard; close() closes whichever runs. */
  dashboard: Dashboard;
  readonly rendererDir: string;
  /** When the fixtures' session began (snapshots are the core's own, test/fixtures/snapshots.ts). */
  readonly sessionStart: number;
  /** Push a whole snapshot in `state` (the engine's next seq) and wait until the page drew it. */
  show(state: SessionKind, extra?: Partial<AppSnapshot>, world?: FixtureOptions['world']): Promise<AppSnapshot>;
  close(): Promise<void>;
}

/**
 * Build the page, serve it from a dashboard over a fake engine that starts in `first`, and open it in
 * Chromium at `viewport`; a page error fails the test.
 */
export async function openPageOnDashboard(first: { readonly state: SessionKind; readonly world?: FixtureOptions['world'] }, viewport: { width: number; height: number }): Promise<PageOnDashboard> {
  const sessionStart = Date.now();
  const built = await buildPage();
  const engine = createFakeEngine(snapshotOf(first.state, { seq: 1 }, { start: sessionStart, ...(first.world ? { world: first.world } : {}) }));
  const dashboard = await startDashboard({ engine, rendererDir: built.dir });
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.goto(dashboard.url);
  const opened: PageOnDashboard = {
    browser,
    context,
    page,
    engine,
    dashboard,
    rendererDir: built.dir,
    sessionStart,
    async show(state, extra = {}, world = 'supervised') {
      const snapshot = engine.show(state, extra, { start: sessionStart, world });
      await page.waitForFunction((seq) => document.body.dataset['seq'] === String(seq), snapshot.seq);
      return snapshot;
    },
    async close() {
      await browser.close();
      await opened.dashboard.close();
      built.remove();
    },
  };
  return opened;
}

/**
 * The gateway's login page a Log in opened in a new tab, filled in as a user does (the simulator's
 * user), on the gateway at `gatewayUrl`; resolves once the gateway said "Client login succeeds" and
 * the tab is closed.
 */
export async function logInOnGatewayTab(tab: Page, gatewayUrl: string): Promise<void> {
  await tab.waitForSelector('#username');
  if (new URL(tab.url()).origin !== new URL(gatewayUrl).origin) throw new Error(`the login tab opened ${tab.url()}, not the gateway at ${gatewayUrl}`);
  await tab.fill('#username', 'user123');
  await tab.fill('#password', 'password123');
  await Promise.all([tab.waitForLoadState(), tab.click('#submit')]);
  await tab.waitForFunction(() => document.body.textContent?.includes('Client login succeeds'));
  await tab.close();
}
