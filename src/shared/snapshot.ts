/**
 * The picture of the session that every shell draws: tray, window, web dashboard and command line.
 * It is derived by the core from its SessionState and is plain, serialisable data (it crosses IPC,
 * HTTP and `--json`). Shells never keep session state of their own; they draw the latest snapshot.
 *
 * This file is compiled in both the Node and the DOM program: no Node, no DOM in here.
 */

/** The session states a user can see, in the words the command line prints (`status --json`). */
export const SESSION_KINDS = [
  'stopped',
  'starting',
  'failed',
  'not-responding',
  'login-required',
  'logging-in',
  'brokerage-starting',
  'ready',
  'competing',
  'rate-limited',
] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

/**
 * How a state should look: green when ready, amber when it needs attention, red when logged out or
 * stopped, grey while starting. Exhaustive on purpose: a new kind that forgets its tone is a compile error.
 */
export type Tone = 'ok' | 'attention' | 'error' | 'busy';
export function toneOf(kind: SessionKind): Tone {
  switch (kind) {
    case 'ready':
      return 'ok';
    case 'competing':
    case 'brokerage-starting':
    case 'rate-limited':
    case 'not-responding':
    case 'logging-in':
      return 'attention';
    case 'login-required':
    case 'stopped':
    case 'failed':
      return 'error';
    case 'starting':
      return 'busy';
  }
}

/** One brokerage account as the user knows it. `alias` is null when IBKR has none besides the id. */
export interface AccountView {
  readonly id: string;
  readonly alias: string | null;
}

/** What the user can do right now; each one maps to an Intent and to a button or menu item. */
export interface AvailableActions {
  readonly logIn: boolean;
  readonly cancelLogin: boolean;
  readonly logOut: boolean;
  readonly takeOver: boolean;
  readonly retry: boolean;
  readonly startGateway: boolean;
  readonly stopGateway: boolean;
  readonly selectAccount: boolean;
  readonly refresh: boolean;
}

export interface GatewayView {
  /** The origin the app talks to, e.g. https://localhost:5000. */
  readonly url: string;
  readonly port: number;
  /** The gateway folder (contains bin/ and root/), or null before the user has chosen one. */
  readonly folder: string | null;
  /** Whether a gateway process is known to be running (started by us or adopted). */
  readonly running: boolean;
  /** The pid we would stop: the process group leader we started, or the adopted listener's pid. */
  readonly pid: number | null;
  /** True when this app (or an earlier run of it) started the process, false when it was adopted. */
  readonly startedByUs: boolean;
  /** SHA-256 fingerprint of the pinned certificate (AA:BB:…), or null before first use. */
  readonly fingerprint: string | null;
}

/** A message for the user that is not a state: "settings file was damaged and moved aside", … */
export interface Notice {
  readonly level: 'info' | 'warning' | 'error';
  readonly text: string;
  readonly at: number;
}

/** What the engine can download for the user (issue 15): the gateway's folder, or a Java runtime. */
export type InstallWhat = 'gateway' | 'java';

/**
 * An install under way. `received` and `total` count bytes while downloading and files while
 * unpacking; `total` is null when the server did not say. Plain data, throttled by the engine.
 */
export interface InstallView {
  readonly what: InstallWhat;
  readonly phase: 'download' | 'unpack';
  readonly received: number;
  readonly total: number | null;
}

/**
 * Something the gateway needs that this computer lacks, and what to do about it on the engine's OS
 * (the page may be a browser elsewhere, so the engine says it): `todo` is one clause, e.g. "install it
 * with `brew install openjdk@17` (or any JDK 8+), or set JAVA_HOME".
 */
export interface MissingView {
  readonly what: 'java';
  readonly todo: string;
}

export interface AppSnapshot {
  /**
   * The profile (named gateway) this snapshot is of, e.g. "Paper": one push stream carries every
   * profile's snapshots, and the page draws each on its own card. `seq` counts per profile.
   */
  readonly profile: string;
  /** Increases by one with every snapshot the core emits; shells drop older ones. */
  readonly seq: number;
  /** Epoch ms when this snapshot was made. */
  readonly at: number;
  readonly state: SessionKind;
  readonly tone: Tone;
  /** One line, in the user's words: why the state is what it is and what to do. */
  readonly reason: string;
  readonly authenticated: boolean;
  readonly connected: boolean;
  readonly competing: boolean;
  readonly accounts: readonly AccountView[];
  readonly selectedAccount: string | null;
  readonly username: string | null;
  /** true paper, false live, null unknown. */
  readonly paper: boolean | null;
  readonly serverName: string | null;
  /** Epoch ms of the last tickle that succeeded. */
  readonly lastTickleAt: number | null;
  /** Epoch ms when the SSO session expires unless kept alive. */
  readonly ssoExpiresAt: number | null;
  /** Epoch ms of the next nightly /iserver reset for the account's region. */
  readonly nextResetAt: number | null;
  /** Epoch ms since when keepalive tickles have been failing, null while they work. */
  readonly keepaliveFailingSince: number | null;
  /** Epoch ms until which nothing is sent to the gateway after a 429. */
  readonly rateLimitedUntil: number | null;
  readonly gateway: GatewayView;
  readonly actions: AvailableActions;
  readonly notices: readonly Notice[];
  /** Settings the shells show as toggles. */
  readonly preferences: Preferences;
  /** The download the engine is doing for the user, or null (one at a time). */
  readonly install: InstallView | null;
  /** What the last start of the gateway found missing (Java), or null. */
  readonly missing: MissingView | null;
}

export interface Preferences {
  readonly startAtLogin: boolean;
  readonly notifications: boolean;
  readonly startGatewayWithApp: boolean;
  readonly stopGatewayOnQuit: boolean;
}

/** What the page and the tray call the first run (no gateway chosen yet), instead of a stopped gateway. */
export const SETUP_TITLE = 'Setup needed';

/**
 * The first run: no gateway folder chosen and none running to adopt. Nothing has failed, so the page
 * and the tray say "Setup needed" in a neutral colour instead of a red "Gateway stopped".
 */
export function needsSetup(snapshot: Pick<AppSnapshot, 'state' | 'gateway'>): boolean {
  return snapshot.state === 'stopped' && snapshot.gateway.folder === null && !snapshot.gateway.running;
}
