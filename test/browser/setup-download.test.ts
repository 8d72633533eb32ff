/**
 * The page's downloads in Chromium through the web dashboard (the Electron window draws the same
 * page): "Download the gateway" beside the folder field on the first run, the progress bar with its
 * amount and Cancel while the engine downloads, and "Download Java for the gateway" with what to do
 * on the engine's OS when the gateway's start found no Java. Snapshots are the core's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { missingOf } from '../../src/main/core/derive-snapshot.js';
import type { AppSnapshot, SessionKind } from '../../src/shared/snapshot.js';
import type { FixtureOptions } from '../fixtures/snapshots.js';
import type { FakeEngine } from '../unit/main/web/fake-engine.js';
import { openPageOnDashboard, screenshots, type PageOnDashboard } from './chromium.js';

const NO_JAVA = missingOf({ kind: 'failed', reason: 'no Java', lastLog: [], cause: 'no-java' }, 'linux');

let view: PageOnDashboard;
let page: Page;
let engine: FakeEngine;
const show = (state: SessionKind, extra: Partial<AppSnapshot> = {}, world: FixtureOptions['world'] = 'supervised'): Promise<AppSnapshot> => view.show(state, extra, world);

beforeAll(async () => {
  view = await openPageOnDashboard({ state: 'stopped', world: 'no-folder' }, { width: 380, height: 640 });
  ({ page, engine } = view);
}, 60_000);

afterAll(async () => {
  await view?.close();
});

describe('downloads in the page', () => {
  it('first run: Download the gateway beside the folder field, then a progress bar with the amount and Cancel', async () => {
    await show('stopped', {}, 'no-folder');
    expect(await page.isVisible('#setup #download-gateway')).toBe(true);
    expect(await page.isVisible('#setup #folder-input')).toBe(true);
    expect(await page.isVisible('#install')).toBe(false);
    expect(await page.isVisible('#cancel-install')).toBe(false);

    engine.intents.length = 0;
    engine.answer = () => ({ ok: true, message: 'Downloading the gateway…' });
    await page.click('#download-gateway');
    await expect.poll(() => engine.intents).toEqual([{ type: 'install-gateway' }]);

    await show('stopped', { install: { what: 'gateway', phase: 'download', received: 12_300_000, total: 45_600_000 } }, 'no-folder');
    expect(await page.isVisible('#install')).toBe(true);
    expect(await page.textContent('#install-title')).toBe('Downloading the gateway…');
    expect(await page.textContent('#install-amount')).toBe('12.3 of 45.6 MB');
    expect(await page.$eval('#install-bar', (bar) => [(bar as HTMLProgressElement).value, (bar as HTMLProgressElement).max])).toEqual([12_300_000, 45_600_000]);
    expect(await page.isEnabled('#cancel-install')).toBe(true);
    // One download at a time: the button waits for this one to end.
    expect(await page.isDisabled('#download-gateway')).toBe(true);
    await screenshots(page, 'first-run-downloading');

    // Unpacking has no byte count: the bar turns indeterminate.
    await show('stopped', { install: { what: 'gateway', phase: 'unpack', received: 0, total: 120 } }, 'no-folder');
    expect(await page.textContent('#install-title')).toBe('Unpacking the gateway…');
    expect(await page.$eval('#install-bar', (bar) => bar.hasAttribute('value'))).toBe(false);

    engine.intents.length = 0;
    await page.click('#cancel-install');
    await expect.poll(() => engine.intents).toEqual([{ type: 'cancel-install' }]);
    await show('stopped', { install: null, notices: [{ level: 'info', text: 'The gateway install was cancelled; nothing was changed.', at: Date.now() }] }, 'no-folder');
    expect(await page.isVisible('#install')).toBe(false);
    expect(await page.isEnabled('#download-gateway')).toBe(true);
    expect(await page.textContent('#notices')).toContain('The gateway install was cancelled; nothing was changed.');
    engine.answer = () => ({ ok: true });
  });

  it('no Java: says what to do on this OS and offers Download Java for the gateway', async () => {
    await show('failed', {});
    expect(await page.isVisible('#java')).toBe(false);
    await show('failed', { missing: NO_JAVA });
    expect(await page.isVisible('#java')).toBe(true);
    expect(await page.textContent('#java-todo')).toContain(NO_JAVA!.todo);
    expect(await page.isEnabled('#download-java')).toBe(true);
    // Not a first run (the folder is known): no gateway download offered.
    expect(await page.isVisible('#download-gateway')).toBe(false);
    await screenshots(page, 'no-java');

    engine.intents.length = 0;
    await page.click('#download-java');
    await expect.poll(() => engine.intents).toEqual([{ type: 'install-java' }]);
    await show('failed', { missing: NO_JAVA, install: { what: 'java', phase: 'download', received: 20_000_000, total: 40_000_000 } });
    expect(await page.textContent('#install-title')).toBe('Downloading Java for the gateway…');
    expect(await page.textContent('#install-amount')).toBe('20.0 of 40.0 MB');
    expect(await page.isDisabled('#download-java')).toBe(true);
  });
});
