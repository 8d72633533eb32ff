/**
 * The dashboard's page logged "The Content Security Policy directive 'frame-ancestors' is ignored when
 * delivered via a <meta> element" (issue 21): frame-ancestors belongs in the HTTP header the dashboard
 * sends, and the page's own meta carries the rest. Chromium on the dashboard over a fake engine.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startDashboard, type Dashboard } from '../../src/main/web/dashboard.js';
import { snapshotOf } from '../fixtures/snapshots.js';
import { createFakeEngine } from '../unit/main/web/fake-engine.js';
import { buildPage, launchChromium } from './chromium.js';

let browser: Browser | null = null;
let dashboard: Dashboard | null = null;
let remove: (() => void) | null = null;

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  remove?.();
});

describe('the dashboard page and its CSP', () => {
  it('forbids framing by an HTTP header, and the page logs no CSP warning', async () => {
    const built = await buildPage();
    remove = built.remove;
    dashboard = await startDashboard({ engine: createFakeEngine(snapshotOf('login-required', { seq: 1 })), rendererDir: built.dir });
    browser = await launchChromium();
    const page = await (await browser.newContext()).newPage();
    const console: string[] = [];
    page.on('console', (message) => console.push(message.text()));
    const response = await page.goto(dashboard.url);
    await expect.poll(() => page.textContent('#state-label')).toBe('Logged out');
    expect(response?.headers()['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content')).not.toMatch(/frame-ancestors/);
    expect(console.filter((line) => /Content Security Policy|Refused to/i.test(line))).toEqual([]);
  }, 60_000);
});
