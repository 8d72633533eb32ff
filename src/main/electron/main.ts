/**
 * The Electron app's composition root: settings (electron-store) → one engine per profile → one tray,
 * the status window, a login window per profile, notifications and IPC. Holds no session logic: every
 * decision about the session is an engine's; this file only connects them to the desktop. The open
 * profiles live in OpenGateways (open-gateways.ts): they come and go while the app runs (Add gateway…,
 * Remove…, the command changing the settings file). The status window shows a card per
 * profile; each of its calls names the profile it is for.
 * Over 400 lines because it is the one place where engines, windows, the tray and the desktop meet;
 * every decision in it is a pure module's beside it (tray-menu, open-gateways, lifecycle, …).
 */
import fs from 'node:fs';
import path from 'node:path';
import { app, dialog, ipcMain, Notification, powerMonitor, session, type BrowserWindow } from 'electron';
import { Channels, pickProfile, type ProfileChoice } from '../../shared/api.js';
import type { Intent, IntentResult } from '../../shared/intents.js';
import type { AppSnapshot } from '../../shared/snapshot.js';
import { createEngine, type Engine } from '../core/engine.js';
import { surviveUnhandled } from '../core/survive.js';
import { Notifier, parseNotifyTarget } from '../core/notify.js';
import { addProfile, profileChanges, removeProfile } from '../core/profiles.js';
import { SettingsStore } from '../core/settings.js';
import { APP_ICON_FILE, ASSETS_FOLDER, PRELOAD_FILE, RENDERER_FOLDER } from './app-layout.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { forwardEngineEvents, registerInvokeHandlers } from './ipc.js';
import { autostartFile, setLinuxAutostart } from './linux-autostart.js';
import { QUIT_BUDGET_MS, stopGatewayOnQuit } from './lifecycle.js';
import { alertOfProfile, NotificationFilter, type Alert } from './notifications.js';
import { newProfileName, OpenGateways } from './open-gateways.js';
import { electronStoreBackend } from './settings-backend.js';
import type { TrayPlatform, TrayProfile } from './tray-icon.js';
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

// Last resort: a promise nobody awaited, or an exception thrown from a callback, must not become
// Electron's modal "A JavaScript error occurred in the main process" nor end the app. Every known
// failure is handled where it happens; this logs what slipped and shows it in the window (every
// engine's notices) once the engines are open.
let showFailure: (text: string) => void = () => undefined;
surviveUnhandled({ log: (line) => console.error(`IBKR Tray: ${line}`), show: (text) => showFailure(text), verbose: true });

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

  // The window may be asked for (a second instance) before the profiles are open: one card until then.
  let countProfiles = (): number => 1;
  const statusWindow = new StatusWindow({ preload: path.join(appRoot, PRELOAD_FILE), icon: appIcon, report, profileCount: () => countProfiles() });
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

  // Each login window gets a session partition never used before in this run: a removed profile's
  // cookies must not meet a gateway added after it.
  let loginWindows = 0;
  /** Open one profile's engine (the first when `profile` is absent) with its own login window. */
  async function openGateway(profile?: string): Promise<Gateway> {
    const index = loginWindows++;
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

  const gateways = new OpenGateways<Gateway>();
  showFailure = (text) => {
    for (const gateway of gateways.gatewaysNow()) gateway.engine.notice('error', text);
  };
  /**
   * The settings' list of profiles, for adding and removing them: a store of its own (every store
   * reads the same file before it writes), so that no engine hears changes it did not ask for.
   */
  const profilesStore = SettingsStore.open(settingsBackend);
  /** Open a profile by name into the list; one that cannot be opened gets a slot that says why. */
  async function openNamed(name: string): Promise<Gateway | null> {
    try {
      const gateway = await openGateway(name);
      gateways.open(gateway);
      return gateway;
    } catch (error) {
      // One profile that cannot be opened must not keep the others from running: its section says why.
      gateways.failed(name, error instanceof Error ? error.message : String(error));
      return null;
    }
  }
  // Every profile in order; one that cannot run (a hand-edited state folder, a vanished folder) gets a
  // section that says why, the first one too. Only when none opens is there nothing to show.
  const listed = profilesStore.profiles();
  for (const profile of listed) await openNamed(profile.name);
  // None opened: the first one's own error is what the start-up box says.
  const first = gateways.gatewaysNow()[0] ?? (await openGateway());
  if (gateways.gatewaysNow().length === 0) gateways.open(first);
  /** The gateway a tray item or notification is for: absent, the first open one (the only one before profiles). */
  const gatewayOf = (profile: string | undefined): Gateway | null => gateways.gatewayOf(profile);
  /** Every open gateway, in display order (the list changes while the app runs: read it, never keep it). */
  const gatewaysNow = (): readonly Gateway[] => gateways.gatewaysNow();
  countProfiles = () => gatewaysNow().length;
  const several = (): boolean => gateways.all().length > 1;
  // The snapshot each engine last sent, which the tray draws (an engine's snapshot() could be newer
  // than the one being delivered, and the tray must draw what it was told, in order).
  const latest = new Map<Gateway, AppSnapshot>();
  const profilesNow = (): TrayProfiles => {
    const drawn = gateways.all().map((slot): TrayProfile => (slot.gateway === null ? { name: slot.name, problem: slot.problem } : { name: slot.name, snapshot: latest.get(slot.gateway) ?? slot.gateway.engine.snapshot() }));
    const [head, ...rest] = drawn;
    return head ? [head, ...rest] : [{ name: first.name, snapshot: first.engine.snapshot() }];
  };

  /** Every intent from this app goes through here, so the notifications know what the user asked for. */
  async function dispatch(gateway: Gateway, intent: Intent): Promise<IntentResult> {
    gateway.notifications.userSent(intent, Date.now());
    return gateway.engine.dispatch(intent);
  }

  /** A notification from the app, naming the profile when there are several. */
  function notifyAbout(gateway: { readonly name: string }, body: string, onClick?: () => void): void {
    notify(several() ? `IBKR Tray: ${gateway.name}` : 'IBKR Tray', body, onClick);
  }

  function showAlert(gateway: Gateway, alert: Alert): void {
    const click = alert.click;
    const shownAlert = several() ? alertOfProfile(alert, gateway.name) : alert;
    notify(shownAlert.title, shownAlert.body, () => {
      if (click.kind === 'open-window') showWindow();
      else void dispatchFromTray(gateway, click.intent);
    });
  }

  /** A refused tray action has no page to show its reason: say it in a notification. */
  async function dispatchFromTray(gateway: Gateway, intent: Intent): Promise<void> {
    const result = await dispatch(gateway, intent);
    if (!result.ok) notifyAbout(gateway, result.reason);
  }

  // Adding, removing and following the settings file change the list one at a time, so that a gateway
  // is never opened twice (the file watcher hears the app's own writes too) nor closed while it opens.
  let changing: Promise<void> = Promise.resolve();
  function oneAtATime(task: () => Promise<void>): Promise<void> {
    const next = changing.then(task).catch((error: unknown) => report(error instanceof Error ? error.message : String(error)));
    changing = next;
    return next;
  }
  let quitting: Promise<void> | 'done' | null = null;

  const tray = new StatusTray(profilesNow(), {
    assetsDir,
    platform,
    run: (command: TrayCommand) => {
      switch (command.kind) {
        case 'intent': {
          const gateway = gatewayOf(command.profile);
          if (gateway) void dispatchFromTray(gateway, command.intent);
          else report(`The profile "${command.profile ?? ''}" is no longer open.`);
          return;
        }
        case 'open-window':
          showWindow();
          return;
        case 'add-gateway':
          void addGateway();
          return;
        case 'remove-profile':
          void removeGateway(command.profile);
          return;
        case 'quit':
          app.quit();
          return;
      }
    },
  });
  const stopRedraw = gateways.onChange(() => tray.draw(profilesNow()));

  let startAtLogin: boolean | null = null;
  function draw(gateway: Gateway, snapshot: AppSnapshot): void {
    latest.set(gateway, snapshot);
    tray.draw(profilesNow());
    gateway.loginWindow.draw(snapshot);
    // Preferences are app-wide: the first profile's snapshot carries them.
    if (gateway === gatewayOf(undefined) && snapshot.preferences.startAtLogin !== startAtLogin) {
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
  /** What to undo when a gateway closes: its subscriptions and its ping's sender. */
  const wiring = new Map<Gateway, () => Promise<void>>();
  /** Draw a gateway's snapshots from now on (and ping them, when the user set a target). */
  function wire(gateway: Gateway): void {
    const unsubscribe: (() => void)[] = [];
    let pinger: Notifier | null = null;
    if (parsedTarget?.ok) {
      // The name only while there are several (they come and go): asked at each line.
      const profile = (): string | null => (several() ? gateway.name : null);
      const created = new Notifier({ target: parsedTarget.target, profile, log: (line) => console.error(`IBKR Tray: ${several() ? `${gateway.name}: ` : ''}${line}`) });
      pinger = created;
      unsubscribe.push(gateway.engine.subscribe((snapshot) => created.observe(snapshot)));
      created.observe(gateway.engine.snapshot());
    }
    unsubscribe.push(gateway.engine.subscribe((snapshot) => draw(gateway, snapshot)));
    // The window's card for it: its snapshots and log lines, named by profile.
    unsubscribe.push(forwardEngineEvents(gateway.engine, (channel, payload) => statusWindow.send(channel, payload), gateway.name));
    wiring.set(gateway, async () => {
      for (const stop of unsubscribe) stop();
      await pinger?.close();
    });
    draw(gateway, gateway.engine.snapshot());
  }
  for (const gateway of gatewaysNow()) wire(gateway);

  /**
   * Shut one gateway down, still listed (the tray shows it stopping): its engine disposed (stopping
   * its gateway only when `stopGateway` and this app started it: an adopted one is never stopped),
   * its login window closed.
   */
  async function shutDown(gateway: Gateway, options: { readonly stopGateway: boolean }): Promise<void> {
    try {
      await gateway.engine.dispose({ stopGateway: options.stopGateway });
    } finally {
      await wiring.get(gateway)?.();
      wiring.delete(gateway);
      latest.delete(gateway);
      gateway.loginWindow.close();
    }
  }

  /** Shut one gateway down and take it out of the list (the tray redraws without it). */
  async function closeGateway(gateway: Gateway, options: { readonly stopGateway: boolean }): Promise<void> {
    try {
      await shutDown(gateway, options);
    } finally {
      gateways.remove(gateway.name);
    }
  }

  /** Open a profile the settings gained and start it (unless the app is quitting: nothing new starts then). */
  async function openAndStart(name: string): Promise<Gateway | null> {
    const gateway = await openNamed(name);
    if (!gateway) return null;
    if (quitting !== null) {
      await closeGateway(gateway, { stopGateway: false });
      return null;
    }
    wire(gateway);
    // A quit meanwhile disposes it, which ends its start: no failure worth a notification then.
    await gateway.engine.start().catch((error: unknown) => {
      if (quitting === null) throw error;
    });
    return gateway;
  }

  /** "Add gateway…": choose a folder, add it as a profile, and run it at once beside the others. */
  async function addGateway(): Promise<void> {
    bringForward();
    const folder = await chooseFolder(null);
    if (folder === null) return;
    await oneAtATime(async () => {
      // Quit was chosen while the dialog was open: add nothing.
      if (quitting !== null) return;
      let name: string;
      try {
        name = addProfile(profilesStore, { name: newProfileName(folder, profilesStore.profiles().map((p) => p.name)), folder }).name;
      } catch (error) {
        // Not a gateway folder, another profile's folder…: profiles.ts's reason says what to do.
        notify('IBKR Tray: no gateway added', error instanceof Error ? error.message : String(error));
        return;
      }
      const gateway = await openAndStart(name);
      if (gateway) notifyAbout(gateway, `Added the gateway in ${folder}. Rename it with \`ibkr-tray profile rename "${name}" NEW\`.`);
    });
  }

  /**
   * "Remove…": ask, then stop the gateway this app started for the profile (never one it adopted),
   * close it and take it out of the settings. The last gateway that runs is not removed.
   */
  async function removeGateway(name: string): Promise<void> {
    const slot = gateways.find(name);
    if (!slot || gateways.all().length <= 1) return;
    if (slot.gateway !== null && gatewaysNow().length === 1) {
      notifyAbout(slot, `"${slot.name}" is the only gateway that runs: remove the others first, or change its folder in the window.`);
      return;
    }
    const view = slot.gateway?.engine.snapshot().gateway ?? null;
    const stopsIt = view !== null && view.running && view.startedByUs;
    const detail = stopsIt
      ? 'IBKR Tray stops the gateway it started for it. The gateway folder is left as it is.'
      : view?.running === true
        ? 'Its gateway was started outside IBKR Tray and keeps running. The gateway folder is left as it is.'
        : 'The gateway folder is left as it is.';
    bringForward();
    const answer = await dialog.showMessageBox({ type: 'question', title: 'IBKR Tray', message: `Remove the gateway "${slot.name}" from IBKR Tray?`, detail, buttons: ['Remove', 'Cancel'], defaultId: 1, cancelId: 1 });
    if (answer.response !== 0) return;
    await oneAtATime(async () => {
      // Asked again: while the question was open, the app may have started quitting, or the other
      // profiles may have gone (another Remove, `ibkr-tray profile remove`), and the last one stays.
      const now = gateways.find(name);
      if (!now || quitting !== null || gateways.all().length <= 1) return;
      if (now.gateway !== null && gatewaysNow().length === 1) return;
      if (now.gateway !== null) await shutDown(now.gateway, { stopGateway: true });
      try {
        removeProfile(profilesStore, userData, now.name);
      } catch (error) {
        // Still in the settings (its gateway would not stop…): open it again, in its place, rather than lose it from the tray.
        notifyAbout(now, error instanceof Error ? error.message : String(error));
        if (now.gateway !== null) await openAndStart(now.name);
        return;
      }
      gateways.remove(now.name);
    });
  }

  /** Profiles added, removed or renamed by the command while the app runs: open and close them to match. */
  function followSettings(): Promise<void> {
    return oneAtATime(async () => {
      if (quitting !== null) return;
      const { toOpen, toClose } = profileChanges(
        gateways.all().map((slot) => slot.name),
        profilesStore.profiles().map((p) => p.name),
      );
      for (const name of toClose) {
        const slot = gateways.find(name);
        // Gone from the settings: whoever removed it decided about its gateway (the command refuses while one we started runs).
        if (slot?.gateway) await closeGateway(slot.gateway, { stopGateway: false });
        else if (slot) gateways.remove(slot.name);
      }
      // Never the last one: the settings always hold at least one profile, so one is open after the opens.
      for (const name of toOpen) await openAndStart(name);
    });
  }
  const settingsFile = settingsBackend.path;
  let settingsWatch: fs.FSWatcher | null = null;
  try {
    // The folder, not the file: the file is replaced (written aside, then renamed) on every save.
    settingsWatch = fs.watch(path.dirname(settingsFile), (_event, file) => {
      if (file === path.basename(settingsFile)) void followSettings();
    });
    settingsWatch.on('error', (error) => console.error(`IBKR Tray: no longer following the settings file: ${error.message}`));
  } catch (error) {
    console.error(`IBKR Tray: cannot follow the settings file (profiles added by the command appear after a restart): ${error instanceof Error ? error.message : String(error)}`);
  }

  // ---- the status window: a card per profile -------------------------------------------------
  // A gateway added or removed: the window's cards follow (its snapshots reach the page through wire()).
  stops.push(gateways.onChange(() => statusWindow.send(Channels.profiles, gatewaysNow().map((gateway) => gateway.name))));
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

  const removeHandlers = registerInvokeHandlers(ipcMain, () => statusWindow.webContentsId(), {
    [Channels.getSnapshot]: (...to) => windowGateway(to[0]).engine.snapshot(),
    [Channels.getSnapshots]: () => gatewaysNow().map((gateway) => gateway.engine.snapshot()),
    [Channels.send]: (...args) => refusedOr(args[1], (gateway) => dispatch(gateway, args[0])),
    [Channels.getLog]: (...to) => windowGateway(to[0]).engine.log(),
    [Channels.chooseGatewayFolder]: async (...args) => {
      // A typed path when the page sends one; an empty one means "let me browse".
      const folder = args[0]?.trim() || (await chooseFolder(statusWindow.browserWindow()));
      if (folder === null) return { ok: false, reason: 'No folder chosen; the gateway folder is unchanged.' };
      // The profile is looked up after the dialog: it may have been removed while the dialog was open.
      return refusedOr(args[1], (gateway) => dispatch(gateway, { type: 'set-gateway-folder', folder }));
    },
  });

  // After sleep the session may have lapsed or IBKR may have reset it: look now, not at the next poll.
  const refresh = (): void => {
    for (const gateway of gatewaysNow()) void gateway.engine.dispatch({ type: 'refresh' });
  };
  powerMonitor.on('resume', refresh);
  powerMonitor.on('unlock-screen', refresh);

  app.on('before-quit', (event) => {
    if (quitting === 'done') return;
    event.preventDefault();
    quitting ??= (async () => {
      settingsWatch?.close();
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
          console.error(`IBKR Tray: shutting down${several() ? ` ${gateway.name}` : ''}: ${error instanceof Error ? error.message : String(error)}`);
        }
      };
      // The open gateways now, at once: disposing one cancels its start, should an add be starting it
      // (a start may take 30 s, longer than the quit's budget). Then whatever a change under way opened
      // meanwhile (it sees `quitting` and starts nothing new).
      const disposed = new Set<Gateway>();
      const disposeOpen = (): Promise<unknown> =>
        Promise.all(
          gatewaysNow()
            .filter((gateway) => !disposed.has(gateway))
            .map((gateway) => {
              disposed.add(gateway);
              return disposeOne(gateway);
            }),
        );
      try {
        await Promise.race([disposeOpen().then(() => changing).then(disposeOpen), budget]);
      } finally {
        clearTimeout(timer);
      }
      stopRedraw();
      for (const stop of stops) stop();
      await Promise.all([...wiring.values()].map((unwire) => unwire()));
      removeHandlers();
      for (const gateway of gatewaysNow()) gateway.loginWindow.close();
      statusWindow.destroy();
      tray.destroy();
      quitting = 'done';
      app.quit();
    })();
  });

  // First run: nothing to manage until the user has chosen the gateway folder; the window asks.
  if (first.engine.snapshot().gateway.folder === null) showWindow();
  await Promise.all(gatewaysNow().map((gateway) => gateway.engine.start()));
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
