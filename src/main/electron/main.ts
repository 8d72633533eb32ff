/**
 * The Electron app's composition root: settings (electron-store) → engine → tray, status window,
 * login window, notifications and IPC. Holds no session logic: every decision about the session is
 * the engine's; this file only connects it to the desktop.
 */
import path from 'node:path';
import { app, dialog, ipcMain, Notification, powerMonitor, session, type BrowserWindow } from 'electron';
import { Channels } from '../../shared/api.js';
import type { Intent, IntentResult } from '../../shared/intents.js';
import type { AppSnapshot } from '../../shared/snapshot.js';
import { createEngine, type Engine } from '../core/engine.js';
import { Notifier, parseNotifyTarget } from '../core/notify.js';
import { APP_ICON_FILE, ASSETS_FOLDER, PRELOAD_FILE, RENDERER_FOLDER } from './app-layout.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { forwardEngineEvents, registerInvokeHandlers } from './ipc.js';
import { autostartFile, setLinuxAutostart } from './linux-autostart.js';
import { QUIT_BUDGET_MS, stopGatewayOnQuit } from './lifecycle.js';
import { NotificationFilter, type Alert } from './notifications.js';
import { electronStoreBackend } from './settings-backend.js';
import type { TrayPlatform } from './tray-icon.js';
import type { TrayCommand } from './tray-menu.js';
import { StatusTray } from './tray.js';
import { guardPermissions, LoginWindow, StatusWindow } from './windows.js';

/** The login page's session: no "persist:" prefix, so its cookies live in memory only. */
const LOGIN_PARTITION = 'ibkr-login';

const appRoot = app.getAppPath();
const assetsDir = path.join(appRoot, ASSETS_FOLDER);
const appIcon = path.join(assetsDir, APP_ICON_FILE);
const platform: TrayPlatform = process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux';

registerAppScheme();

// Last resort: a promise nobody awaited must not become Electron's modal "A JavaScript error occurred
// in the main process". Every known failure is handled where it happens; this only logs what slipped.
process.on('unhandledRejection', (reason) => {
  console.error(`IBKR Tray: unhandled failure: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});

if (!app.requestSingleInstanceLock()) {
  // Another IBKR Tray is running: it shows its window (second-instance below), and this one leaves.
  app.quit();
} else {
  void run().catch((error: unknown) => {
    dialog.showErrorBox('IBKR Tray could not start', error instanceof Error ? error.message : String(error));
    app.exit(1);
  });
}

async function run(): Promise<void> {
  const shown = new Set<Notification>();
  function notify(title: string, body: string, onClick?: () => void): void {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title, body, icon: appIcon });
    // Keep a reference until it is gone: a collected Notification loses its click handler.
    shown.add(notification);
    notification.on('close', () => shown.delete(notification));
    if (onClick) notification.on('click', onClick);
    notification.show();
  }
  const report = (problem: string): void => notify('IBKR Tray', problem);

  const statusWindow = new StatusWindow({ preload: path.join(appRoot, PRELOAD_FILE), icon: appIcon, report });
  /**
   * Bring a window forward. On macOS an app without a Dock icon is not active, so a window opened from
   * the tray or a notification would open behind the current app: activate the app first.
   */
  function bringForward(): void {
    if (platform === 'darwin') app.focus({ steal: true });
  }
  function showWindow(): void {
    bringForward();
    statusWindow.show();
  }
  app.on('second-instance', showWindow);
  // macOS: opening the app again from Finder or the Dock emits 'activate', not 'second-instance'.
  app.on('activate', showWindow);
  // A tray app keeps running with no window open.
  app.on('window-all-closed', () => undefined);

  await app.whenReady();
  app.dock?.hide();
  if (platform === 'win32') app.setAppUserModelId('com.ibkrtray.app');
  guardPermissions(session.defaultSession);
  serveRenderer(path.join(appRoot, RENDERER_FOLDER));
  // Defence in depth for every web contents, including any we did not create ourselves.
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  let engine: Engine | null = null;
  const loginWindow = new LoginWindow({
    partition: LOGIN_PARTITION,
    icon: appIcon,
    snapshot: () => current().snapshot(),
    onClosedByUser: () => void dispatch({ type: 'cancel-login' }),
    report,
    onLoginPageDone: () => current().loginPageDone(),
  });
  // One folder for everything the engine keeps (settings and the gateway's pid record), the app's own:
  // otherwise an IBKR_TRAY_CONFIG_DIR in the environment would split them across two folders.
  const userData = app.getPath('userData');
  engine = await createEngine({
    configDir: userData,
    settingsBackend: electronStoreBackend(userData),
    openLoginPage: (url) => {
      bringForward();
      loginWindow.open(url);
    },
  });
  function current(): Engine {
    if (!engine) throw new Error('IBKR Tray: the engine is not ready yet.');
    return engine;
  }

  const notifications = new NotificationFilter();

  /** Every intent from this app goes through here, so the notifications know what the user asked for. */
  async function dispatch(intent: Intent): Promise<IntentResult> {
    notifications.userSent(intent, Date.now());
    return current().dispatch(intent);
  }

  function showAlert(alert: Alert): void {
    const click = alert.click;
    notify(alert.title, alert.body, () => {
      if (click.kind === 'open-window') showWindow();
      else void dispatchFromTray(click.intent);
    });
  }

  /** A refused tray action has no page to show its reason: say it in a notification. */
  async function dispatchFromTray(intent: Intent): Promise<void> {
    const result = await dispatch(intent);
    if (!result.ok) notify('IBKR Tray', result.reason);
  }

  const tray = new StatusTray(current().snapshot(), {
    assetsDir,
    platform,
    run: (command: TrayCommand) => {
      switch (command.kind) {
        case 'intent':
          void dispatchFromTray(command.intent);
          return;
        case 'open-window':
          showWindow();
          return;
        case 'quit':
          app.quit();
          return;
      }
    },
  });

  let startAtLogin: boolean | null = null;
  function draw(snapshot: AppSnapshot): void {
    tray.draw(snapshot);
    loginWindow.draw(snapshot);
    if (snapshot.preferences.startAtLogin !== startAtLogin) {
      startAtLogin = snapshot.preferences.startAtLogin;
      applyStartAtLogin(startAtLogin, (problem) => notify('IBKR Tray', problem));
    }
    const alert = notifications.next(snapshot);
    if (alert) showAlert(alert);
  }
  // The same ping a server's keepalive sends (--notify), when the user set a webhook or ntfy topic.
  const notifyUrl = current().settings.get().notifyUrl;
  const parsedTarget = notifyUrl === null ? null : parseNotifyTarget(notifyUrl);
  const pinger = parsedTarget?.ok ? new Notifier({ target: parsedTarget.target, log: (line) => console.error(`IBKR Tray: ${line}`) }) : null;
  const stopPinging = pinger ? current().subscribe((snapshot) => pinger.observe(snapshot)) : () => undefined;
  if (pinger) pinger.observe(current().snapshot());
  const stopDrawing = current().subscribe(draw);
  draw(current().snapshot());
  const stopForwarding = forwardEngineEvents(current(), (channel, payload) => statusWindow.send(channel, payload));

  const removeHandlers = registerInvokeHandlers(ipcMain, () => statusWindow.webContentsId(), {
    [Channels.getSnapshot]: () => current().snapshot(),
    [Channels.send]: (intent) => dispatch(intent),
    [Channels.getLog]: () => current().log(),
    [Channels.chooseGatewayFolder]: async (...typed) => {
      // A typed path when the page sends one; an empty one means "let me browse".
      const folder = typed[0]?.trim() || (await chooseFolder(statusWindow.browserWindow()));
      if (folder === null) return { ok: false, reason: 'No folder chosen; the gateway folder is unchanged.' };
      return dispatch({ type: 'set-gateway-folder', folder });
    },
  });

  // After sleep the session may have lapsed or IBKR may have reset it: look now, not at the next poll.
  const refresh = (): void => void current().dispatch({ type: 'refresh' });
  powerMonitor.on('resume', refresh);
  powerMonitor.on('unlock-screen', refresh);

  let quitting: Promise<void> | 'done' | null = null;
  app.on('before-quit', (event) => {
    if (quitting === 'done') return;
    event.preventDefault();
    quitting ??= (async () => {
      const stopGateway = stopGatewayOnQuit(current().snapshot());
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          console.error(`IBKR Tray: the engine did not shut down within ${QUIT_BUDGET_MS / 1000} s; quitting anyway.`);
          resolve();
        }, QUIT_BUDGET_MS);
      });
      try {
        await Promise.race([current().dispose({ stopGateway }), budget]);
      } catch (error) {
        console.error(`IBKR Tray: shutting down: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        clearTimeout(timer);
      }
      stopDrawing();
      stopPinging();
      await pinger?.close();
      stopForwarding();
      removeHandlers();
      loginWindow.close();
      statusWindow.destroy();
      tray.destroy();
      quitting = 'done';
      app.quit();
    })();
  });

  // First run: nothing to manage until the user has chosen the gateway folder; the window asks.
  if (current().snapshot().gateway.folder === null) showWindow();
  await current().start();
}

/** Start at login: Electron's login items on macOS and Windows, an XDG autostart entry on Linux. */
function applyStartAtLogin(enabled: boolean, report: (problem: string) => void): void {
  if (platform !== 'linux') {
    // Unpackaged (npm start), the executable is Electron itself: without the app's folder as its
    // argument, the login item would start bare Electron.
    app.setLoginItemSettings(app.isPackaged ? { openAtLogin: enabled } : { openAtLogin: enabled, path: process.execPath, args: [app.getAppPath()] });
    return;
  }
  // An AppImage moves with its file; a packaged app is its executable; a clone runs electron on its folder.
  const appImage = process.env['APPIMAGE'];
  const command = appImage ? [appImage] : app.isPackaged ? [process.execPath] : [process.execPath, app.getAppPath()];
  const problem = setLinuxAutostart(autostartFile(process.env, app.getPath('home')), enabled, command);
  if (problem) report(problem);
}

/** The native folder dialog; null when the user cancels. */
async function chooseFolder(parent: BrowserWindow | null): Promise<string | null> {
  const options = {
    title: 'Choose the Client Portal Gateway folder',
    message: 'The unzipped clientportal.gw folder: the one that contains bin/ and root/.',
    properties: ['openDirectory' as const],
  };
  const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}
