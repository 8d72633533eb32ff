/**
 * Runs the real tray app (out/main/electron/main.js, built by `npm run build`) in a child Node process
 * whose `electron` is the stand-in (stand-in/launch.mjs), and drives it as a user would: click the tray
 * icon, a menu item, a notification; type into a window's page; quit. The child pushes the stand-in's
 * state (tray, windows, notifications, errors) after every change, so a test awaits what the user would
 * see (`until`), never a sleep. Every app left running and every process left in a gateway folder is
 * ended after each test; an error Electron would have shown as "A JavaScript error occurred in the main
 * process" fails the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import { processesIn } from '../sim/processes.js';
import type { ControlRequest } from './stand-in/control.js';
import type { MenuItemView, StandInOptions, StandInState, TrayView, WindowView } from './stand-in/records.js';

export { processesIn };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LAUNCH = path.join(ROOT, 'test', 'electron', 'stand-in', 'launch.mjs');
export const RESULTS = path.join(ROOT, 'test-results', 'electron');

export interface LaunchOptions {
  /** app.getPath('userData'); default a fresh temporary folder. */
  readonly userData?: string;
  readonly platform?: StandInOptions['platform'];
  readonly openDialogAnswers?: StandInOptions['openDialogAnswers'];
  readonly messageBoxAnswers?: StandInOptions['messageBoxAnswers'];
  readonly openExternalFails?: boolean;
  /** Extra environment for the app (e.g. IBKR_TRAY_CONFIG_DIR). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface RunningApp {
  readonly userData: string;
  readonly home: string;
  /** The latest state the app published. */
  state(): StandInState;
  /** Wait until the published state satisfies `predicate` (event-driven; fails after `timeoutMs`). */
  until(predicate: (state: StandInState) => boolean, what: string, timeoutMs?: number): Promise<StandInState>;
  request(request: ControlRequest): Promise<unknown>;
  /** Click a menu item of the (first) tray icon by its labels, e.g. ('Accounts', 'DU7654321'). */
  clickMenu(...labels: string[]): Promise<void>;
  /** Click an item of one profile's section (the first item of that label under the header "section — …"). */
  clickMenuIn(section: string, ...labels: string[]): Promise<void>;
  clickTray(event?: 'click' | 'right-click' | 'double-click'): Promise<void>;
  /** Call a Playwright Page method on a window's page (fill, click, textContent, waitForSelector, …). */
  page(window: WindowView, method: string, ...args: unknown[]): Promise<unknown>;
  /** Ask the app to quit (Cmd-Q / the tray's Quit); resolves with its exit code and how long it took. */
  quit(): Promise<{ code: number | null; ms: number }>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  kill(): void;
}

const running = new Set<RunningApp>();
const folders = new Set<string>();

afterEach(async () => {
  const apps = [...running];
  running.clear();
  for (const app of apps) app.kill();
  await Promise.all(apps.map((app) => app.exited));
  // A folder the test removed (a profile whose folder vanished) has no process left in it.
  for (const folder of folders) if (fs.existsSync(folder)) for (const pid of processesIn(folder)) killQuietly(pid);
  folders.clear();
  for (const app of apps) {
    const errors = app.state().errors;
    expect(errors, 'errors Electron would show as "A JavaScript error occurred in the main process"').toEqual([]);
  }
});

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Processes left in `folder` after the test are killed (the test should have asserted there are none). */
export function watchFolder(folder: string): void {
  folders.add(folder);
}

/** A fresh temporary folder, removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function assertBuilt(): void {
  for (const file of ['out/main/electron/main.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
    if (!fs.existsSync(path.join(ROOT, file))) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does).`);
  }
}

/** Start the tray app as a user's desktop would, with `electron` being the stand-in. */
export async function launchApp(options: LaunchOptions = {}): Promise<RunningApp> {
  assertBuilt();
  const userData = options.userData ?? tempDir('ibkr-tray-userdata-');
  const home = tempDir('ibkr-tray-home-');
  const standIn: StandInOptions = {
    appPath: ROOT,
    userData,
    home,
    chromium: '/usr/bin/chromium',
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.openDialogAnswers ? { openDialogAnswers: options.openDialogAnswers } : {}),
    ...(options.messageBoxAnswers ? { messageBoxAnswers: options.messageBoxAnswers } : {}),
    ...(options.openExternalFails ? { openExternalFails: true } : {}),
  };
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('VITEST') && key !== 'IBKR_TRAY_CONFIG_DIR') env[key] = value;
  Object.assign(env, { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), ELECTRON_STAND_IN: JSON.stringify(standIn) }, options.env ?? {});
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', LAUNCH], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let latest: StandInState | null = null;
  const waiters = new Set<() => void>();
  const replies = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const { reject } of replies.values()) reject(new Error(`the app exited before answering\n${stderr}`));
    replies.clear();
    for (const wake of [...waiters]) wake();
  });
  child.on('message', (message: { type: 'state'; state: StandInState } | { type: 'reply'; id: number; value?: unknown; error?: string }) => {
    if (message.type === 'state') {
      if (!latest || message.state.seq > latest.seq) latest = message.state;
      for (const wake of [...waiters]) wake();
      return;
    }
    const pending = replies.get(message.id);
    replies.delete(message.id);
    if (message.error !== undefined) pending?.reject(new Error(message.error));
    else pending?.resolve(message.value);
  });

  const request = (body: ControlRequest): Promise<unknown> => {
    if (hasExited || !child.connected) return Promise.reject(new Error(`the app is not running\n${stderr}`));
    nextId += 1;
    const id = nextId;
    return new Promise((resolve, reject) => {
      replies.set(id, { resolve, reject });
      child.send({ id, request: body });
    });
  };

  const until = (predicate: (state: StandInState) => boolean, what: string, timeoutMs = 20_000): Promise<StandInState> =>
    new Promise((resolve, reject) => {
      const holds = (state: StandInState): boolean => {
        try {
          return predicate(state);
        } catch {
          return false; // e.g. asked about the tray before the app has made it: not yet
        }
      };
      const check = (): void => {
        if (latest && holds(latest)) {
          finish();
          resolve(latest);
        } else if (hasExited) {
          finish();
          reject(new Error(`the app exited while waiting for ${what}\n${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last state:\n${describe(latest)}\n${stderr}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const app: RunningApp = {
    userData,
    home,
    state: () => {
      if (!latest) throw new Error('the app has not published any state yet');
      return latest;
    },
    until,
    request,
    clickMenu: async (...labels) => {
      await request({ op: 'click-menu', tray: 0, labels });
    },
    clickMenuIn: async (section, ...labels) => {
      await request({ op: 'click-menu', tray: 0, labels, section });
    },
    clickTray: async (event = 'click') => {
      await request({ op: 'click-tray', tray: 0, event });
    },
    page: (window, method, ...args) => request({ op: 'page', id: window.id, method, args }),
    quit: async () => {
      const started = Date.now();
      await request({ op: 'quit' });
      const { code } = await exited;
      return { code, ms: Date.now() - started };
    },
    exited,
    stderr: () => stderr,
    kill: () => {
      if (!hasExited) child.kill('SIGKILL');
    },
  };
  running.add(app);
  await until((state) => state.ready || state.singleInstanceLock === false, 'the app to become ready', 30_000);
  return app;
}

/** A short picture of a state for failure messages. */
export function describe(state: StandInState | null): string {
  if (!state) return '(no state published)';
  const tray = state.trays[0];
  return JSON.stringify(
    {
      tray: tray ? { image: tray.image, tooltip: tray.tooltip, menu: menuLabels(tray) } : null,
      windows: state.windows.map((w) => ({ id: w.id, title: w.title, url: w.url, visible: w.visible, destroyed: w.destroyed, failed: w.failedLoads })),
      notifications: state.notifications.map((n) => `${n.title}: ${n.body}`),
      errors: state.errors,
      errorBoxes: state.errorBoxes,
      consoleErrors: state.consoleErrors.slice(-5),
    },
    null,
    1,
  );
}

/** The tray menu's items as "label" / "label (disabled)" / "label ✓", separators as "—". */
export function menuLabels(tray: TrayView): string[] {
  const menu = tray.contextMenu ?? tray.poppedUpMenu ?? [];
  return menu.map((item) => (item.type === 'separator' ? '—' : `${item.label}${item.enabled ? '' : ' (disabled)'}${item.checked ? ' ✓' : ''}`));
}

/** The first tray icon (the app has one). */
export function trayOf(state: StandInState): TrayView {
  const tray = state.trays[0];
  if (!tray) throw new Error('the app has no tray icon');
  return tray;
}

/** A menu item by labels (submenus by their label), or undefined. */
export function menuItem(state: StandInState, ...labels: string[]): MenuItemView | undefined {
  let items = trayOf(state).contextMenu ?? trayOf(state).poppedUpMenu ?? [];
  let found: MenuItemView | undefined;
  for (const label of labels) {
    found = items.find((item) => item.label === label);
    items = found?.submenu ?? [];
  }
  return found;
}

/** The open (not destroyed) windows whose title or URL matches. */
export function windowWhere(state: StandInState, test: (window: WindowView) => boolean): WindowView | undefined {
  return state.windows.find((window) => !window.destroyed && test(window));
}

export const isStatusWindow = (window: WindowView): boolean => window.url.startsWith('app://') || window.partition === '';
export const isLoginWindow = (window: WindowView): boolean => window.partition === 'ibkr-login';
