/**
 * The app's two windows. The status window shows the page from out/renderer (the same page as the
 * web dashboard) with every Electron security setting spelled out; it is created on demand and hidden,
 * not destroyed, on close. The login window shows the gateway's own login page on an in-memory
 * session, pinned to the gateway's origin and certificate, and closes itself when the ENGINE reports
 * ready (never on the page's "Client login succeeds", which proves nothing: gateway-facts §6).
 */
import { BrowserWindow, session, shell, type Session, type WebContents, type WebPreferences } from 'electron';
import type { AppSnapshot } from '../../shared/snapshot.js';
import {
  APP_PAGE_URL,
  grantsPermission,
  isAllowedNavigation,
  isAppUrl,
  isSafeExternalUrl,
  verifyLoginCertificate,
} from './security.js';

/** Electron's security settings, spelled out rather than left to defaults that changed over versions. */
const SECURE_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
} as const satisfies WebPreferences;

/** Deny window.open; hand plain http(s) links to the system browser after the URL check. */
function sendLinksToBrowser(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Deny every permission request and check (camera, notifications, clipboard, …) in a session. */
export function denyAllPermissions(target: Session): void {
  target.setPermissionRequestHandler((_contents, permission, callback) => callback(grantsPermission(permission)));
  target.setPermissionCheckHandler((_contents, permission) => grantsPermission(permission));
  target.setDevicePermissionHandler(() => false);
}

export interface StatusWindowOptions {
  /** out/preload/index.cjs */
  readonly preload: string;
  /** The window icon (Linux and Windows). */
  readonly icon: string;
}

/** The "Open IBKR Tray" window. */
export class StatusWindow {
  private window: BrowserWindow | null = null;
  private quitting = false;

  constructor(private readonly options: StatusWindowOptions) {}

  /** The page's WebContents id, for the IPC sender check; null while the window does not exist. */
  webContentsId(): number | null {
    return this.window && !this.window.isDestroyed() ? this.window.webContents.id : null;
  }

  /** The window, for dialogs that belong to it; null while it does not exist. */
  browserWindow(): BrowserWindow | null {
    return this.window && !this.window.isDestroyed() ? this.window : null;
  }

  /** Show the window, creating it the first time. */
  show(): void {
    const existing = this.window;
    if (existing && !existing.isDestroyed()) {
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return;
    }
    const window = new BrowserWindow({
      width: 380,
      height: 560,
      minWidth: 320,
      minHeight: 400,
      show: false,
      title: 'IBKR Tray',
      icon: this.options.icon,
      autoHideMenuBar: true,
      webPreferences: { ...SECURE_PREFERENCES, preload: this.options.preload, spellcheck: false },
    });
    this.window = window;
    sendLinksToBrowser(window.webContents);
    window.webContents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    window.once('ready-to-show', () => window.show());
    // Hidden, not destroyed: the page keeps its state and reopens instantly from the tray.
    window.on('close', (event) => {
      if (this.quitting) return;
      event.preventDefault();
      window.hide();
    });
    window.on('closed', () => {
      if (this.window === window) this.window = null;
    });
    void window.loadURL(APP_PAGE_URL);
  }

  /** Push a message to the page (snapshots, log lines) when the window exists. */
  send(channel: string, payload: unknown): void {
    const window = this.window;
    if (window && !window.isDestroyed()) window.webContents.send(channel, payload);
  }

  /** Let the window really close: the app is quitting. */
  destroy(): void {
    this.quitting = true;
    if (this.window && !this.window.isDestroyed()) this.window.destroy();
    this.window = null;
  }
}

export interface LoginWindowOptions {
  /** The login page's session partition. No "persist:" prefix: in memory, no cookies on disk. */
  readonly partition: string;
  readonly icon: string;
  /** The latest snapshot (for the gateway's origin and pinned fingerprint). */
  readonly snapshot: () => AppSnapshot;
  /** The user closed the window before the engine reported ready. */
  readonly onClosedByUser: () => void;
}

/** The embedded login page (gateway-facts §6): the gateway's own form, nothing of ours inside it. */
export class LoginWindow {
  private window: BrowserWindow | null = null;
  private closingByItself = false;
  private readonly session: Session;

  constructor(private readonly options: LoginWindowOptions) {
    this.session = session.fromPartition(options.partition, { cache: false });
    denyAllPermissions(this.session);
    // Chromium refuses the gateway's expired self-signed certificate; accept exactly the pinned one,
    // for the gateway's host only, with the same predicate the HTTPS client uses. A verify proc covers
    // the page's scripts, XHRs and WebSocket too, not just navigations.
    this.session.setCertificateVerifyProc((request, callback) => {
      callback(verifyLoginCertificate(request, this.options.snapshot().gateway));
    });
  }

  /** Open (or bring forward) the login window at `url`, the gateway's own address. */
  open(url: string): void {
    if (!isAllowedNavigation(url, this.options.snapshot().gateway.url)) {
      throw new Error(`The login page must be on the gateway (${this.options.snapshot().gateway.url}), not ${url}.`);
    }
    const existing = this.window;
    if (existing && !existing.isDestroyed()) {
      existing.show();
      existing.focus();
      return;
    }
    const window = new BrowserWindow({
      width: 900,
      height: 760,
      title: 'Log in to Interactive Brokers',
      icon: this.options.icon,
      autoHideMenuBar: true,
      // No preload: nothing of ours runs in IBKR's page.
      webPreferences: { ...SECURE_PREFERENCES, partition: this.options.partition },
    });
    this.window = window;
    this.closingByItself = false;
    const gatewayUrl = (): string => this.options.snapshot().gateway.url;
    sendLinksToBrowser(window.webContents);
    window.webContents.on('will-navigate', (event, target) => {
      if (isAllowedNavigation(target, gatewayUrl())) return;
      event.preventDefault();
      // A link the user clicked (help, password reset) opens in their browser, never in here.
      if (isSafeExternalUrl(target)) void shell.openExternal(target);
    });
    // The gateway redirects / to /sso/Login on its own origin; anything else (paths it bounces to
    // proxyRemoteHost, gateway-facts §4) stays out of this window.
    window.webContents.on('will-redirect', (event, target) => {
      if (!isAllowedNavigation(target, gatewayUrl())) event.preventDefault();
    });
    window.on('closed', () => {
      if (this.window === window) this.window = null;
      // Nothing of the login page needs to outlive it: the gateway keeps the session cookies itself.
      void this.session.clearStorageData();
      if (!this.closingByItself) this.options.onClosedByUser();
    });
    void window.loadURL(url);
  }

  /** Follow the engine: close once it reports ready (the API, not the page, says the login worked). */
  draw(snapshot: AppSnapshot): void {
    if (snapshot.state === 'ready') this.close();
  }

  /** Close without counting it as the user's cancel. */
  close(): void {
    const window = this.window;
    if (!window || window.isDestroyed()) return;
    this.closingByItself = true;
    window.close();
  }
}
