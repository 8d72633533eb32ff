/**
 * The shell's security checks, pure (no Electron) so they are unit-tested: which certificate the login
 * window may accept, where its pages may navigate, which links may go to the system browser, which IPC
 * senders are ours, and which files the app:// scheme may serve. Electron's security checklist, written
 * out rather than relaxed.
 */
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { portOf } from '../core/gateway/location.js';
import { httpsOrigin, isTrustedCertificate, normalizeFingerprint, type Pin } from '../core/gateway/trust.js';

/** The app's own scheme for the status window's page (avoids file://, where every file is one origin). */
export const APP_SCHEME = 'app';
/** The host under app:// that serves out/renderer. */
export const APP_HOST = 'ibkr-tray';
/** The status window's page. */
export const APP_PAGE_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * Is `url` a page of our own app:// scheme? Compared by scheme and host: WHATWG URL gives custom
 * schemes an opaque origin ("null"), so `.origin` cannot tell them apart.
 */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && !parsed.username && !parsed.password;
  } catch {
    return false;
  }
}

/** The parts of Electron's Certificate structure the pin needs. */
export interface PresentedCertificate {
  /** PEM. */
  readonly data: string;
  /** Chromium's form, `sha256/<base64>`. */
  readonly fingerprint: string;
}

/**
 * The certificate's SHA-256 fingerprint in Node's form (AA:BB:…), the form the engine pins.
 * Computed from the PEM when it parses; otherwise converted from Chromium's `sha256/<base64>`.
 * Returns null when neither gives 32 bytes.
 */
export function certificateFingerprint(certificate: PresentedCertificate): string | null {
  try {
    return new X509Certificate(certificate.data).fingerprint256;
  } catch {
    // fall through to Chromium's own fingerprint
  }
  const match = /^sha256\/([A-Za-z0-9+/]+={0,2})$/.exec(certificate.fingerprint.trim());
  if (match?.[1]) {
    const bytes = Buffer.from(match[1], 'base64');
    return bytes.length === 32 ? normalizeFingerprint(bytes.toString('hex')) : null;
  }
  return normalizeFingerprint(certificate.fingerprint);
}

/**
 * Should the login window accept `certificate` for `url`, which Chromium refused (the gateway's own
 * certificate is self-signed and expired since 2019, gateway-facts §3)? Only for the gateway's origin
 * and only with exactly the pinned fingerprint: the same predicate the HTTPS client uses. With no pin
 * yet (fingerprint null) nothing is accepted.
 */
export function acceptsGatewayCertificate(
  url: string,
  certificate: PresentedCertificate,
  gateway: { readonly url: string; readonly fingerprint: string | null },
): boolean {
  if (!gateway.fingerprint) return false;
  const presented = certificateFingerprint(certificate);
  if (!presented) return false;
  const pin: Pin = { origin: gateway.url, fingerprint: gateway.fingerprint };
  return isTrustedCertificate(url, presented, pin);
}

/** `new URL(u).origin`, or null for a malformed URL or an opaque origin ("null"). */
export function urlOrigin(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * May the login window go to `url`? Only within the gateway's origin, compared by `new URL(u).origin`
 * (the gateway's own redirect from / to /sso/Login stays on that origin, gateway-facts §4).
 */
export function isAllowedNavigation(url: string, gatewayUrl: string): boolean {
  const target = urlOrigin(url);
  const allowed = urlOrigin(gatewayUrl);
  return target !== null && allowed !== null && target === allowed;
}

/**
 * May `url` be handed to the system browser (shell.openExternal)? Only plain http(s) URLs with a host
 * and no credentials: never file:, javascript:, custom schemes or anything that does not parse.
 */
export function isSafeExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  if (!parsed.hostname || parsed.username || parsed.password) return false;
  return url.length <= 2048;
}

/** What an IPC event says about who sent it (the parts of IpcMainInvokeEvent the check needs). */
export interface IpcSender {
  /** The sending WebContents' id. */
  readonly webContentsId: number;
  /** The frame that sent it; null when it navigated away or was destroyed before the message arrived. */
  readonly frame: { readonly url: string; readonly isMainFrame: boolean } | null;
}

/**
 * Is this IPC message from the main frame of our own status window, showing our own page? Anything
 * else (another window, an iframe, a page that navigated elsewhere) is refused before its arguments
 * are even parsed.
 */
export function isOwnWindowSender(sender: IpcSender, ownWebContentsId: number | null): boolean {
  if (ownWebContentsId === null || sender.webContentsId !== ownWebContentsId) return false;
  if (!sender.frame || !sender.frame.isMainFrame) return false;
  return isAppUrl(sender.frame.url);
}

/**
 * The file under `root` that an app:// request names, or null when it is another host or escapes
 * `root` (`..`, encoded slashes). The page is a single folder of built files: nothing else is served.
 */
export function appFileFor(requestUrl: string, root: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(requestUrl);
  } catch {
    return null;
  }
  if (!isAppUrl(requestUrl)) return null;
  let relative: string;
  try {
    relative = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (relative.includes('\0') || relative.includes('\\')) return null;
  if (relative === '/' || relative === '') relative = '/index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, `.${relative}`);
  return file.startsWith(base + path.sep) ? file : null;
}

/**
 * The answer to a permission request or check (camera, notifications, clipboard, geolocation, …): no,
 * except writing to the clipboard from the app's own page (the gateway log's Copy button). IBKR's
 * login page needs none of them, and it is never an app:// page.
 */
export function grantsPermission(permission: string, requestingUrl: string): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl);
}

/** Chromium's answers to a certificate verify proc. */
export const CERT_TRUSTED = 0;
export const CERT_CHROMIUM_DECIDES = -3;

/**
 * The login session's certificate verify proc, as a pure function of what Chromium reports (host and
 * certificate, no port). The pinned gateway certificate is accepted for the gateway's host; everything
 * else gets Chromium's own verdict (so an expired self-signed certificate is refused). The port is the
 * gateway's by construction: this session only serves the login window, whose navigation is held to
 * the gateway's origin (isAllowedNavigation).
 */
export function verifyLoginCertificate(
  request: { readonly hostname: string; readonly certificate: PresentedCertificate },
  gateway: { readonly url: string; readonly fingerprint: string | null },
): typeof CERT_TRUSTED | typeof CERT_CHROMIUM_DECIDES {
  let port: number;
  try {
    port = portOf(gateway.url);
  } catch {
    return CERT_CHROMIUM_DECIDES;
  }
  return acceptsGatewayCertificate(`${httpsOrigin(request.hostname, port)}/`, request.certificate, gateway) ? CERT_TRUSTED : CERT_CHROMIUM_DECIDES;
}
