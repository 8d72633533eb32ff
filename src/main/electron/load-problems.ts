/**
 * What the user is told when the login page cannot be shown. Pure (no Electron): windows.ts passes
 * Chromium's error from did-fail-load, main.ts shows the sentence in a notification.
 */

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
