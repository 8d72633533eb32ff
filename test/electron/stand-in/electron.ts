/**
 * The stand-in for Electron's main-process API: what `import … from 'electron'` gives the real
 * out/main/electron/main.js when the test harness runs it on Node (register.mjs resolves 'electron'
 * here). Only the parts the shell and electron-store use exist; each behaves as Electron documents
 * (see web.ts for windows and pages). Every export is checked against Electron's own type definitions
 * at the bottom of this file, so the stand-in cannot drift from the real API's shapes.
 *
 * Long on purpose: it is one API surface, and splitting it by class would scatter the type checks.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Electron from 'electron';
import { isProcessAlive } from '../../../src/main/core/gateway/process-tree.js';
import { ipcMain } from './ipc.js';
import type { MenuItemView, WindowView } from './records.js';
import { changed, closeBrowser, currentState, customSchemes, newId, options, records, theBrowser, views } from './runtime.js';
import { checkPreload, defaultSession, fromPartition, preventable, StandInWebContents, type StandInSession } from './web.js';

const packageJson = JSON.parse(fs.readFileSync(path.join(options.appPath, 'package.json'), 'utf8')) as { productName?: string; name: string; version: string };

// ---------------------------------------------------------------------------------------------- app

class StandInApp extends EventEmitter {
  readonly isPackaged = false;
  private ready = false;
  private readonly whenReadyPromise: Promise<void>;
  private quitting = false;
  private lockFile: string | null = null;
  /** Called by launch.mjs once the app's main script has been evaluated, as Electron does. */
  readonly becomeReady: () => void;
  readonly dock: { hide(): void; show(): Promise<void>; isVisible(): boolean } | undefined;

  constructor() {
    super();
    let resolveReady: () => void = () => undefined;
    this.whenReadyPromise = new Promise((resolve) => (resolveReady = resolve));
    this.becomeReady = () =>
      void theBrowser().then(() => {
        if (this.quitting) return;
        this.ready = true;
        records.ready = true;
        changed();
        this.emit('ready', preventable(), {});
        resolveReady();
      });
    // The platform the shell was started on (launch.mjs shows it main.js), not the machine's.
    this.dock =
      (options.platform ?? process.platform) === 'darwin'
        ? {
            hide: () => {
              records.dockHidden = true;
              changed();
            },
            show: async () => {
              records.dockHidden = false;
              changed();
            },
            isVisible: () => !records.dockHidden,
          }
        : undefined;
  }

  whenReady(): Promise<void> {
    return this.whenReadyPromise;
  }

  isReady(): boolean {
    return this.ready;
  }

  getAppPath(): string {
    return options.appPath;
  }

  getName(): string {
    return packageJson.productName ?? packageJson.name;
  }

  getVersion(): string {
    return packageJson.version;
  }

  getPath(name: string): string {
    switch (name) {
      case 'userData':
        return options.userData;
      case 'appData':
        return path.dirname(options.userData);
      case 'home':
        return options.home;
      case 'temp':
        return os.tmpdir();
      case 'exe':
        return process.execPath;
      case 'logs':
        return path.join(options.userData, 'logs');
      default:
        throw new Error(`Failed to get '${name}' path`);
    }
  }

  /**
   * The single-instance lock, across processes as Chromium's is (a lock file in userData with the
   * holder's pid; a second instance leaves a message that the holder turns into 'second-instance').
   */
  requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean {
    const lock = path.join(options.userData, 'SingletonLock');
    const inbox = path.join(options.userData, 'SingletonInbox');
    fs.mkdirSync(inbox, { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
        this.lockFile = lock;
        records.singleInstanceLock = true;
        changed();
        const watcher = fs.watch(inbox, () => {
          for (const file of fs.readdirSync(inbox)) {
            const message = JSON.parse(fs.readFileSync(path.join(inbox, file), 'utf8')) as { argv: string[]; cwd: string; data: unknown };
            fs.rmSync(path.join(inbox, file), { force: true });
            this.emit('second-instance', preventable(), message.argv, message.cwd, message.data);
          }
        });
        watcher.unref();
        return true;
      } catch {
        const holder = Number(fs.readFileSync(lock, 'utf8'));
        if (holder !== process.pid && isProcessAlive(holder)) {
          // Written aside and renamed in, so the holder never reads half a message.
          const message = path.join(options.userData, `SingletonMessage-${process.pid}`);
          fs.writeFileSync(message, JSON.stringify({ argv: process.argv, cwd: process.cwd(), data: additionalData ?? null }));
          fs.renameSync(message, path.join(inbox, `${process.pid}.json`));
          records.singleInstanceLock = false;
          changed();
          return false;
        }
        fs.rmSync(lock, { force: true }); // left by an instance that died
      }
    }
    return false;
  }

  releaseSingleInstanceLock(): void {
    if (this.lockFile) fs.rmSync(this.lockFile, { force: true });
    this.lockFile = null;
  }

  /**
   * Electron: before-quit (preventable), then every window is closed (each 'close' preventable: one
   * prevented close cancels the quit), then will-quit (preventable), quit, and the process exits.
   */
  quit(): void {
    const beforeQuit = preventable();
    this.emit('before-quit', beforeQuit);
    if (beforeQuit.defaultPrevented) return;
    records.quitting = true;
    changed();
    for (const window of [...windows]) {
      if (window.isDestroyed()) continue;
      window.close();
      if (!window.isDestroyed()) return;
    }
    const willQuit = preventable();
    this.emit('will-quit', willQuit);
    if (willQuit.defaultPrevented) return;
    this.emit('quit', preventable(), 0);
    this.exit(0);
  }

  /** Exit now, without quit events (Electron's app.exit). */
  exit(code = 0): void {
    this.quitting = true;
    this.releaseSingleInstanceLock();
    void (async () => {
      await closeBrowser();
      const finalState = currentState();
      if (process.connected) process.send?.({ type: 'state', state: finalState }, () => process.exit(code));
      else process.exit(code);
    })();
  }

  focus(focusOptions?: { steal: boolean }): void {
    records.focusCalls.push({ steal: focusOptions?.steal === true });
    changed();
  }

  setAppUserModelId(_id: string): void {}

  setLoginItemSettings(settings: Electron.Settings): void {
    records.loginItemSettings = { ...settings };
    changed();
  }

  getLoginItemSettings(): Electron.LoginItemSettings {
    return { openAtLogin: records.loginItemSettings?.['openAtLogin'] === true } as Electron.LoginItemSettings;
  }
}

export const app = new StandInApp();

/** The app's main script has run: launch Chromium and emit 'ready'. */
export function startApp(): void {
  app.becomeReady();
}

// ------------------------------------------------------------------------------------ BrowserWindow

const windows = new Set<StandInBrowserWindow>();

class StandInBrowserWindow extends EventEmitter {
  readonly id = newId();
  readonly webContents: StandInWebContents;
  private visible: boolean;
  private focused = false;
  private destroyed = false;
  private title: string;
  private readonly webPreferences: Electron.WebPreferences;
  private readonly width: number;
  private readonly height: number;

  constructor(windowOptions: Electron.BrowserWindowConstructorOptions = {}) {
    super();
    if (!app.isReady()) throw new Error('Cannot create BrowserWindow before app is ready');
    this.webPreferences = { ...(windowOptions.webPreferences ?? {}) };
    this.width = windowOptions.width ?? 800;
    this.height = windowOptions.height ?? 600;
    this.visible = windowOptions.show !== false;
    this.focused = this.visible;
    this.title = windowOptions.title ?? app.getName();
    const partition = this.webPreferences.partition ?? '';
    const session = (this.webPreferences.session as unknown as StandInSession | undefined) ?? fromPartition(partition);
    const preload = checkPreload(this.webPreferences.preload);
    let readyToShow = false;
    this.webContents = new StandInWebContents(session, preload, { width: this.width, height: this.height }, () => {
      if (readyToShow) return;
      readyToShow = true;
      this.emit('ready-to-show', preventable());
    });
    windows.add(this);
    const view = (): ReturnType<typeof this.view> => this.view();
    views.windows.add(view);
    app.emit('web-contents-created', preventable(), this.webContents);
    changed();
  }

  private view(): WindowView {
    const contents = this.webContents;
    return {
      id: this.id,
      webContentsId: contents.id,
      title: contents.title || this.title,
      url: contents.getURL(),
      visible: this.visible && !this.destroyed,
      focused: this.focused && !this.destroyed,
      destroyed: this.destroyed,
      partition: contents.session.partition,
      webPreferences: JSON.parse(JSON.stringify(this.webPreferences)) as Record<string, unknown>,
      width: this.width,
      height: this.height,
      text: contents.text,
      failedLoads: [...contents.failedLoads],
      finishedLoads: [...contents.finishedLoads],
    };
  }

  static getAllWindows(): StandInBrowserWindow[] {
    return [...windows].filter((window) => !window.isDestroyed());
  }

  static getFocusedWindow(): StandInBrowserWindow | null {
    return StandInBrowserWindow.getAllWindows().find((window) => window.isFocused()) ?? null;
  }

  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }

  show(): void {
    this.visible = true;
    this.focused = true;
    this.emit('show');
    changed();
  }

  hide(): void {
    this.visible = false;
    this.focused = false;
    this.emit('hide');
    changed();
  }

  focus(): void {
    this.focused = true;
    this.emit('focus');
    changed();
  }

  isVisible(): boolean {
    return this.visible && !this.destroyed;
  }

  isFocused(): boolean {
    return this.focused && !this.destroyed;
  }

  isMinimized(): boolean {
    return false;
  }

  restore(): void {}

  setTitle(title: string): void {
    this.title = title;
    changed();
  }

  getTitle(): string {
    return this.webContents.title || this.title;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** As the user's close button or app.quit(): 'close' may be prevented; otherwise the window goes. */
  close(): void {
    if (this.destroyed) return;
    const event = preventable();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroyNow();
  }

  /** Electron: no 'close' event, the window is gone at once. */
  destroy(): void {
    this.destroyNow();
  }

  private destroyNow(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    void this.webContents.destroy();
    this.emit('closed');
    changed();
    if (StandInBrowserWindow.getAllWindows().length === 0) app.emit('window-all-closed', preventable());
  }
}

export const BrowserWindow = StandInBrowserWindow;

/** For the control channel: a window by id. */
export function findWindow(id: number): StandInBrowserWindow {
  const found = [...windows].find((window) => window.id === id);
  if (!found) throw new Error(`No window ${id}`);
  return found;
}

// ------------------------------------------------------------------------------------- Menu, Tray

class StandInMenuItem {
  readonly type: MenuItemView['type'];
  readonly label: string;
  enabled: boolean;
  checked: boolean;
  readonly visible: boolean;
  readonly submenu: StandInMenu | null;
  readonly icon: StandInNativeImage | null;
  readonly click: ((item: StandInMenuItem, window: StandInBrowserWindow | null, event: object) => void) | undefined;

  constructor(template: Electron.MenuItemConstructorOptions) {
    const submenu = template.submenu;
    this.submenu = submenu ? (submenu instanceof StandInMenu ? submenu : StandInMenu.buildFromTemplate(submenu as Electron.MenuItemConstructorOptions[])) : null;
    this.type = (template.type ?? (this.submenu ? 'submenu' : 'normal')) as MenuItemView['type'];
    this.label = template.label ?? '';
    this.enabled = template.enabled ?? true;
    this.checked = template.checked ?? false;
    this.visible = template.visible ?? true;
    this.icon = template.icon === undefined ? null : imageOf(template.icon);
    this.click = template.click as StandInMenuItem['click'];
  }

  view(): MenuItemView {
    const icon = this.icon?.file ? path.relative(options.appPath, this.icon.file) : null;
    return { type: this.type, label: this.label, enabled: this.enabled, checked: this.checked, visible: this.visible, submenu: this.submenu?.view() ?? null, icon };
  }
}

class StandInMenu {
  constructor(readonly items: StandInMenuItem[] = []) {}

  static buildFromTemplate(template: (Electron.MenuItemConstructorOptions | StandInMenuItem)[]): StandInMenu {
    return new StandInMenu(template.map((item) => (item instanceof StandInMenuItem ? item : new StandInMenuItem(item))));
  }

  view(): MenuItemView[] {
    return this.items.map((item) => item.view());
  }

  /**
   * What a user's click on the item at `labels` does in Electron: nothing when it is disabled or
   * hidden; a checkbox flips, a radio item becomes the checked one of its group; then its click runs.
   */
  click(labels: readonly string[], from = 0): void {
    const [first, ...rest] = labels;
    // `from`: where the search starts (a profile's section: several sections have a "Stop gateway").
    const index = this.items.findIndex((item, at) => at >= from && item.label === first && item.visible);
    const item = this.items[index];
    if (!item) throw new Error(`No menu item "${first}" (the menu has: ${this.items.map((i) => i.label || i.type).join(', ')})`);
    if (!item.enabled) throw new Error(`Menu item "${first}" is disabled: a user cannot choose it`);
    if (rest.length > 0) {
      if (!item.submenu) throw new Error(`Menu item "${first}" has no submenu`);
      item.submenu.click(rest);
      return;
    }
    if (item.type === 'checkbox') item.checked = !item.checked;
    if (item.type === 'radio') {
      // A radio group is a run of adjacent radio items.
      let start = index;
      while (start > 0 && this.items[start - 1]?.type === 'radio') start--;
      for (let at = start; at < this.items.length && this.items[at]?.type === 'radio'; at++) this.items[at]!.checked = at === index;
    }
    item.click?.(item, StandInBrowserWindow.getFocusedWindow(), { shiftKey: false, ctrlKey: false, altKey: false, metaKey: false, triggeredByAccelerator: false });
  }
}

export const Menu = StandInMenu;
export const MenuItem = StandInMenuItem;

class StandInNativeImage {
  private template = false;
  constructor(readonly file: string | null) {}

  setTemplateImage(option: boolean): void {
    this.template = option;
  }

  isTemplateImage(): boolean {
    return this.template;
  }

  /** Electron gives an empty image for a file it cannot read. */
  isEmpty(): boolean {
    return this.file === null || !fs.existsSync(this.file);
  }
}

export const nativeImage = {
  createFromPath: (file: string): Electron.NativeImage => new StandInNativeImage(file) as unknown as Electron.NativeImage,
  createEmpty: (): Electron.NativeImage => new StandInNativeImage(null) as unknown as Electron.NativeImage,
};

/** The tray icon; trays[] lets the control channel click it. */
export const trays: StandInTray[] = [];

class StandInTray extends EventEmitter {
  readonly id = newId();
  private image: StandInNativeImage;
  private tooltip = '';
  private contextMenu: StandInMenu | null = null;
  poppedUp: StandInMenu | null = null;
  private destroyed = false;

  constructor(image: Electron.NativeImage | string) {
    super();
    this.image = imageOf(image);
    trays.push(this);
    views.trays.add(() => ({
      id: this.id,
      image: this.image.file ? path.relative(options.appPath, this.image.file) : null,
      imageIsTemplate: this.image.isTemplateImage(),
      imageExists: !this.image.isEmpty(),
      tooltip: this.tooltip,
      contextMenu: this.contextMenu?.view() ?? null,
      poppedUpMenu: this.poppedUp?.view() ?? null,
      destroyed: this.destroyed,
      listening: this.eventNames().map(String),
    }));
    changed();
  }

  setImage(image: Electron.NativeImage | string): void {
    this.image = imageOf(image);
    changed();
  }

  setToolTip(toolTip: string): void {
    this.tooltip = toolTip;
    changed();
  }

  setContextMenu(menu: Electron.Menu | null): void {
    this.contextMenu = menu as unknown as StandInMenu | null;
    changed();
  }

  popUpContextMenu(menu?: Electron.Menu): void {
    this.poppedUp = (menu as unknown as StandInMenu | undefined) ?? this.contextMenu;
    changed();
  }

  /** The menu a user sees from this icon: the context menu, or the one last popped up (macOS). */
  menu(): StandInMenu | null {
    return this.contextMenu ?? this.poppedUp;
  }

  destroy(): void {
    this.destroyed = true;
    changed();
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  override on(eventName: string | symbol, listener: (...args: unknown[]) => void): this {
    super.on(eventName, listener);
    changed();
    return this;
  }
}

function imageOf(image: Electron.NativeImage | string): StandInNativeImage {
  return typeof image === 'string' ? new StandInNativeImage(image) : (image as unknown as StandInNativeImage);
}

export const Tray = StandInTray;

// ------------------------------------------------------------------------------------ Notification

export const notifications: StandInNotification[] = [];

class StandInNotification extends EventEmitter {
  readonly id = newId();
  private shown = false;
  private closed = false;

  static isSupported(): boolean {
    return true;
  }

  constructor(private readonly notificationOptions: Electron.NotificationConstructorOptions = {}) {
    super();
    notifications.push(this);
    views.notifications.add(() => ({
      id: this.id,
      title: this.notificationOptions.title ?? '',
      body: this.notificationOptions.body ?? '',
      shown: this.shown,
      closed: this.closed,
      clickable: this.listenerCount('click') > 0,
    }));
  }

  show(): void {
    this.shown = true;
    this.emit('show', preventable());
    changed();
  }

  close(): void {
    this.closed = true;
    this.emit('close', preventable());
    changed();
  }

  override on(eventName: string | symbol, listener: (...args: unknown[]) => void): this {
    super.on(eventName, listener);
    changed();
    return this;
  }
}

export const Notification = StandInNotification;

// -------------------------------------------------------------------- dialog, shell, clipboard, …

const dialogAnswers = [...(options.openDialogAnswers ?? [])];
const messageBoxAnswers = [...(options.messageBoxAnswers ?? [])];

export const dialog = {
  showOpenDialog(windowOrOptions: Electron.BaseWindow | Electron.OpenDialogOptions, maybeOptions?: Electron.OpenDialogOptions): Promise<Electron.OpenDialogReturnValue> {
    const dialogOptions = (maybeOptions ?? windowOrOptions) as Electron.OpenDialogOptions;
    const answer = dialogAnswers.length > 0 ? (dialogAnswers.shift() ?? null) : null;
    records.openDialogs.push({ title: dialogOptions.title ?? '', answered: answer });
    changed();
    return Promise.resolve({ canceled: answer === null, filePaths: answer === null ? [] : [answer] });
  },
  showMessageBox(windowOrOptions: Electron.BaseWindow | Electron.MessageBoxOptions, maybeOptions?: Electron.MessageBoxOptions): Promise<Electron.MessageBoxReturnValue> {
    const boxOptions = (maybeOptions ?? windowOrOptions) as Electron.MessageBoxOptions;
    const buttons = boxOptions.buttons ?? ['OK'];
    const label = messageBoxAnswers.shift();
    // Electron's default cancelId: the button labelled Cancel or No, else 0.
    const dismissed = boxOptions.cancelId ?? Math.max(0, buttons.findIndex((b) => /^(cancel|no)$/i.test(b)));
    const response = label === undefined ? dismissed : buttons.indexOf(label);
    if (response === -1) return Promise.reject(new Error(`The message box "${boxOptions.message}" has no button "${label}" (it has ${buttons.join(', ')})`));
    records.messageBoxes.push({ message: boxOptions.message, detail: boxOptions.detail ?? '', buttons, answered: response });
    changed();
    return Promise.resolve({ response, checkboxChecked: false });
  },
  showErrorBox(title: string, content: string): void {
    records.errorBoxes.push({ title, content });
    changed();
  },
};

export const shell = {
  openExternal(url: string): Promise<void> {
    records.openedExternal.push(url);
    changed();
    return options.openExternalFails ? Promise.reject(new Error(`Failed to open ${url}: no application is registered for it`)) : Promise.resolve();
  },
  openPath(_path: string): Promise<string> {
    return Promise.resolve('');
  },
};

export const clipboard = {
  writeText(text: string): Promise<void> {
    records.clipboard = text;
    changed();
    return Promise.resolve();
  },
  readText(): Promise<string> {
    return Promise.resolve(records.clipboard);
  },
};

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json', '.ico': 'image/x-icon' };

export const net = {
  /** Electron's net.fetch reads file: URLs too (that is how protocol handlers serve files). */
  async fetch(input: string | Request, init?: RequestInit): Promise<Response> {
    const url = typeof input === 'string' ? input : input.url;
    if (!url.startsWith('file:')) return fetch(input, init);
    const file = fileURLToPath(url);
    try {
      const body = await fs.promises.readFile(file);
      return new Response(body, { status: 200, headers: { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' } });
    } catch {
      throw new Error(`net::ERR_FILE_NOT_FOUND: ${url}`);
    }
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes: Electron.CustomScheme[]): void {
    // Chromium fixes scheme privileges at start-up: Electron ignores this once the app is ready.
    if (app.isReady()) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    for (const scheme of schemes) customSchemes.add(scheme.scheme);
  },
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    if (defaultSession.protocolHandlers.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
    defaultSession.protocolHandlers.set(scheme, handler);
  },
  unhandle(scheme: string): void {
    defaultSession.protocolHandlers.delete(scheme);
  },
  isProtocolHandled(scheme: string): boolean {
    return defaultSession.protocolHandlers.has(scheme);
  },
};

export const session = {
  get defaultSession(): Electron.Session {
    return defaultSession as unknown as Electron.Session;
  },
  fromPartition(partition: string, _options?: Electron.FromPartitionOptions): Electron.Session {
    return fromPartition(partition) as unknown as Electron.Session;
  },
};

export const powerMonitor = new EventEmitter();

export { ipcMain };

const electron = { app, BrowserWindow, Menu, MenuItem, Tray, Notification, nativeImage, dialog, shell, clipboard, net, protocol, session, powerMonitor, ipcMain };
export default electron;

// ----------------------------------------------------------- checked against Electron's own types
// Type-level only (nothing runs): each stand-in must fit the real API's member types, or tsc fails.

/** Compiles only when Actual fits Expected. */
type Fits<Actual extends Expected, Expected> = Actual;
type AppSurface = 'whenReady' | 'isReady' | 'getAppPath' | 'getName' | 'getVersion' | 'getPath' | 'requestSingleInstanceLock' | 'releaseSingleInstanceLock' | 'quit' | 'exit' | 'focus' | 'setAppUserModelId' | 'setLoginItemSettings' | 'getLoginItemSettings' | 'isPackaged';
export type _App = Fits<Pick<StandInApp, AppSurface>, Pick<Electron.App, AppSurface>>;
export type _Dock = Fits<NonNullable<StandInApp['dock']>, Pick<NonNullable<Electron.App['dock']>, 'hide' | 'show' | 'isVisible'>>;
type WindowSurface = 'id' | 'loadURL' | 'show' | 'hide' | 'focus' | 'isVisible' | 'isFocused' | 'isMinimized' | 'restore' | 'setTitle' | 'getTitle' | 'isDestroyed' | 'close' | 'destroy';
export type _BrowserWindow = Fits<Pick<StandInBrowserWindow, WindowSurface>, Pick<Electron.BrowserWindow, WindowSurface>>;
export type _BrowserWindowStatic = Fits<Pick<typeof StandInBrowserWindow, 'getAllWindows' | 'getFocusedWindow'>, { getAllWindows(): unknown[]; getFocusedWindow(): unknown }>;
export type _WindowOptions = Fits<ConstructorParameters<typeof Electron.BrowserWindow>, ConstructorParameters<typeof StandInBrowserWindow>>;
type ContentsSurface = 'id' | 'getURL' | 'getTitle' | 'isDestroyed' | 'send' | 'loadURL';
export type _WebContents = Fits<Pick<StandInWebContents, ContentsSurface>, Pick<Electron.WebContents, ContentsSurface>>;
export type _WindowOpenHandler = Fits<Parameters<Electron.WebContents['setWindowOpenHandler']>[0], Parameters<StandInWebContents['setWindowOpenHandler']>[0]>;
export type _PermissionRequest = Fits<Parameters<Electron.Session['setPermissionRequestHandler']>[0], Parameters<StandInSession['setPermissionRequestHandler']>[0]>;
export type _PermissionCheck = Fits<Parameters<Electron.Session['setPermissionCheckHandler']>[0], Parameters<StandInSession['setPermissionCheckHandler']>[0]>;
export type _DevicePermission = Fits<Parameters<Electron.Session['setDevicePermissionHandler']>[0], Parameters<StandInSession['setDevicePermissionHandler']>[0]>;
export type _CertificateVerifyProc = Fits<Parameters<Electron.Session['setCertificateVerifyProc']>[0], Parameters<StandInSession['setCertificateVerifyProc']>[0]>;
export type _ClearStorage = Fits<ReturnType<StandInSession['clearStorageData']>, ReturnType<Electron.Session['clearStorageData']>>;
type TraySurface = 'setImage' | 'setToolTip' | 'setContextMenu' | 'popUpContextMenu' | 'destroy' | 'isDestroyed';
export type _Tray = Fits<Pick<StandInTray, TraySurface>, Pick<Electron.Tray, TraySurface>>;
export type _TrayImage = Fits<ConstructorParameters<typeof Electron.Tray>[0], ConstructorParameters<typeof StandInTray>[0]>;
export type _Notification = Fits<Pick<StandInNotification, 'show' | 'close'>, Pick<Electron.Notification, 'show' | 'close'>>;
export type _NotificationOptions = Fits<ConstructorParameters<typeof Electron.Notification>, ConstructorParameters<typeof StandInNotification>>;
export type _NotificationStatic = Fits<Pick<typeof StandInNotification, 'isSupported'>, Pick<typeof Electron.Notification, 'isSupported'>>;
export type _MenuTemplate = Fits<Electron.MenuItemConstructorOptions[], Parameters<typeof StandInMenu.buildFromTemplate>[0]>;
export type _NativeImageModule = Fits<typeof nativeImage, Pick<typeof Electron.nativeImage, 'createFromPath' | 'createEmpty'>>;
export type _NativeImage = Fits<Pick<StandInNativeImage, 'setTemplateImage' | 'isTemplateImage' | 'isEmpty'>, Pick<Electron.NativeImage, 'setTemplateImage' | 'isTemplateImage' | 'isEmpty'>>;
export type _Dialog = Fits<Pick<typeof dialog, 'showErrorBox'>, Pick<Electron.Dialog, 'showErrorBox'>>;
export type _MessageBox = Fits<typeof dialog.showMessageBox, (window: Electron.BaseWindow, options: Electron.MessageBoxOptions) => Promise<Electron.MessageBoxReturnValue>>;
export type _OpenDialog = Fits<typeof dialog.showOpenDialog, (window: Electron.BaseWindow, options: Electron.OpenDialogOptions) => Promise<Electron.OpenDialogReturnValue>>;
export type _Shell = Fits<typeof shell, Pick<Electron.Shell, 'openExternal' | 'openPath'>>;
export type _Clipboard = Fits<typeof clipboard, Pick<Electron.Clipboard, 'writeText' | 'readText'>>;
export type _Net = Fits<typeof net, Pick<Electron.Net, 'fetch'>>;
export type _Protocol = Fits<typeof protocol, Pick<Electron.Protocol, 'registerSchemesAsPrivileged' | 'handle' | 'unhandle' | 'isProtocolHandled'>>;
export type _SessionModule = Fits<typeof session, Pick<typeof Electron.session, 'defaultSession' | 'fromPartition'>>;
export type _IpcMain = Fits<Pick<typeof ipcMain, 'handle' | 'handleOnce' | 'removeHandler'>, Pick<Electron.IpcMain, 'handle' | 'handleOnce' | 'removeHandler'>>;
