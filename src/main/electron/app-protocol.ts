/**
 * The app:// scheme that serves the status window's page from out/renderer. A custom scheme instead
 * of file:// (Electron's security checklist): the page gets an origin of its own, every file outside
 * out/renderer stays unreachable, and the IPC sender check can recognise our page by its URL.
 */
import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { APP_SCHEME, appFileFor } from './security.js';

/** Must run before the app is ready (Chromium fixes scheme privileges at startup). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false } }]);
}

/** Serve app://ibkr-tray/<file> from `rendererDir`; anything else is a 404. Call once the app is ready. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFileFor(request.url, rendererDir);
    if (!file) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).href);
    // The page's own meta CSP applies too; the header makes it hold for every file served.
    const headers = new Headers(response.headers);
    headers.set(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}
