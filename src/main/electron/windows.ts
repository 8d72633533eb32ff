/**
 * The app's two windows. The status window shows the page from out/renderer (the same page as the
 * web dashboard) with every Electron security setting spelled out; it is created on demand and hidden,
 * not destroyed, on close. The login window shows the gateway's own login page on an in-memory
 * session, pinned to the gateway's origin and certificate, and closes itself when the ENGINE reports
 * ready (never on the page's "Client login succeeds", which proves nothing: gateway-facts §6).
 */
import { BrowserWindow, session, shell, type Session, type WebContents, type WebPreferences } from 'electron';
import type { AppSnapshot } from '../../shared/snapshot.js';
import { isPostLoginPage, LOAD_ABORTED, loginPageProblem } from './login-page.js';
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

/** Bring back a window that exists: un-minimize it (a login window too), show it, focus it. */
function reveal(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

/** Said to the user when something a window asked for could not be done (one line). */
export type ReportProblem = (problem: string) => void;

/**
 * Hand a plain http(s) link to the system browser. openExternal rejects when no browser is registered:
 * say so instead of leaving an unhandled rejection (Electron's "JavaScript error" dialog).
 */
export function openInBrowser(url: string, report: ReportProblem): void {
  shell.openExternal(url).catch((error: unknown) => report(`Could not open ${url} in your browser (${error instanceof Error ? error.message : String(error)}).`));
}

/** Deny window.open; hand plain http(s) links to the system browser after the URL check. */
function sendLinksToBrowser(contents: WebContents, report: ReportProblem): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) openInBrowser(url, report);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * Answer every permission request and check in a session with grantsPermission: everything is
 * denied, except the clipboard write of the app's own page (without it the log's Copy button fails).
 */
export function guardPermissions(target: Session): void {
  target.setPermissionRequestHandler((_contents, permission, callback, details) => callback(grantsPermission(permission, details.requestingUrl)));
  target.setPermissionCheckHandler((_contents, permission, requestingOrigin) => grantsPermission(permission, requestingOrigin));
  target.setDevicePermissionHandler(() => false);
}

export interface StatusWindowOptions {
  /** out/preload/index.cjs */
  readonly preload: string;
  /** The window icon (Linux and Windows). */
  readonly icon: string;
  readonly report: ReportProblem;
  /** How many profiles' cards the page will show: two or more open the window two cards wide. */
  readonly profileCount: () => number;
}

/** One card's width (the page's layout fits one card in 380 px, two side by side in 760). */
const CARD_WIDTH = 380;

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
      reveal(existing);
      return;
    }
    const window = new BrowserWindow({
      // Several profiles: two cards side by side, so both states show at a glance (the page wraps more).
      width: this.options.profileCount() > 1 ? 2 * CARD_WIDTH : CARD_WIDTH,
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
    sendLinksToBrowser(window.webContents, this.options.report);
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
    // The page is the app's own file: a failure here is a broken installation, not the user's doing.
    window.loadURL(APP_PAGE_URL).catch((error: unknown) => this.options.report(`The IBKR Tray window could not load its page (${error instanceof Error ? error.message : String(error)}): reinstall the app.`));
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
  /** The user closed the window before the engine reported ready (or it closed because the page failed). */
  readonly onClosedByUser: () => void;
  /** The login page did not load (gateway down, certificate not the pinned one): say why. */
  readonly report: ReportProblem;
  /** The page reached the gateway's "Client login succeeds": a hint to check the session now. */
  readonly onLoginPageDone: () => void;
}

/** The embedded login page (gateway-facts §6): the gateway's own form, nothing of ours inside it. */
export class LoginWindow {
  private window: BrowserWindow | null = null;
  private closingByItself = false;
  private readonly session: Session;

  constructor(private readonly options: LoginWindowOptions) {
    this.session = session.fromPartition(options.partition, { cache: false });
    guardPermissions(this.session);
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
      reveal(existing);
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
    sendLinksToBrowser(window.webContents, this.options.report);
    window.webContents.on('will-navigate', (event, target) => {
      if (isAllowedNavigation(target, gatewayUrl())) return;
      event.preventDefault();
      // A link the user clicked (help, password reset) opens in their browser, never in here.
      if (isSafeExternalUrl(target)) openInBrowser(target, this.options.report);
    });
    // The gateway redirects / to /sso/Login on its own origin; anything else (paths it bounces to
    // proxyRemoteHost, gateway-facts §4) stays out of this window.
    window.webContents.on('will-redirect', (event, target) => {
      if (!isAllowedNavigation(target, gatewayUrl())) event.preventDefault();
    });
    // The password was accepted: the engine checks the session at once and often, so the window closes
    // the moment the API says ready instead of at the next slow poll.
    window.webContents.on('did-navigate', (_event, target) => {
      if (isPostLoginPage(target, gatewayUrl())) this.options.onLoginPageDone();
    });
    // A page that cannot load (the gateway went away, or answers with another certificate) would
    // leave a blank or error window: close it, end the login attempt, and say why.
    window.webContents.on('did-fail-load', (_event, errorCode, errorDescription, _url, isMainFrame) => {
      if (!isMainFrame || errorCode === LOAD_ABORTED || window.isDestroyed()) return;
      this.options.report(loginPageProblem({ errorCode, errorDescription }, gatewayUrl()));
      window.close();
    });
    window.on('closed', () => {
      if (this.window === window) this.window = null;
      // Nothing of the login page needs to outlive it: the gateway keeps the session cookies itself.
      this.session.clearStorageData().catch(() => undefined);
      if (!this.closingByItself) this.options.onClosedByUser();
    });
    // A failed load is reported once, by did-fail-load above; the rejection itself carries nothing more.
    window.loadURL(url).catch(() => undefined);
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
