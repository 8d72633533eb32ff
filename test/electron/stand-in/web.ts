/**
 * Sessions and web contents of the stand-in: each session is a Playwright browser context in Debian's
 * Chromium, each web contents a real page in it. Every request of a page is answered here (route), so
 * the shell's own hooks decide as they do in Electron: protocol.handle() serves custom schemes, the
 * certificate verify proc sees the server's real certificate, will-navigate / will-redirect are
 * emitted for the page's real navigations and can cancel them, did-fail-load carries Chromium's error
 * code, loadURL resolves on did-finish-load and rejects on a failed main-frame load, permission
 * requests reach the permission handler, and IPC from the preload carries the real frame as sender.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Electron from 'electron';
import type { BrowserContext, Frame, Page, Request as PageRequest, Route } from 'playwright-core';
import { ipcMain } from './ipc.js';
import { changed, customSchemeOf, newId, options, records, recordError, theBrowser, toChromiumUrl, toElectronUrl } from './runtime.js';
import { NET_ERRORS, netErrorOfText, presentedCertificate, type NetError } from './upstream.js';

// The handlers main passes, typed by Electron itself; the stand-in calls them with its own objects.
type PermissionRequestHandler = Parameters<Electron.Session['setPermissionRequestHandler']>[0];
type PermissionCheckHandler = Parameters<Electron.Session['setPermissionCheckHandler']>[0];
type DevicePermissionHandler = Parameters<Electron.Session['setDevicePermissionHandler']>[0];
type CertificateVerifyProc = Parameters<Electron.Session['setCertificateVerifyProc']>[0];
type ProtocolHandler = (request: Request) => Response | Promise<Response>;

/** The electron event object for preventable events. */
export function preventable<T extends object>(extra: T = {} as T): T & { preventDefault(): void; readonly defaultPrevented: boolean } {
  let prevented = false;
  // defineProperty, not Object.assign: assign would copy the getter's value once instead of the getter.
  return Object.defineProperties(extra, {
    preventDefault: { value: () => (prevented = true) },
    defaultPrevented: { get: () => prevented },
  }) as T & { preventDefault(): void; readonly defaultPrevented: boolean };
}

const pageRuntimeSource = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'page-runtime.js'), 'utf8');

/** Electron's Session, for the parts the shell uses. */
export class StandInSession extends EventEmitter {
  permissionRequestHandler: PermissionRequestHandler = null;
  permissionCheckHandler: PermissionCheckHandler = null;
  devicePermissionHandler: DevicePermissionHandler = null;
  certificateVerifyProc: CertificateVerifyProc = null;
  readonly protocolHandlers = new Map<string, ProtocolHandler>();
  readonly contents = new Set<StandInWebContents>();
  private context: Promise<BrowserContext> | null = null;

  constructor(readonly partition: string) {
    super();
  }

  setPermissionRequestHandler(handler: PermissionRequestHandler): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: PermissionCheckHandler): void {
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler: DevicePermissionHandler): void {
    this.devicePermissionHandler = handler;
  }
  setCertificateVerifyProc(proc: CertificateVerifyProc): void {
    this.certificateVerifyProc = proc;
  }

  /** Cookies and storage of the partition are gone (the login window's in-memory session). */
  async clearStorageData(): Promise<void> {
    const context = await this.context;
    await context?.clearCookies();
  }

  /** The browser context, made on first use (after the app is ready, as Electron's sessions are). */
  browserContext(): Promise<BrowserContext> {
    this.context ??= (async () => {
      const context = await (await theBrowser()).newContext({ viewport: null, ignoreHTTPSErrors: true });
      await context.route('**/*', (route) => this.answer(route));
      await context.exposeBinding('__standInPermission', ({ frame }: { frame: Frame }, permission: string, detail: unknown) => this.askPermission(frame, permission, detail));
      await context.exposeBinding('__standInWindowOpen', ({ frame }: { frame: Frame }, url: string, frameName: string, features: string) => {
        this.contentsOf(frame.page())?.openWindow(url, frameName, features);
      });
      return context;
    })();
    return this.context;
  }

  contentsOf(page: Page): StandInWebContents | null {
    for (const contents of this.contents) if (contents.page === page) return contents;
    return null;
  }

  private async askPermission(frame: Frame, permission: string, detail: unknown): Promise<boolean> {
    const contents = this.contentsOf(frame.page());
    const url = toElectronUrl(frame.url());
    const handler = this.permissionRequestHandler;
    // Without a handler Electron grants every request.
    const granted =
      !handler || !contents
        ? true
        : await new Promise<boolean>((resolve) =>
            handler(contents as unknown as Electron.WebContents, permission as Parameters<NonNullable<PermissionRequestHandler>>[1], resolve, {
              requestingUrl: url,
              isMainFrame: frame.parentFrame() === null,
            } as Electron.PermissionRequest),
          );
    records.permissionRequests.push({ permission, url, granted });
    if (granted && permission === 'clipboard-sanitized-write' && typeof detail === 'string') records.clipboard = detail;
    changed();
    return granted;
  }

  /** Every request of every page in this session. */
  private async answer(route: Route): Promise<void> {
    const request = route.request();
    let frame: Frame | null = null;
    try {
      frame = request.frame();
    } catch {
      // a service worker's request: no frame
    }
    const contents = frame ? this.contentsOf(frame.page()) : null;
    const mainFrameNavigation = contents !== null && request.isNavigationRequest() && frame === contents.page?.mainFrame();
    try {
      if (mainFrameNavigation && !request.redirectedFrom() && !contents.isOwnLoad(request.url())) {
        // A navigation the page started itself (link, form, script): will-navigate may cancel it.
        if (contents.emitPreventable('will-navigate', toElectronUrl(request.url()))) {
          contents.noteFailure(request, NET_ERRORS.aborted, true);
          await route.abort('aborted');
          return;
        }
      }
      const scheme = customSchemeOf(request.url());
      if (scheme) {
        await this.answerFromHandler(route, scheme, contents);
        return;
      }
      if (!(await this.certificateAllows(request, contents))) return route.abort('failed');
      if (!mainFrameNavigation || !/^https?:/.test(request.url())) return await route.continue();
      // Chromium follows a redirect of an intercepted request without intercepting the next one, so a
      // navigation's redirect is decided here before it is handed over: will-redirect may cancel the
      // navigation, and the next address's certificate goes through the verify proc like any other.
      const response = await route.fetch({ maxRedirects: 0, timeout: 0 });
      const location = response.headers()['location'];
      if (response.status() >= 300 && response.status() < 400 && location) {
        const next = new URL(location, request.url()).href;
        if (contents.emitPreventable('will-redirect', toElectronUrl(next))) {
          contents.noteFailure(request, NET_ERRORS.aborted, false);
          return await route.abort('aborted');
        }
        if (!(await this.certificateAllows(request, contents, next))) return await route.abort('failed');
      }
      await route.fulfill({ response });
    } catch (error) {
      if (contents) contents.noteFailure(request, netErrorOfText(String(error)), false);
      await route.abort('failed').catch(() => undefined);
    }
  }

  /**
   * Is the certificate at `url` (default: the request's) acceptable? The context lets Chromium past
   * certificate errors: the decision is the session's verify proc's (or Chromium's own verdict when
   * there is none), made here before anything is sent. A refusal is noted as the request's failure.
   */
  private async certificateAllows(request: PageRequest, contents: StandInWebContents | null, url = request.url()): Promise<boolean> {
    if (!url.startsWith('https:')) return true;
    const target = new URL(url);
    const presented = await presentedCertificate(target, contents?.signal ?? new AbortController().signal);
    const refused = presented ? await this.decideCertificate(target.hostname, presented.certificate, presented.chromium) : null;
    if (refused && contents) contents.noteFailure(request, refused, false);
    return refused === null;
  }

  /** Electron: the verify proc's 0 trusts, -2 refuses, -3 keeps Chromium's verdict. */
  private async decideCertificate(hostname: string, certificate: Electron.Certificate, chromium: NetError | null): Promise<NetError | null> {
    const proc = this.certificateVerifyProc;
    if (!proc) return chromium;
    const verdict = await new Promise<number>((resolve) =>
      proc(
        {
          hostname,
          certificate,
          validatedCertificate: certificate,
          isIssuedByKnownRoot: false,
          verificationResult: chromium ? `net::${chromium.name}` : 'net::OK',
          errorCode: chromium?.code ?? 0,
        },
        resolve,
      ),
    );
    records.certificateChecks.push({ hostname, fingerprint256: fingerprint256Of(certificate), verdict });
    changed();
    if (verdict === 0) return null;
    if (verdict === -3) return chromium;
    return chromium ?? NET_ERRORS.certInvalid;
  }

  private async answerFromHandler(route: Route, scheme: string, contents: StandInWebContents | null): Promise<void> {
    const handler = this.protocolHandlers.get(scheme);
    const request = route.request();
    if (!handler) {
      if (contents) contents.noteFailure(request, NET_ERRORS.unknownUrlScheme, false);
      await route.abort('failed');
      return;
    }
    const body = request.postDataBuffer();
    const response = await handler(new Request(toElectronUrl(request.url()), { method: request.method(), headers: await request.allHeaders(), ...(body ? { body: new Uint8Array(body) } : {}) }));
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    await route.fulfill({ status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) });
  }
}

export const defaultSession = new StandInSession('');
const partitions = new Map<string, StandInSession>();

export function fromPartition(partition: string): StandInSession {
  if (partition === '') return defaultSession;
  let found = partitions.get(partition);
  if (!found) {
    found = new StandInSession(partition);
    partitions.set(partition, found);
  }
  return found;
}

type WindowOpenHandler = Parameters<Electron.WebContents['setWindowOpenHandler']>[0];

/** Electron's WebContents: one real page. */
export class StandInWebContents extends EventEmitter {
  readonly id = newId();
  page: Page | null = null;
  private readonly ready: Promise<Page>;
  private readonly abort = new AbortController();
  private windowOpenHandler: WindowOpenHandler | null = null;
  private ownLoad: string | null = null;
  private lastFailure: NetError | null = null;
  private readonly failures = new WeakMap<PageRequest, { error: NetError; prevented: boolean }>();
  private destroyed = false;
  private sendQueue: Promise<unknown> = Promise.resolve();
  readonly failedLoads: { errorCode: number; errorDescription: string; url: string }[] = [];
  readonly finishedLoads: string[] = [];
  title = '';
  text = '';

  constructor(
    readonly session: StandInSession,
    private readonly preload: string | null,
    private readonly size: { width: number; height: number },
    private readonly onFirstPaint: () => void,
  ) {
    super();
    session.contents.add(this);
    this.ready = this.open();
    this.ready.catch((error: unknown) => recordError('stand-in', error));
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  private async open(): Promise<Page> {
    const context = await this.session.browserContext();
    const page = await context.newPage();
    this.page = page;
    await page.setViewportSize(this.size);
    await page.addInitScript({ content: this.initScript() });
    if (this.preload !== null) {
      await page.exposeBinding('__standInInvoke', ({ frame }: { frame: Frame }, channel: string, args: unknown[]) => this.invoke(frame, channel, args));
      await page.exposeBinding('__standInSend', ({ frame }: { frame: Frame }, channel: string, args: unknown[]) => {
        ipcMain.emit(channel, this.eventFrom(frame), ...args);
      });
      await page.exposeBinding('__standInPreloadError', (_source: unknown, message: string) => recordError('preload', message));
    }
    let painted = false;
    page.on('load', () => {
      if (this.destroyed) return;
      void this.readPage(page).then(() => {
        this.finishedLoads.push(toElectronUrl(page.url()));
        this.emit('did-finish-load', preventable());
        if (!painted) {
          painted = true;
          this.onFirstPaint();
        }
        changed();
      });
    });
    page.on('framenavigated', (frame) => {
      if (frame !== page.mainFrame() || this.destroyed) return;
      this.emit('did-navigate', preventable(), toElectronUrl(frame.url()), 200, 'OK');
    });
    page.on('requestfailed', (request) => {
      if (this.destroyed || !request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
      const noted = this.failures.get(request);
      if (noted?.prevented) return;
      const error = noted?.error ?? netErrorOfText(request.failure()?.errorText ?? '');
      this.lastFailure = error;
      const url = toElectronUrl(request.url());
      this.failedLoads.push({ errorCode: error.code, errorDescription: error.name, url });
      this.emit('did-fail-load', preventable(), error.code, error.name, url, true, 0, 0);
      changed();
    });
    return page;
  }

  private initScript(): string {
    const preloadSource = this.preload === null ? null : fs.readFileSync(this.preload, 'utf8');
    const preloadFunction = preloadSource === null ? 'null' : `function (require, module, exports, process) {\n${preloadSource}\n}`;
    return `(() => {\nconst __STAND_IN_PRELOAD__ = ${preloadFunction};\nconst __STAND_IN_PLATFORM__ = ${JSON.stringify(process.platform)};\n${pageRuntimeSource}\n})();`;
  }

  private async readPage(page: Page): Promise<void> {
    try {
      this.title = await page.title();
      this.text = await page.evaluate(() => document.body?.innerText ?? '');
    } catch {
      // navigated again or closed meanwhile
    }
  }

  /** The IPC event main's handlers get: sender is this web contents, senderFrame the real frame. */
  private eventFrom(frame: Frame): { sender: StandInWebContents; senderFrame: FrameView | null; processId: number; frameId: number } {
    return { sender: this, senderFrame: frame.isDetached() ? null : frameView(frame), processId: 1, frameId: 1 };
  }

  private async invoke(frame: Frame, channel: string, args: unknown[]): Promise<{ value: unknown } | { error: string }> {
    const handler = ipcMain.handlers.get(channel);
    if (!handler) return { error: `Error: No handler registered for '${channel}'` };
    try {
      return { value: await handler(this.eventFrom(frame) as unknown as Parameters<typeof handler>[0], ...args) };
    } catch (error) {
      return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }

  /** Electron: emit a preventable event; true when a listener prevented it. */
  emitPreventable(event: 'will-navigate' | 'will-redirect', url: string): boolean {
    const details = preventable({ url, isMainFrame: true });
    this.emit(event, details, url, false, true, 0, 0);
    return details.defaultPrevented;
  }

  isOwnLoad(chromiumUrl: string): boolean {
    if (this.ownLoad === null || normalize(chromiumUrl) !== this.ownLoad) return false;
    this.ownLoad = null;
    return true;
  }

  noteFailure(request: PageRequest, error: NetError, prevented: boolean): void {
    this.failures.set(request, { error, prevented });
  }

  openWindow(url: string, frameName: string, features: string): void {
    const details: Electron.HandlerDetails = { url: toElectronUrl(url), frameName, features, disposition: 'new-window', referrer: { url: this.getURL(), policy: 'strict-origin-when-cross-origin' } };
    const answer = this.windowOpenHandler ? this.windowOpenHandler(details) : { action: 'allow' };
    if (answer.action === 'allow') recordError('stand-in', new Error(`window.open(${url}) was allowed: the stand-in opens no child windows`));
  }

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  /** Resolves on did-finish-load; rejects like Electron when the main-frame load fails. */
  async loadURL(url: string): Promise<void> {
    const page = await this.ready;
    const target = toChromiumUrl(url);
    this.ownLoad = normalize(target);
    this.lastFailure = null;
    try {
      await page.goto(target, { waitUntil: 'load', timeout: 0 });
      await this.readPage(page);
    } catch (error) {
      if (this.destroyed) throw Object.assign(new Error(`ERR_ABORTED (-3) loading '${url}'`), { errno: -3, code: 'ERR_ABORTED', url });
      const failure = this.lastFailure ?? netErrorOfText(String(error));
      throw Object.assign(new Error(`${failure.name} (${failure.code}) loading '${url}'`), { errno: failure.code, code: failure.name, url });
    }
  }

  getURL(): string {
    return this.page ? toElectronUrl(this.page.url()) : '';
  }

  getTitle(): string {
    return this.title;
  }

  /** Fire-and-forget, in order, as Electron's send is. */
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) return;
    this.sendQueue = this.sendQueue.then(async () => {
      const page = await this.ready;
      await page.evaluate(([c, a]) => (window as unknown as { __standInDeliver?: (c: string, a: unknown[]) => void }).__standInDeliver?.(c, a), [channel, args] as const).catch(() => undefined);
    });
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** The window closed: the page goes, and so does every request it still waits for. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.abort.abort();
    this.session.contents.delete(this);
    this.emit('destroyed');
    const page = await this.ready.catch(() => null);
    await page?.close().catch(() => undefined);
  }

  /** For the test: the page itself. */
  whenReady(): Promise<Page> {
    return this.ready;
  }
}

interface FrameView {
  readonly url: string;
  readonly name: string;
  readonly parent: FrameView | null;
  readonly top: FrameView | null;
}

function frameView(frame: Frame): FrameView {
  const parent = frame.parentFrame();
  const view: { url: string; name: string; parent: FrameView | null; top: FrameView | null } = { url: toElectronUrl(frame.url()), name: frame.name(), parent: parent ? frameView(parent) : null, top: null };
  view.top = view.parent ? view.parent.top ?? view.parent : view;
  return view;
}

function normalize(url: string): string {
  return URL.canParse(url) ? new URL(url).href : url;
}

/** Node's form (AA:BB:…) of Chromium's `sha256/<base64>` fingerprint. */
function fingerprint256Of(certificate: Electron.Certificate): string {
  const hex = Buffer.from(certificate.fingerprint.replace(/^sha256\//, ''), 'base64').toString('hex').toUpperCase();
  return hex.match(/../g)?.join(':') ?? '';
}

/** The stand-in's options (the preload path must exist, as Electron requires). */
export function checkPreload(preload: string | undefined): string | null {
  if (preload === undefined) return null;
  if (!path.isAbsolute(preload) || !fs.existsSync(preload)) {
    recordError('preload', new Error(`Unable to load preload script: ${preload}`));
    return null;
  }
  return preload;
}

export { options };
