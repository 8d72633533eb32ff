/**
 * The page's picture of a snapshot: pure data in, pure data out (no DOM), so every rule about what
 * the window shows is a table test. main.ts only turns this model into elements.
 */
import { amountWords, installTitle } from '../shared/install-words.js';
import { needsSetup, SETUP_TITLE, type AppSnapshot, type Notice, type Preferences, type Tone } from '../shared/snapshot.js';
import { accountLabel, LOGIN_PAGE_WORDS, loginPageUrl, stateTitle } from '../shared/state-words.js';
import { tradingMode } from '../shared/trading-mode.js';

/** IBKR's Web API documentation page, which links the Client Portal Gateway download (clientportal.gw.zip). */
export const GATEWAY_DOWNLOAD_URL = 'https://www.interactivebrokers.com/campus/ibkr-api-page/cpapi-v1/';

export interface ButtonModel {
  readonly enabled: boolean;
  /** Hidden buttons are not drawn at all (e.g. "Cancel login" outside a login). */
  readonly visible: boolean;
}

export interface AccountOption {
  readonly value: string;
  readonly label: string;
}

export interface PreferenceModel {
  readonly key: keyof Preferences;
  readonly label: string;
  readonly checked: boolean;
}

/** Where the page runs: some settings only mean something for the desktop app. */
export type Shell = 'electron' | 'web';

export interface SetupModel {
  readonly title: string;
  readonly steps: readonly string[];
  readonly downloadUrl: string;
}

/** A download the engine is doing: a title, a bar (no value: a size not known yet) and how far it got. */
export interface ProgressModel {
  readonly title: string;
  /** The bar's value and max, or null for an indeterminate bar (unknown size, unpacking). */
  readonly value: number | null;
  readonly max: number | null;
  /** "12.3 of 45.6 MB", "" while unpacking. */
  readonly amount: string;
}

/** The downloads the page offers (issue 15) and the one under way. */
export interface InstallModel {
  /** "Download the gateway", beside the folder field of the first-run step. */
  readonly downloadGateway: ButtonModel;
  /** What to do when the gateway's start found no Java (on the engine's OS), or null when it did. */
  readonly javaTodo: string | null;
  /** "Download Java for the gateway", beside that line. */
  readonly downloadJava: ButtonModel;
  readonly progress: ProgressModel | null;
  readonly cancel: ButtonModel;
}

/** Where to log in, while a login is under way: words, then the gateway's login page as a link. */
export interface LoginHintModel {
  readonly text: string;
  readonly url: string;
}

/** The badge's colour: a snapshot's tone, or 'setup' (neutral) for the first run, which is not an error. */
export type BadgeTone = Tone | 'setup';

export interface ViewModel {
  readonly seq: number;
  readonly tone: BadgeTone;
  readonly stateLabel: string;
  readonly reason: string;
  /** "user123 · Paper", "user123 · Live", or null before anyone logged in. */
  readonly identity: string | null;
  /**
   * While a login is under way, where to do it. From the snapshot, not from the answer to the click,
   * so it is still there after a reload of the page (or on a second browser).
   */
  readonly loginHint: LoginHintModel | null;
  readonly accounts: {
    readonly options: readonly AccountOption[];
    readonly selected: string | null;
    readonly enabled: boolean;
    /** No picker at all before the gateway has told us any account. */
    readonly visible: boolean;
  };
  readonly buttons: {
    readonly logIn: ButtonModel;
    readonly cancelLogin: ButtonModel;
    readonly logOut: ButtonModel;
    readonly takeOver: ButtonModel;
    readonly retry: ButtonModel;
    readonly startGateway: ButtonModel;
    readonly stopGateway: ButtonModel;
    readonly refresh: ButtonModel;
  };
  readonly times: {
    readonly keepalive: string;
    readonly ssoExpiry: string;
    readonly nextReset: string;
  };
  /** Whether there is any session timing to show (none before the first login). */
  readonly timesVisible: boolean;
  /** True while keepalive tickles are failing: the keepalive line is drawn as a warning. */
  readonly keepaliveFailing: boolean;
  readonly gateway: {
    readonly status: string;
    readonly url: string;
    readonly port: string;
    readonly pid: string;
    readonly folder: string;
  };
  /** The first-run step, drawn instead of an error while no gateway folder is known. */
  readonly setup: SetupModel | null;
  readonly install: InstallModel;
  readonly notices: readonly Notice[];
  readonly preferences: readonly PreferenceModel[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration in the largest one or two units that matter: "45 s", "8 min", "5 h 3 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return `${Math.floor(abs / SECOND)} s`;
  if (abs < HOUR) return `${Math.floor(abs / MINUTE)} min`;
  if (abs < DAY) {
    const h = Math.floor(abs / HOUR);
    const m = Math.floor((abs % HOUR) / MINUTE);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const d = Math.floor(abs / DAY);
  const h = Math.floor((abs % DAY) / HOUR);
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/** "12 s ago", "in 8 min", "just now"; `fallback` when there is no time at all. */
export function formatRelative(at: number | null, now: number, fallback = '—'): string {
  if (at === null) return fallback;
  const delta = at - now;
  if (Math.abs(delta) < 2 * SECOND) return 'just now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
}

function button(enabled: boolean, visible = true): ButtonModel {
  return { enabled: visible && enabled, visible };
}

function gatewayStatus(s: AppSnapshot): string {
  if (!s.gateway.running) return 'Not running';
  return s.gateway.startedByUs ? 'Running (started by IBKR Tray)' : 'Running (already running, adopted)';
}

function setupFor(s: AppSnapshot): SetupModel | null {
  // A gateway that is already running (adopted, or given by URL) needs no folder to be watched.
  if (s.gateway.folder !== null || s.gateway.running) return null;
  return {
    title: 'Set up the Client Portal Gateway',
    steps: [
      'Download the gateway with the button below, or get the Client Portal Gateway (clientportal.gw.zip) from the IBKR Web API docs and unzip it.',
      'The gateway is a Java program: it needs Java 8 or newer. If none is found, the app says so and can download one.',
      'Or choose an unzipped gateway folder (the one that contains bin/ and root/) below.',
    ],
    downloadUrl: GATEWAY_DOWNLOAD_URL,
  };
}

function progressOf(s: AppSnapshot): ProgressModel | null {
  const install = s.install;
  if (install === null) return null;
  const downloading = install.phase === 'download';
  const total = downloading && install.total !== null && install.total > 0 ? install.total : null;
  return {
    title: `${installTitle(install)}…`,
    value: total === null ? null : Math.min(install.received, total),
    max: total,
    amount: downloading ? amountWords(install.received, install.total) : '',
  };
}

function installOf(s: AppSnapshot, setup: SetupModel | null): InstallModel {
  const idle = s.install === null;
  const java = s.missing?.what === 'java' ? s.missing : null;
  return {
    downloadGateway: button(idle, setup !== null),
    javaTodo: java === null ? null : `No Java 8 or newer here. Download one for the gateway (Temurin, from Adoptium), or ${java.todo}.`,
    downloadJava: button(idle, java !== null),
    progress: progressOf(s),
    cancel: button(true, !idle),
  };
}

const PREFERENCE_LABELS: ReadonlyArray<{ readonly key: keyof Preferences; readonly label: string; readonly desktopOnly: boolean }> = [
  { key: 'startGatewayWithApp', label: 'Start the gateway with IBKR Tray', desktopOnly: false },
  { key: 'stopGatewayOnQuit', label: 'Stop the gateway when IBKR Tray quits', desktopOnly: false },
  { key: 'notifications', label: 'Notifications', desktopOnly: true },
  { key: 'startAtLogin', label: 'Start IBKR Tray at login', desktopOnly: true },
];

/** Build the view model of one snapshot at time `now` (epoch ms; relative times depend on it). */
export function viewOf(s: AppSnapshot, now: number, shell: Shell = 'web'): ViewModel {
  const options = s.accounts.map((a) => ({ value: a.id, label: accountLabel(a) }));
  const mode = tradingMode(s.paper);
  const paper = mode === null ? null : mode === 'paper' ? 'Paper' : 'Live';
  const identity = s.username === null ? null : paper === null ? s.username : `${s.username} · ${paper}`;
  const keepaliveFailing = s.keepaliveFailingSince !== null;
  const keepalive = keepaliveFailing
    ? `failing since ${formatRelative(s.keepaliveFailingSince, now)}`
    : formatRelative(s.lastTickleAt, now, 'none yet');
  const setup = setupFor(s);
  // First run: a stopped gateway without a folder is a step to take, not a failure to show in red.
  const firstRun = setup !== null && needsSetup(s);
  let reason = firstRun ? 'IBKR Tray needs the Client Portal Gateway: set it up below.' : s.reason;
  if (s.state === 'rate-limited' && s.rateLimitedUntil !== null && s.rateLimitedUntil > now) {
    reason = `${s.reason} (resumes ${formatRelative(s.rateLimitedUntil, now)})`;
  }
  return {
    seq: s.seq,
    tone: firstRun ? 'setup' : s.tone,
    stateLabel: firstRun ? SETUP_TITLE : stateTitle(s.state),
    reason,
    identity,
    loginHint: s.state === 'logging-in' ? { text: LOGIN_PAGE_WORDS, url: loginPageUrl(s.gateway.url) } : null,
    accounts: { options, selected: s.selectedAccount, enabled: s.actions.selectAccount && options.length > 1, visible: options.length > 0 },
    buttons: {
      // "Cancel login" takes the place of "Log in" while a login is under way.
      logIn: button(s.actions.logIn, !s.actions.cancelLogin),
      cancelLogin: button(true, s.actions.cancelLogin),
      logOut: button(s.actions.logOut),
      takeOver: button(s.actions.takeOver),
      retry: button(s.actions.retry),
      startGateway: button(s.actions.startGateway),
      stopGateway: button(s.actions.stopGateway),
      refresh: button(s.actions.refresh),
    },
    times: {
      keepalive,
      ssoExpiry: formatRelative(s.ssoExpiresAt, now),
      nextReset: formatRelative(s.nextResetAt, now),
    },
    timesVisible: keepaliveFailing || s.lastTickleAt !== null || s.ssoExpiresAt !== null || s.nextResetAt !== null,
    keepaliveFailing,
    gateway: {
      status: gatewayStatus(s),
      url: s.gateway.url,
      port: String(s.gateway.port),
      pid: s.gateway.pid === null ? '—' : String(s.gateway.pid),
      folder: s.gateway.folder ?? 'not set',
    },
    setup,
    install: installOf(s, setup),
    notices: s.notices,
    // Desktop notifications and login items belong to the tray app; the dashboard has neither.
    preferences: PREFERENCE_LABELS.filter((p) => shell === 'electron' || !p.desktopOnly).map((p) => ({
      key: p.key,
      label: p.label,
      checked: s.preferences[p.key],
    })),
  };
}

/**
 * Whether `next` (a snapshot, a log line) comes after `current`: a higher number, or a lower number
 * made later. Pushes can arrive out of order (older ones are dropped), and an engine opened again for
 * the same profile (the tray app reopens one whose removal failed) counts from 1 again.
 */
export function isLater(current: { readonly seq: number; readonly at: number } | null, next: { readonly seq: number; readonly at: number }): boolean {
  return current === null || next.seq > current.seq || (next.seq < current.seq && next.at > current.at);
}

/** Whether `next` should replace `current` (isLater). */
export function isNewer(current: AppSnapshot | null, next: AppSnapshot): boolean {
  return isLater(current, next);
}

// ---- several profiles: a card each (issue 17) ----------------------------------------------------

/**
 * How a card names its elements: with one profile the page's ids as they always were (`log-in`), with
 * several an id per card (`log-in-p2`, by the card's place), so labels still point at their fields.
 */
export function cardIdOf(several: boolean, index: number): (role: string) => string {
  return several ? (role) => `${role}-p${index + 1}` : (role) => role;
}

/** Whether the cards on the page are still the profiles in `snapshots`, in the same order. */
export function sameProfiles(shown: readonly string[], snapshots: readonly Pick<AppSnapshot, 'profile'>[]): boolean {
  return shown.length === snapshots.length && snapshots.every((s, i) => s.profile === shown[i]);
}

/**
 * A push of log lines, split per profile card. A line names its profile; one that does not (an older
 * main or dashboard) belongs to the first card, which was the only one then.
 */
export function linesByProfile<L extends { readonly profile?: string }>(lines: readonly L[], first: string): ReadonlyMap<string, readonly L[]> {
  const grouped = new Map<string, L[]>();
  for (const line of lines) {
    const profile = line.profile ?? first;
    const list = grouped.get(profile);
    if (list === undefined) grouped.set(profile, [line]);
    else list.push(line);
  }
  return grouped;
}
