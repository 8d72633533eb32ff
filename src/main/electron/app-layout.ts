/**
 * Where the Electron app finds its own files, relative to the app's root (`app.getAppPath()`: the
 * checkout in development, `resources/app.asar` once packaged). Pure, so the packaging check in
 * test/packaging reads the same names main.ts loads instead of a copy that could drift.
 */

/** The preload script of the status window (built by tsconfig.preload.json). */
export const PRELOAD_FILE = 'out/preload/index.cjs';

/** The page the status window shows, served over app:// (built by Vite). */
export const RENDERER_FOLDER = 'out/renderer';

/** Tray and app icons; trayIconFile() and APP_ICON_FILE are relative to it. */
export const ASSETS_FOLDER = 'assets';

/** The windows' and notifications' icon, relative to ASSETS_FOLDER. */
export const APP_ICON_FILE = 'icons/app.png';
