/**
 * Rules about the gateway's login page in the login window, pure (no Electron) so they are tested:
 * which page means "the password was accepted" (a hint to check the session now), and what the user is
 * told when the page cannot be shown (windows.ts passes Chromium's error from did-fail-load).
 */
import { isAllowedNavigation } from './security.js';

/** The path the gateway answers with "Client login succeeds" once IBKR accepted the login (gateway-facts §4, §6). */
const POST_LOGIN_PATH = '/sso/Dispatcher';

/**
 * Is `url` the gateway's post-login page? Only a hint: the brokerage session comes up 3-5 s later, or
 * not at all (gateway-facts §6), so the engine checks the API often for a while; it never decides "ready".
 */
export function isPostLoginPage(url: string, gatewayUrl: string): boolean {
  if (!isAllowedNavigation(url, gatewayUrl)) return false;
  return new URL(url).pathname === POST_LOGIN_PATH;
}

/** Chromium's net error codes that mean "this is not the certificate we trust" (net_error_list.h: -200…-299). */
function isCertificateError(errorCode: number): boolean {
  return errorCode <= -200 && errorCode > -300;
}

/**
 * One line saying why the login page did not load and what to do. `errorDescription` is Chromium's
 * name for the error (ERR_CONNECTION_REFUSED, …).
 */
export function loginPageProblem(failure: { readonly errorCode: number; readonly errorDescription: string }, gatewayUrl: string): string {
  if (isCertificateError(failure.errorCode)) {
    return `The gateway at ${gatewayUrl} presented a certificate IBKR Tray does not trust (${failure.errorDescription}), so the login page was not opened. If you replaced the gateway, trust its new certificate with \`ibkr-tray trust\`; otherwise something else is answering on that port.`;
  }
  return `The login page at ${gatewayUrl} did not load (${failure.errorDescription}): the gateway is not answering. IBKR Tray keeps checking it; choose Log in… again when the tray turns red.`;
}

/** Chromium's ERR_ABORTED: a navigation we cancelled ourselves (will-navigate / will-redirect), not a failure. */
export const LOAD_ABORTED = -3;
