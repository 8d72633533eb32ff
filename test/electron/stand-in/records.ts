/**
 * What the Electron stand-in records about the app it runs, as plain data: the child process that runs
 * the real main.js publishes it to the test after every change (test/electron/harness.ts), so a test
 * waits for the picture a user would see instead of sleeping. Also the options a test launches with.
 */

/** One menu item as the user sees it (Menu.buildFromTemplate keeps the template; this is its view). */
export interface MenuItemView {
  readonly type: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  readonly label: string;
  readonly enabled: boolean;
  readonly checked: boolean;
  readonly visible: boolean;
  readonly submenu: readonly MenuItemView[] | null;
  /** The item's icon file, relative to the app's folder (e.g. assets/tray/green.png), or null. */
  readonly icon: string | null;
}

export interface TrayView {
  readonly id: number;
  /** The image file, relative to the app's folder (e.g. assets/tray/red-linux.png). */
  readonly image: string | null;
  readonly imageIsTemplate: boolean;
  /** Whether the image file exists (Electron shows an empty icon for a missing file). */
  readonly imageExists: boolean;
  readonly tooltip: string;
  /** The context menu set with setContextMenu (null when none: macOS pops it up on right-click). */
  readonly contextMenu: readonly MenuItemView[] | null;
  /** The menu last popped up with popUpContextMenu. */
  readonly poppedUpMenu: readonly MenuItemView[] | null;
  readonly destroyed: boolean;
  /** Events the shell listens to on the tray ('click', 'right-click', …). */
  readonly listening: readonly string[];
}

export interface WindowView {
  readonly id: number;
  readonly webContentsId: number;
  readonly title: string;
  /** The URL as Electron reports it (app://… for the app's own scheme). */
  readonly url: string;
  readonly visible: boolean;
  readonly focused: boolean;
  readonly destroyed: boolean;
  /** The session partition ('' for the default session). */
  readonly partition: string;
  /** The constructor's webPreferences, as given (the preload path included). */
  readonly webPreferences: Readonly<Record<string, unknown>>;
  readonly width: number;
  readonly height: number;
  /** The page's visible text (document.body.innerText), refreshed after each load. */
  readonly text: string;
  /** Main-frame loads that failed (did-fail-load), in order. */
  readonly failedLoads: readonly { readonly errorCode: number; readonly errorDescription: string; readonly url: string }[];
  /** Main-frame loads that finished (did-finish-load), as Electron URLs. */
  readonly finishedLoads: readonly string[];
}

export interface NotificationView {
  readonly id: number;
  readonly title: string;
  readonly body: string;
  readonly shown: boolean;
  readonly closed: boolean;
  /** Whether the shell listens for its click. */
  readonly clickable: boolean;
}

export interface ErrorView {
  /** uncaughtException / unhandledRejection: Electron shows these as "A JavaScript error occurred in the main process". */
  readonly kind: 'uncaughtException' | 'unhandledRejection' | 'preload' | 'stand-in';
  readonly message: string;
}

export interface StandInState {
  readonly seq: number;
  readonly ready: boolean;
  readonly singleInstanceLock: boolean | null;
  readonly trays: readonly TrayView[];
  readonly windows: readonly WindowView[];
  readonly notifications: readonly NotificationView[];
  readonly errorBoxes: readonly { readonly title: string; readonly content: string }[];
  readonly openDialogs: readonly { readonly title: string; readonly answered: string | null }[];
  /** dialog.showMessageBox calls: the question, its buttons, and the index of the button the test answered. */
  readonly messageBoxes: readonly { readonly message: string; readonly detail: string; readonly buttons: readonly string[]; readonly answered: number }[];
  readonly errors: readonly ErrorView[];
  readonly openedExternal: readonly string[];
  readonly loginItemSettings: Readonly<Record<string, unknown>> | null;
  readonly focusCalls: readonly { readonly steal: boolean }[];
  readonly dockHidden: boolean;
  readonly clipboard: string;
  readonly certificateChecks: readonly { readonly hostname: string; readonly fingerprint256: string; readonly verdict: number }[];
  readonly permissionRequests: readonly { readonly permission: string; readonly url: string; readonly granted: boolean }[];
  /** Lines the app wrote to stderr through console.error/console.warn. */
  readonly consoleErrors: readonly string[];
  readonly quitting: boolean;
}

/** How a test launches the app (passed to the child as JSON in ELECTRON_STAND_IN). */
export interface StandInOptions {
  /** app.getAppPath(): the folder with package.json, out/ and assets/. */
  readonly appPath: string;
  /** app.getPath('userData'). */
  readonly userData: string;
  /** app.getPath('home'). */
  readonly home: string;
  /** process.platform as the shell should see it (default: the real one). */
  readonly platform?: 'linux' | 'darwin' | 'win32';
  /** Answers for dialog.showOpenDialog, in order: a folder, or null for Cancel. */
  readonly openDialogAnswers?: readonly (string | null)[];
  /**
   * Answers for dialog.showMessageBox, in order: the label of the button the user clicks. Without an
   * answer left, the user dismisses the box (its cancelId, as Escape does).
   */
  readonly messageBoxAnswers?: readonly string[];
  /** shell.openExternal rejects (as it does when no browser is registered). */
  readonly openExternalFails?: boolean;
  /** Chromium's executable. */
  readonly chromium: string;
}
