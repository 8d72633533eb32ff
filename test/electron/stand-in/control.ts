/**
 * The child's side of the harness: the test's requests (click this menu item, this tray icon, this
 * notification; act on a window's page; quit) carried out the way a user's action reaches Electron,
 * and every answer sent back over Node's IPC channel. The state itself is pushed by runtime.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { app, findWindow, notifications, powerMonitor, trays } from './electron.js';
import type { MenuItemView } from './records.js';
import { changed, currentState, theBrowser } from './runtime.js';
import { preventable } from './web.js';

export type ControlRequest =
  | { readonly op: 'state' }
  /** `section`: the item is the first of that label after the section header that starts with "section — ". */
  | { readonly op: 'click-menu'; readonly tray: number; readonly labels: readonly string[]; readonly section?: string }
  | { readonly op: 'click-tray'; readonly tray: number; readonly event: 'click' | 'right-click' | 'double-click' }
  | { readonly op: 'click-notification'; readonly id: number }
  | { readonly op: 'emit'; readonly target: 'app' | 'powerMonitor'; readonly event: string; readonly args: readonly unknown[] }
  | { readonly op: 'close-window'; readonly id: number }
  /** The page itself goes to `url` (as a link the user clicks would): a page-initiated navigation. */
  | { readonly op: 'follow-link'; readonly id: number; readonly url: string }
  | { readonly op: 'page'; readonly id: number; readonly method: string; readonly args: readonly unknown[] }
  | { readonly op: 'screenshot'; readonly id: number; readonly file: string; readonly colorScheme: 'light' | 'dark'; readonly fullPage?: boolean }
  | { readonly op: 'render-menu'; readonly tray: number; readonly file: string; readonly colorScheme: 'light' | 'dark' }
  | { readonly op: 'quit' };

/** Playwright Page methods a test may call on a window (reading and acting as a user would). */
const PAGE_METHODS = new Set(['fill', 'click', 'textContent', 'innerText', 'isVisible', 'isEnabled', 'waitForSelector', 'getAttribute', 'inputValue', 'title', 'url', 'press']);

async function carryOut(request: ControlRequest): Promise<unknown> {
  switch (request.op) {
    case 'state':
      return currentState();
    case 'click-menu': {
      const menu = trays[request.tray]?.menu();
      if (!menu) throw new Error(`Tray ${request.tray} has no menu`);
      const section = request.section;
      const from = section === undefined ? 0 : menu.items.findIndex((item) => item.label.startsWith(`${section} — `));
      if (from === -1) throw new Error(`The menu has no section "${section ?? ''}"`);
      menu.click(request.labels, from);
      changed();
      return null;
    }
    case 'click-tray': {
      const tray = trays[request.tray];
      if (!tray) throw new Error(`No tray ${request.tray}`);
      tray.emit(request.event, preventable({ shiftKey: false, ctrlKey: false, altKey: false, metaKey: false }), { x: 0, y: 0, width: 22, height: 22 }, { x: 10, y: 10 });
      return null;
    }
    case 'click-notification': {
      const notification = notifications.find((n) => n.id === request.id);
      if (!notification) throw new Error(`No notification ${request.id}`);
      notification.emit('click', preventable());
      return null;
    }
    case 'emit': {
      const target = request.target === 'app' ? app : powerMonitor;
      target.emit(request.event, preventable(), ...request.args);
      return null;
    }
    case 'close-window':
      findWindow(request.id).close();
      return null;
    case 'follow-link': {
      const page = await findWindow(request.id).webContents.whenReady();
      await page.evaluate((url) => {
        const link = document.createElement('a');
        link.href = url;
        document.body.append(link);
        link.click();
      }, request.url);
      return null;
    }
    case 'page': {
      if (!PAGE_METHODS.has(request.method)) throw new Error(`page.${request.method} is not offered to tests`);
      const page = await findWindow(request.id).webContents.whenReady();
      const method = (page as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[request.method]!;
      const result = await method.apply(page, [...request.args]);
      return result === null || ['string', 'boolean', 'number'].includes(typeof result) ? result : null;
    }
    case 'screenshot': {
      const page = await findWindow(request.id).webContents.whenReady();
      fs.mkdirSync(path.dirname(request.file), { recursive: true });
      await page.emulateMedia({ colorScheme: request.colorScheme });
      // fullPage: the whole page, beyond the window's height (e.g. a card per profile, one under another).
      await page.screenshot({ path: request.file, fullPage: request.fullPage === true });
      return null;
    }
    case 'render-menu':
      await renderMenu(request.tray, request.file, request.colorScheme);
      return null;
    case 'quit':
      app.quit();
      return null;
  }
}

process.on('message', (message: { id: number; request: ControlRequest }) => {
  void carryOut(message.request).then(
    (value) => process.send?.({ type: 'reply', id: message.id, value }),
    (error: unknown) => process.send?.({ type: 'reply', id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function menuHtml(items: readonly MenuItemView[]): string {
  return items
    .filter((item) => item.visible)
    .map((item) => {
      if (item.type === 'separator') return '<li class="sep"></li>';
      const mark = item.checked ? (item.type === 'radio' ? '●' : '✓') : '';
      const arrow = item.submenu ? '<span class="arrow">▸</span>' : '';
      const icon = item.icon ? `<img class="icon" src="data:image/png;base64,${fs.readFileSync(path.join(app.getAppPath(), item.icon)).toString('base64')}" width="16" height="16">` : '';
      const sub = item.submenu ? `<ul class="menu sub">${menuHtml(item.submenu)}</ul>` : '';
      return `<li class="${item.enabled ? '' : 'off'}"><span class="mark">${mark}</span>${icon}${escape(item.label)}${arrow}${sub}</li>`;
    })
    .join('');
}

/** A picture of the tray icon, its tooltip and its menu as a desktop would draw them. */
async function renderMenu(index: number, file: string, colorScheme: 'light' | 'dark'): Promise<void> {
  const view = currentState().trays[index];
  if (!view?.contextMenu && !view?.poppedUpMenu) throw new Error(`Tray ${index} has no menu`);
  const items = view.contextMenu ?? view.poppedUpMenu ?? [];
  const icon = view.image ? fs.readFileSync(path.join(app.getAppPath(), view.image.replace(/\.ico$/, '.png'))).toString('base64') : '';
  const dark = colorScheme === 'dark';
  const html = `<!DOCTYPE html><html><head><style>
    body { margin: 0; padding: 12px; font: 13px system-ui, sans-serif; background: ${dark ? '#1e1e1e' : '#e9e9e9'}; color: ${dark ? '#eee' : '#111'}; }
    .bar { display: flex; align-items: center; gap: 8px; padding: 4px 8px; background: ${dark ? '#2b2b2b' : '#f6f6f6'}; border-radius: 6px; width: max-content; }
    .tip { font-size: 12px; white-space: pre; padding: 6px 8px; margin: 6px 0; background: ${dark ? '#333' : '#ffffe1'}; border: 1px solid #999; width: max-content; }
    .menu { list-style: none; margin: 0; padding: 4px 0; background: ${dark ? '#2d2d2d' : '#fff'}; border: 1px solid ${dark ? '#555' : '#bbb'}; border-radius: 6px; min-width: 220px; width: max-content; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
    .menu li { position: relative; padding: 4px 24px 4px 26px; white-space: nowrap; }
    .menu li.off { color: ${dark ? '#888' : '#999'}; }
    .menu li.sep { padding: 0; margin: 4px 0; border-top: 1px solid ${dark ? '#444' : '#ddd'}; }
    .mark { position: absolute; left: 9px; }
    .icon { vertical-align: -3px; margin-right: 6px; }
    .arrow { position: absolute; right: 8px; }
    .sub { display: none; }
  </style></head><body>
    <div class="bar">${icon ? `<img src="data:image/png;base64,${icon}" width="22" height="22">` : ''}<span>IBKR Tray</span></div>
    <div class="tip">${escape(view.tooltip)}</div>
    <ul class="menu">${menuHtml(items)}</ul>
  </body></html>`;
  const browser = await theBrowser();
  const page = await browser.newPage({ viewport: { width: 420, height: 200 } });
  try {
    await page.setContent(html);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file, fullPage: true });
  } finally {
    await page.close();
  }
}
