/**
 * The Electron app's composition root: settings (electron-store) → one engine per profile → one tray,
 * the status window, a login window per profile, notifications and IPC. Holds no session logic: every
 * decision about the session is an engine's; this file only connects them to the desktop. The status
 * window shows a card per profile; each of its calls names the profile it is for.
 */
import path from 'node:path';
import { app, dialog, ipcMain, Notification, powerMonitor, session, type BrowserWindow } from 'electron';
import { Channels, pickProfile, type ProfileChoice } from '../../shared/api.js';
import type { Intent, IntentResult } from '../../shared/intents.js';
import type { AppSnapshot } from '../../shared/snapshot.js';
import { createEngine, type Engine } from '../core/engine.js';
import { Notifier, parseNotifyTarget } from '../core/notify.js';
import { APP_ICON_FILE, ASSETS_FOLDER, PRELOAD_FILE, RENDERER_FOLDER } from './app-layout.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { forwardEngineEvents, registerInvokeHandlers } from './ipc.js';
import { autostartFile, setLinuxAutostart } from './linux-autostart.js';
import { QUIT_BUDGET_MS, stopGatewayOnQuit } from './lifecycle.js';
import { alertOfProfile, NotificationFilter, type Alert } from './notifications.js';
import { electronStoreBackend } from './settings-backend.js';
import type { ProfileSnapshot, TrayPlatform } from './tray-icon.js';
import type { TrayCommand } from './tray-menu.js';
import { StatusTray, type TrayProfiles } from './tray.js';
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

  // One folder for everything the engines keep (settings and the gateways' pid records), the app's own:
  // otherwise an IBKR_TRAY_CONFIG_DIR in the environment would split them across two folders.
  const userData = app.getPath('userData');
  // One backend for every engine: each write starts from the file as it is (settings.ts), so two
  // profiles' engines never undo each other's changes.
  const settingsBackend = electronStoreBackend(userData);

  /** Open one profile's engine (the first when `profile` is absent) with its own login window. */
  async function openGateway(index: number, profile?: string): Promise<Gateway> {
    const notifications = new NotificationFilter();
    let engine: Engine | null = null;
    const current = (): Engine => {
      if (!engine) throw new Error('IBKR Tray: the engine is not ready yet.');
      return engine;
    };
    const cancel: Intent = { type: 'cancel-login' };
    const loginWindow = new LoginWindow({
      // A login session of its own per profile: the two gateways' cookies never meet.
      partition: index === 0 ? LOGIN_PARTITION : `${LOGIN_PARTITION}-${index + 1}`,
      icon: appIcon,
      snapshot: () => current().snapshot(),
      onClosedByUser: () => {
        notifications.userSent(cancel, Date.now());
        void current().dispatch(cancel);
      },
      report,
      onLoginPageDone: () => current().loginPageDone(),
    });
    engine = await createEngine({
      configDir: userData,
      settingsBackend,
      ...(profile === undefined ? {} : { profile }),
      openLoginPage: (url) => {
        bringForward();
        loginWindow.open(url);
      },
    });
    return { name: engine.profile, engine, loginWindow, notifications };
  }

  const first = await openGateway(0);
  const others: Gateway[] = [];
  for (const [index, profile] of first.engine.settings.profiles().slice(1).entries()) {
    try {
      others.push(await openGateway(index + 1, profile.name));
    } catch (error) {
      // One profile that cannot be opened must not keep the others from running.
      report(`The profile "${profile.name}" could not be opened: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const gateways: readonly [Gateway, ...Gateway[]] = [first, ...others];
  const several = gateways.length > 1;
  /** The gateway a tray item or notification is for: absent, the first (the only one before profiles). */
  const gatewayOf = (profile: string | undefined): Gateway | null => (profile === undefined ? first : (gateways.find((g) => g.name === profile) ?? null));
  // The snapshot each engine last sent, which the tray draws (an engine's snapshot() could be newer
  // than the one being delivered, and the tray must draw what it was told, in order).
  const latest = new Map<Gateway, AppSnapshot>();
  const profileOf = (gateway: Gateway): ProfileSnapshot => ({ name: gateway.name, snapshot: latest.get(gateway) ?? gateway.engine.snapshot() });
  const profilesNow = (): TrayProfiles => [profileOf(first), ...others.map(profileOf)];

  /** Every intent from this app goes through here, so the notifications know what the user asked for. */
  async function dispatch(gateway: Gateway, intent: Intent): Promise<IntentResult> {
    gateway.notifications.userSent(intent, Date.now());
    return gateway.engine.dispatch(intent);
  }

  function showAlert(gateway: Gateway, alert: Alert): void {
    const click = alert.click;
    const shownAlert = several ? alertOfProfile(alert, gateway.name) : alert;
    notify(shownAlert.title, shownAlert.body, () => {
      if (click.kind === 'open-window') showWindow();
      else void dispatchFromTray(gateway, click.intent);
    });
  }

  /** A refused tray action has no page to show its reason: say it in a notification. */
  async function dispatchFromTray(gateway: Gateway, intent: Intent): Promise<void> {
    const result = await dispatch(gateway, intent);
    if (!result.ok) notify(several ? `IBKR Tray: ${gateway.name}` : 'IBKR Tray', result.reason);
  }

  const tray = new StatusTray(profilesNow(), {
    assetsDir,
    platform,
    run: (command: TrayCommand) => {
      switch (command.kind) {
        case 'intent': {
          const gateway = gatewayOf(command.profile);
          if (gateway) void dispatchFromTray(gateway, command.intent);
          else report(`The profile "${command.profile ?? ''}" is no longer open; restart IBKR Tray to see the current profiles.`);
          return;
        }
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
  function draw(gateway: Gateway, snapshot: AppSnapshot): void {
    latest.set(gateway, snapshot);
    tray.draw(profilesNow());
    gateway.loginWindow.draw(snapshot);
    // Preferences are app-wide: the first profile's snapshot carries them.
    if (gateway === first && snapshot.preferences.startAtLogin !== startAtLogin) {
      startAtLogin = snapshot.preferences.startAtLogin;
      applyStartAtLogin(startAtLogin, (problem) => notify('IBKR Tray', problem));
    }
    const alert = gateway.notifications.next(snapshot);
    if (alert) showAlert(gateway, alert);
  }
  // The same ping a server's keepalive sends (--notify), when the user set a webhook or ntfy topic.
  const notifyUrl = first.engine.settings.get().notifyUrl;
  const parsedTarget = notifyUrl === null ? null : parseNotifyTarget(notifyUrl);
  const stops: (() => void)[] = [];
  const pingers: Notifier[] = [];
  for (const gateway of gateways) {
    if (parsedTarget?.ok) {
      const prefix = several ? `${gateway.name}: ` : '';
      const pinger = new Notifier({ target: parsedTarget.target, log: (line) => console.error(`IBKR Tray: ${prefix}${line}`) });
      pingers.push(pinger);
      stops.push(gateway.engine.subscribe((snapshot) => pinger.observe(snapshot)));
      pinger.observe(gateway.engine.snapshot());
    }
    stops.push(gateway.engine.subscribe((snapshot) => draw(gateway, snapshot)));
    draw(gateway, gateway.engine.snapshot());
  }
  // ---- the status window: a card per profile -------------------------------------------------
  /** The gateways open now, in the settings' order: read on every call, as the list may change while the app runs. */
  const gatewaysNow = (): readonly Gateway[] => gateways;
  /** The gateway a window call is for (the first when it names none); an unknown name is refused, never guessed. */
  const windowGateway = (to: ProfileChoice | undefined): Gateway => {
    const pick = pickProfile(gatewaysNow(), to?.profile);
    if (!pick.ok) throw new Error(pick.reason);
    return pick.picked;
  };
  const refusedOr = (to: ProfileChoice | undefined, act: (gateway: Gateway) => Promise<IntentResult>): Promise<IntentResult> => {
    const pick = pickProfile(gatewaysNow(), to?.profile);
    return pick.ok ? act(pick.picked) : Promise.resolve({ ok: false, reason: pick.reason });
  };
  /** Forward one gateway's snapshots and log lines to the window; call it for a gateway opened later too. */
  const forwardToWindow = (gateway: Gateway): (() => void) =>
    forwardEngineEvents(gateway.engine, (channel, payload) => statusWindow.send(channel, payload), gateway.name);
  for (const gateway of gatewaysNow()) stops.push(forwardToWindow(gateway));

  const removeHandlers = registerInvokeHandlers(ipcMain, () => statusWindow.webContentsId(), {
    [Channels.getSnapshot]: (...to) => windowGateway(to[0]).engine.snapshot(),
    [Channels.getSnapshots]: () => gatewaysNow().map((gateway) => gateway.engine.snapshot()),
    [Channels.send]: (...args) => refusedOr(args[1], (gateway) => dispatch(gateway, args[0])),
    [Channels.getLog]: (...to) => windowGateway(to[0]).engine.log(),
    [Channels.chooseGatewayFolder]: (...args) =>
      refusedOr(args[1], async (gateway) => {
        // A typed path when the page sends one; an empty one means "let me browse".
        const folder = args[0]?.trim() || (await chooseFolder(statusWindow.browserWindow()));
        if (folder === null) return { ok: false, reason: 'No folder chosen; the gateway folder is unchanged.' };
        return dispatch(gateway, { type: 'set-gateway-folder', folder });
      }),
  });

  // After sleep the session may have lapsed or IBKR may have reset it: look now, not at the next poll.
  const refresh = (): void => {
    for (const gateway of gateways) void gateway.engine.dispatch({ type: 'refresh' });
  };
  powerMonitor.on('resume', refresh);
  powerMonitor.on('unlock-screen', refresh);

  let quitting: Promise<void> | 'done' | null = null;
  app.on('before-quit', (event) => {
    if (quitting === 'done') return;
    event.preventDefault();
    quitting ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          console.error(`IBKR Tray: the engines did not shut down within ${QUIT_BUDGET_MS / 1000} s; quitting anyway.`);
          resolve();
        }, QUIT_BUDGET_MS);
      });
      // Each engine stops only the gateway it started (stopGatewayOnQuit of its own snapshot).
      const disposeOne = async (gateway: Gateway): Promise<void> => {
        try {
          await gateway.engine.dispose({ stopGateway: stopGatewayOnQuit(gateway.engine.snapshot()) });
        } catch (error) {
          console.error(`IBKR Tray: shutting down${several ? ` ${gateway.name}` : ''}: ${error instanceof Error ? error.message : String(error)}`);
        }
      };
      try {
        await Promise.race([Promise.all(gateways.map(disposeOne)), budget]);
      } finally {
        clearTimeout(timer);
      }
      for (const stop of stops) stop();
      await Promise.all(pingers.map((pinger) => pinger.close()));
      removeHandlers();
      for (const gateway of gateways) gateway.loginWindow.close();
      statusWindow.destroy();
      tray.destroy();
      quitting = 'done';
      app.quit();
    })();
  });

  // First run: nothing to manage until the user has chosen the gateway folder; the window asks.
  if (first.engine.snapshot().gateway.folder === null) showWindow();
  await Promise.all(gateways.map((gateway) => gateway.engine.start()));
}

/** One profile's gateway as the app holds it: its engine, its login window, what it told the user. */
interface Gateway {
  readonly name: string;
  readonly engine: Engine;
  readonly loginWindow: LoginWindow;
  readonly notifications: NotificationFilter;
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
