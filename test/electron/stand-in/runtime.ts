/**
 * The stand-in's world inside the child process that runs the app: the launch options, the records a
 * test reads (records.ts), their publication to the test after every change, the one Chromium that
 * hosts every window, and the mapping of custom schemes (app://) onto URLs Chromium can load.
 */
import { chromium, type Browser } from 'playwright-core';
import type { ErrorView, StandInOptions, StandInState } from './records.js';

export const options: StandInOptions = JSON.parse(process.env['ELECTRON_STAND_IN'] ?? 'null') as StandInOptions;
if (!options) throw new Error('The Electron stand-in runs only under test/electron/harness.ts (ELECTRON_STAND_IN is not set).');

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

/** Everything published except what is computed from live objects (trays, windows, notifications). */
export const records: Omit<Mutable<StandInState>, 'trays' | 'windows' | 'notifications' | 'seq'> = {
  ready: false,
  singleInstanceLock: null,
  errorBoxes: [],
  openDialogs: [],
  messageBoxes: [],
  errors: [],
  openedExternal: [],
  loginItemSettings: null,
  focusCalls: [],
  dockHidden: false,
  clipboard: '',
  certificateChecks: [],
  permissionRequests: [],
  consoleErrors: [],
  quitting: false,
};

/** Live objects register a view function here; the published state asks each for its view. */
export const views = {
  trays: new Set<() => StandInState['trays'][number]>(),
  windows: new Set<() => StandInState['windows'][number]>(),
  notifications: new Set<() => StandInState['notifications'][number]>(),
};

let seq = 0;
let scheduled = false;

/** The whole state as the test sees it now. */
export function currentState(): StandInState {
  seq += 1;
  return {
    ...records,
    seq,
    trays: [...views.trays].map((view) => view()),
    windows: [...views.windows].map((view) => view()),
    notifications: [...views.notifications].map((view) => view()),
  };
}

/** Publish the state to the test once the current turn is over (many changes, one message). */
export function changed(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    if (process.connected) process.send?.({ type: 'state', state: currentState() });
  });
}

/** Record an error the real Electron would show in its modal "A JavaScript error occurred" dialog. */
export function recordError(kind: ErrorView['kind'], error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  records.errors.push({ kind, message });
  changed();
}

let browser: Promise<Browser> | null = null;

/** Debian's Chromium, launched once when the app becomes ready. */
export function theBrowser(): Promise<Browser> {
  browser ??= chromium.launch({
    executablePath: options.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
  return browser;
}

/** Close Chromium (the app is exiting). */
export async function closeBrowser(): Promise<void> {
  const launched = browser;
  browser = null;
  if (launched) await (await launched).close().catch(() => undefined);
}

/**
 * Chromium cannot load a custom scheme without Electron's protocol layer, so app://HOST/path is loaded
 * as https://HOST.SUFFIX/path, a name that can never resolve (.invalid), whose every request the
 * stand-in answers through the app's own protocol.handle() handler. Everything the shell sees (URLs in
 * events, getURL(), the IPC sender's frame) is translated back to app://.
 */
const SCHEME_SUFFIX = '.scheme-stand-in.invalid';
export const customSchemes = new Set<string>();

export function toChromiumUrl(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (!parsed) return url;
  const scheme = parsed.protocol.slice(0, -1);
  if (!customSchemes.has(scheme)) return url;
  return `https://${parsed.host}.${scheme}${SCHEME_SUFFIX}${parsed.pathname}${parsed.search}${parsed.hash}`;
}

export function toElectronUrl(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (!parsed || parsed.protocol !== 'https:' || !parsed.hostname.endsWith(SCHEME_SUFFIX)) return url;
  const rest = parsed.hostname.slice(0, -SCHEME_SUFFIX.length);
  const dot = rest.lastIndexOf('.');
  return `${rest.slice(dot + 1)}://${rest.slice(0, dot)}${parsed.pathname}${parsed.search}${parsed.hash}`;
}

/** The custom scheme a Chromium URL stands for, or null for a real one. */
export function customSchemeOf(chromiumUrl: string): string | null {
  const electronUrl = toElectronUrl(chromiumUrl);
  return electronUrl === chromiumUrl ? null : electronUrl.slice(0, electronUrl.indexOf(':'));
}

let nextId = 0;
/** Ids for windows, web contents, trays and notifications (Electron's are small positive integers too). */
export function newId(): number {
  nextId += 1;
  return nextId;
}
