/**
 * The composition root of the core: settings → supervisor + client → monitor → controller.
 * Every shell (Electron main, `ibkr-tray`, `ibkr-tray serve`) builds its engine through createEngine.
 *
 * One-shot commands (e.g. `ibkr-tray status`): `createEngine({ watch: false })`, then
 * `await engine.refresh()` does one auth/status (+ a tickle when a session exists) and returns the
 * snapshot; no timer, socket or poll runs, so the process can exit right after `dispose()`.
 */
import fs from 'node:fs';
import type { EngineApi } from '../../shared/engine-api.js';
import type { AppSnapshot } from '../../shared/snapshot.js';
import { AccountBook, type AccountList, type AccountTiming } from './accounts.js';
import { InteractiveBrokersAuthentication } from './auth.js';
import { IntentDispatcher } from './intent-dispatcher.js';
import { createGatewayClient, type GatewayClient } from './gateway/client.js';
import { Pacer, type PacingRules, type SharedPacing } from './gateway/pacing.js';
import { systemClock, type Clock } from './gateway/clock.js';
import { checkGatewayFolder } from './gateway/folder.js';
import { folderGatewayLocation } from './gateway/location.js';
import { ProcessGatewaySupervisor } from './gateway/process.js';
import { createPinnedAgent } from './gateway/tls.js';
import type { GatewaySupervisor, SupervisorEvent } from './gateway/types.js';
import { SessionMonitor, type GatewayBinding } from './monitor.js';
import type { MonitorTiming } from './schedule.js';
import { profileStateDir } from './profiles.js';
import { gatewayPortOf, portTakenReason } from './profile-port.js';
import { ProfileError } from './errors.js';
import { profileKey } from './profile-key.js';
import { folderTakenReason, SettingsStore, stateFolderTakenReason } from './settings.js';
import { confSettingsBackend, defaultConfigDir, type SettingsBackend } from './settings-file.js';
import { GatewaySocket, type SocketTiming } from './socket.js';
import { downloadAddresses, type DownloadAddresses } from './install/download-addresses.js';
import type { GatewayControl, GatewayInstalled, GatewayInstallOptions } from './install/gateway-install.js';
import type { JavaInstalled, JavaInstallOptions } from './install/java-install.js';
import { gatewayInstallFolder } from './install/places.js';
import { megabytes } from '../../shared/install-words.js';

/** What the engine's downloads call: the core's installGateway and installJava (fakes in tests). */
export interface Installer {
  readonly gateway: (options: GatewayInstallOptions) => Promise<GatewayInstalled>;
  readonly java: (options: JavaInstallOptions) => Promise<JavaInstalled>;
}

/** Builds the supervisor of a gateway folder (the core's GatewaySupervisor in the app; fakes in tests). */
export type SupervisorFactory = (options: {
  readonly folder: string;
  readonly port: number;
  readonly clock: Clock;
  readonly configDir: string;
  /** Where this profile's own files live (the pid record): the settings folder for the first profile. */
  readonly stateDir: string;
  /** Whether the user has stopped the gateway meanwhile, as the settings file says now (another process may have). */
  readonly userStopped: () => boolean;
}) => GatewaySupervisor;

export interface EngineOptions {
  /** Settings folder; default IBKR_TRAY_CONFIG_DIR, else the OS app-data folder of "IBKR Tray". */
  readonly configDir?: string;
  /**
   * Which profile (named gateway) to run, without case: "Paper". Default the first profile, which
   * is the only one unless the user added more (then the engine is exactly what it was before
   * profiles). An unknown name, a folder another profile has, or a folder that vanished is refused
   * with a ProfileError whose message says what to do.
   */
  readonly profile?: string;
  /** Electron passes an electron-store backed one; default a `conf` backed one in configDir. */
  readonly settingsBackend?: SettingsBackend;
  /** Use this gateway origin instead of the settings / the folder's conf. */
  readonly gatewayUrl?: string;
  /** Use this gateway folder instead of the one in settings (not saved). */
  readonly gatewayFolder?: string;
  /** Per-request timeout (default 5000 ms). */
  readonly requestTimeoutMs?: number;
  /** How "log in" shows the gateway's login page: the Electron login window, a browser tab, a printed URL. */
  readonly openLoginPage?: (url: string) => void | Promise<void>;
  /** Follow the gateway's WebSocket (default true); false = REST polling only. */
  readonly useWebSocket?: boolean;
  /**
   * Run the monitor's timers (default true). false: nothing is checked by itself; call `refresh()`
   * for one check (one-shot commands), intents still work.
   */
  readonly watch?: boolean;
  /** How a supervisor is built for a folder; default the core's ProcessGatewaySupervisor; null: never start one. */
  readonly createSupervisor?: SupervisorFactory | null;
  /** Override IBKR's pacing rules (e.g. a short 429 penalty in tests); default IBKR_PACING. */
  readonly pacing?: Partial<PacingRules>;
  /** Pacing shared with other processes of this machine (the command's record); default none. */
  readonly sharedPacing?: SharedPacing;
  /** Time (tests pass a fake). */
  readonly clock?: Clock;
  /** Shorter intervals for tests and benchmarks. */
  readonly timing?: {
    readonly monitor?: Partial<MonitorTiming>;
    readonly socket?: Partial<SocketTiming>;
    readonly accounts?: Partial<AccountTiming>;
  };
  /** One line per request and socket event (never tokens, cookies or full account numbers). */
  readonly log?: (line: string) => void;
  /** What "Download the gateway" / "Download Java" run; default the core's installers. */
  readonly installer?: Installer;
  /** Where they download from; default IBKR's and Adoptium's (or the mirrors the environment names). */
  readonly downloadAddresses?: DownloadAddresses;
  /** At most one progress snapshot per this many ms during a download (default 200). */
  readonly installProgressIntervalMs?: number;
}

export interface Engine extends EngineApi {
  /** Begin watching (and start the gateway when the settings say so). */
  start(): Promise<void>;
  /** Stop every timer and socket; stop the gateway only when asked and only if IBKR Tray started it (any run). */
  dispose(options?: { readonly stopGateway?: boolean }): Promise<void>;
  /**
   * Check once now (auth/status, + tickle when a session exists unless `tickle: false`) and return
   * the snapshot after it. `accounts`: a list got a moment ago (another `ibkr-tray status`'s) that a
   * session this check finds ready takes instead of asking /iserver/accounts, when
   * `reusableAccounts` allows (accounts.ts); the same code applies it as a fresh answer.
   * Rejects with
   * the pacer's 'rate-limited' GatewayError when auth/status could not be sent in time (no 429: a
   * retry later is fine); a real 429 is the snapshot's rate-limited state instead.
   */
  refresh(options?: { readonly tickle?: boolean; readonly accounts?: AccountList }): Promise<AppSnapshot>;
  /**
   * The supervisor's events (whichever supervisor is current): which gateway runs and whether this
   * process launched it, and each unexpected exit with the restart it scheduled. For shells that
   * say more than the snapshot (keepalive, `gateway start`). Returns the unsubscribe.
   */
  onGatewayEvent(listener: (event: SupervisorEvent) => void): () => void;
  /** The name of the profile this engine runs ("Gateway" unless the user named or added profiles). */
  readonly profile: string;
  /** Where this profile's own files live (the record of the gateway it started). */
  readonly stateDir: string;
  /** The settings the engine uses (the shells read preferences from snapshots; this is for wiring). */
  readonly settings: SettingsStore;
  /** The seed library's API over the same client and supervisor (for scripts and the CLI). */
  readonly auth: InteractiveBrokersAuthentication;
  /**
   * The login window reached the gateway's post-login page (/sso/Dispatcher, "Client login
   * succeeds"): check readiness at once and then every 250 ms for up to 15 s. Only a hint; any
   * number of calls stays within IBKR's limits.
   */
  loginPageDone(): void;
  /**
   * Tell the user something through the snapshots' notices (every shell shows them): what a shell
   * saw go wrong outside any intent, e.g. a background failure it caught and survived.
   */
  notice(level: 'info' | 'warning' | 'error', text: string): void;
}

const DEFAULT_GATEWAY_URL = 'https://localhost:5000';

/** The core's supervisor of a folder; its pid record lives in the profile's state folder. */
const defaultSupervisor: SupervisorFactory = ({ folder, clock, stateDir, userStopped }) => new ProcessGatewaySupervisor({ folder, clock, stateDir, userStopped });

/**
 * Open a profile by name for a script: `await openProfile('Paper')` is `createEngine({ profile: 'Paper' })`.
 * Each profile's engine shares nothing with another's but the code: its own supervisor, client,
 * pacer (IBKR paces each gateway on its own), pid record and port.
 */
export function openProfile(name: string, options: Omit<EngineOptions, 'profile'> = {}): Promise<Engine> {
  return createEngine({ ...options, profile: name });
}


/**
 * Why the chosen profile cannot run, or null: its state folder is an earlier profile's too (one
 * record of the gateway for two), its folder or its gateway's port is an earlier profile's too (two
 * supervisors would fight over one gateway, or two profiles would show one session; a file edited by
 * hand can say so, and the first of the two keeps running), or it vanished (the first profile keeps today's behaviour of a missing folder: the
 * snapshot says it).
 */
function profileProblem(settings: SettingsStore, configDir: string, named: boolean, ownFolder: boolean): string | null {
  const folder = ownFolder ? null : settings.get().gatewayFolder;
  const profiles = settings.profiles();
  const earlier = profiles.slice(0, Math.max(0, profiles.findIndex((p) => profileKey(p.name) === profileKey(settings.profile))));
  // Its state folder is its own whatever gateway folder it runs (even one given with --dir).
  const shared = stateFolderTakenReason(earlier, configDir, settings.profileEntry());
  if (shared) return `The profile "${settings.profile}" cannot run: ${shared.charAt(0).toLowerCase()}${shared.slice(1)}`;
  if (folder === null) return null;
  const clash = folderTakenReason(earlier, folder, settings.profile) ?? portTakenReason(earlier, gatewayPortOf(settings.get()), settings.profile);
  if (clash) return `The profile "${settings.profile}" cannot run: ${clash.charAt(0).toLowerCase()}${clash.slice(1)}`;
  if (named && !fs.existsSync(folder)) {
    return `The gateway folder of "${settings.profile}", ${folder}, does not exist any more: point the profile at its folder again with \`ibkr-tray profile remove\` and \`profile add\`, or restore the folder.`;
  }
  return null;
}

/** Build the engine for a shell. */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const clock = options.clock ?? systemClock;
  const configDir = options.configDir ?? defaultConfigDir();
  const settings = SettingsStore.open(options.settingsBackend ?? confSettingsBackend(configDir), clock, options.profile);
  const stateDir = profileStateDir(configDir, settings.profileEntry());
  const problem = profileProblem(settings, configDir, options.profile !== undefined, Boolean(options.gatewayFolder));
  if (problem) throw new ProfileError(problem);
  const log = options.log ?? (() => undefined);
  const useWebSocket = options.useWebSocket ?? true;
  const openLoginPage = options.openLoginPage ?? ((url: string) => log(`log in at ${url}`));
  const folderOf = (): string | null => options.gatewayFolder ?? settings.get().gatewayFolder;
  // Loaded only when the socket is followed: a one-shot command never pays for 'ws'.
  const WebSocket = useWebSocket ? (await import('ws')).default : null;

  let client: GatewayClient | null = null;
  let supervisor: GatewaySupervisor | null = null;
  let pacer: Pacer | null = null;

  const createSupervisor = options.createSupervisor === undefined ? defaultSupervisor : options.createSupervisor;
  let unfollow: (() => void) | null = null;
  /** onGatewayEvent's listeners: the current supervisor's events, also when the monitor does not run (one-shot commands). */
  const gatewayListeners = new Set<(event: SupervisorEvent) => void>();

  /** Client (+ supervisor unless `keepSupervisor`) for the current folder / URL. */
  const bind = (keepSupervisor = false): GatewayBinding => {
    client?.dispose();
    const folder = folderOf();
    if (!keepSupervisor) {
      unfollow?.();
      unfollow = null;
      const previous = supervisor as GatewaySupervisor | null;
      if (previous) previous.dispose().catch(() => undefined);
      supervisor = folder && createSupervisor ? createSupervisor({ folder, port: settings.get().gatewayPort, clock, configDir, stateDir, userStopped: () => settings.reload().userIntent === 'stopped' }) : null;
      const current = supervisor as GatewaySupervisor | null;
      // The supervisor moves the gateway to another port when the configured one is taken: follow it.
      unfollow =
        current?.on((event) => {
          for (const listener of gatewayListeners) listener(event);
          if (event.type !== 'state' || event.state.kind !== 'running' || options.gatewayUrl || settings.get().gatewayUrl) return;
          if (current.location().url !== client?.baseUrl) monitor.replaceGateway(bind(true));
        }) ?? null;
    }
    const baseUrl =
      options.gatewayUrl ?? settings.get().gatewayUrl ?? supervisor?.location().url ?? (folder ? folderGatewayLocation(folder, stateDir)?.url : undefined) ?? DEFAULT_GATEWAY_URL;
    const pins = settings.pinStore();
    // One pacer per engine, kept across rebinds: a 429 penalty holds whatever the client.
    const ledger = options.sharedPacing;
    pacer ??= new Pacer({
      clock,
      ...(options.pacing ? { rules: options.pacing } : {}),
      // Keyed by the gateway the client talks to now (it moves when the supervisor picks another port).
      ...(ledger ? { shared: { ledger, origin: () => (client as GatewayClient | null)?.baseUrl ?? baseUrl } } : {}),
    });
    client = createGatewayClient({ baseUrl, pin: pins, clock, log, pacer, ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}) });
    const secure = baseUrl.startsWith('https:');
    // The WebSocket gets its own pinned agent over the same pins: one trust decision for HTTPS and WSS.
    const agent = secure ? createPinnedAgent({ pins, trustOnFirstUse: true, keepAlive: false }) : undefined;
    return {
      api: client,
      supervisor,
      createSocket: WebSocket
        ? (handlers) =>
            new GatewaySocket({
              baseUrl,
              clock,
              log,
              ...handlers,
              ...(options.timing?.socket ? { timing: options.timing.socket } : {}),
              createWebSocket: (url, o) => new WebSocket(url, { handshakeTimeout: o.handshakeTimeout, ...(agent ? { agent } : {}) }),
            })
        : null,
    };
  };

  const monitor = new SessionMonitor({
    gateway: bind(),
    clock,
    log,
    tickleIntervalMs: () => settings.get().tickleIntervalMs,
    hold: settings.get().userIntent,
    notice: (level, text) => controller?.notice(level, text),
    ...(options.timing?.monitor ? { timing: options.timing.monitor } : {}),
  });

  let controller: IntentDispatcher | null = null;
  const accounts = new AccountBook({
    monitor,
    settings,
    clock,
    notice: (level, text) => controller?.notice(level, text),
    ...(options.timing?.accounts ? { timing: options.timing.accounts } : {}),
  });
  controller = new IntentDispatcher({
    monitor,
    accounts,
    settings,
    clock,
    openLoginPage: (url) => openLoginPage(url),
    gatewayFolder: folderOf,
    checkFolder: (folder) => {
      try {
        checkGatewayFolder(folder);
        const profiles = settings.profiles();
        return folderTakenReason(profiles, folder, settings.profile) ?? portTakenReason(profiles, gatewayPortOf({ ...settings.get(), gatewayFolder: folder }), settings.profile);
      } catch (error) {
        return (error as Error).message;
      }
    },
    onFolderChanged: () => useSavedFolder(),
    install: { gateway: (signal, onProgress) => installGatewayHere(signal, onProgress), java: (signal, onProgress) => installJavaHere(signal, onProgress) },
    ...(options.installProgressIntervalMs === undefined ? {} : { installProgressIntervalMs: options.installProgressIntervalMs }),
  });
  const engine = controller;
  const watch = options.watch ?? true;
  /** start() was called: the shell wants the engine running (a one-shot command never calls it). */
  let started = false;

  /** The gateway folder in the settings changed: talk to (and, when wanted, start) that gateway. */
  async function useSavedFolder(): Promise<void> {
    // An engine option pins the folder for this run; a saved one takes effect now otherwise.
    if (options.gatewayFolder) return;
    monitor.replaceGateway(bind());
    // First run: the folder the user just chose is what the app was waiting for.
    if (started) await startGatewayIfWanted();
  }

  // Loaded on the first download: a one-shot command never pays for the zip, tar and proxy code.
  const installer: Installer = options.installer ?? {
    gateway: async (o) => (await import('./install/gateway-install.js')).installGateway(o),
    java: async (o) => (await import('./install/java-install.js')).installJava(o),
  };
  const addresses = options.downloadAddresses ?? downloadAddresses();
  // The command's rule (`gateway install`): a server silent for 6 request timeouts fails the download
  // (without a request timeout, the installers' default of 30 s).
  const downloadStallMs = options.requestTimeoutMs ? options.requestTimeoutMs * 6 : undefined;

  /**
   * "Download the gateway": into the folder `gateway install` would choose, then use it as the gateway
   * folder and start it when the settings say so. An update of a running gateway stops it for the swap.
   */
  async function installGatewayHere(signal: AbortSignal, onProgress: GatewayInstallOptions['onProgress']): Promise<string> {
    const folder = gatewayInstallFolder(folderOf(), configDir);
    const current = supervisor as GatewaySupervisor | null;
    const control: GatewayControl | undefined = current
      ? {
          isRunning: () => Promise.resolve(current.state().kind === 'running'),
          stop: async () => {
            monitor.expectStop();
            await current.stop();
          },
          start: async () => {
            await current.start();
          },
        }
      : undefined;
    const done = await installer.gateway({ folder, source: addresses.gatewayZip, signal, onProgress, gateway: control, stallMs: downloadStallMs });
    if (done.restartFailed !== null) throw new Error(`the gateway in ${folder} was updated, but it did not start again: ${done.restartFailed}`);
    // The install is done once the folder is in place: the gateway's start (up to its ready timeout)
    // shows as the session's own "starting", not as a download that does not end.
    if (!options.gatewayFolder && settings.get().gatewayFolder !== folder) {
      settings.update({ gatewayFolder: folder });
      // In the background, after the install's own outcome: a failure here is told, never left unhandled.
      useSavedFolder().catch((error: unknown) => controller?.notice('error', `The gateway in ${folder} is installed, but it could not be used: ${error instanceof Error ? error.message : String(error)}`));
    } else if (started) {
      void startGatewayIfWanted();
    }
    if (done.outcome === 'unchanged') return `The gateway in ${folder} is up to date.`;
    const size = done.bytes === null ? '' : ` (${megabytes(done.bytes)})`;
    return `${done.outcome === 'installed' ? 'Installed' : 'Updated'} the gateway in ${folder}${size}.`;
  }

  /** "Download Java for the gateway": a JRE where the gateway's start looks, then the failed start again. */
  async function installJavaHere(signal: AbortSignal, onProgress: JavaInstallOptions['onProgress']): Promise<string> {
    const done = await installer.java({ appDataDir: configDir, apiBase: addresses.adoptiumApi, signal, onProgress, stallMs: downloadStallMs });
    const current = supervisor as GatewaySupervisor | null;
    // The start that found no Java is the one the user wanted: try it again now that there is one.
    if (current?.state().kind === 'failed') void current.start().catch(() => undefined);
    return done.outcome === 'installed' ? `Installed Java ${done.version} in ${done.home}.` : `Java ${done.version} is already installed in ${done.home}.`;
  }

  /** Start the folder's gateway when the settings say so and the user has not stopped it. */
  async function startGatewayIfWanted(): Promise<void> {
    const s = settings.get();
    const current = supervisor as GatewaySupervisor | null;
    if (!current || !s.startGatewayWithApp || s.userIntent === 'stopped' || current.state().kind === 'running') return;
    try {
      await current.start();
    } catch {
      // the supervisor's 'failed' state already carries the reason to the snapshot
    }
  }

  let auth: InteractiveBrokersAuthentication | null = null;
  let authFor: GatewaySupervisor | null = null;

  return {
    profile: settings.profile,
    stateDir,
    settings,
    get auth(): InteractiveBrokersAuthentication {
      // Rebuilt when the folder (and so the supervisor) changed; the client is always the current one.
      if (!auth || authFor !== monitor.supervisor) {
        authFor = monitor.supervisor;
        auth = new InteractiveBrokersAuthentication({ client: () => monitor.api, supervisor: authFor, openLoginPage, clock });
      }
      return auth;
    },
    loginPageDone: () => monitor.loginPageDone(),
    notice: (level, text) => engine.notice(level, text),
    snapshot: () => engine.snapshot(),
    subscribe: (listener) => engine.subscribe(listener),
    dispatch: (intent) => engine.dispatch(intent),
    log: () => engine.log(),
    onLog: (listener) => engine.onLog(listener),
    onGatewayEvent: (listener) => {
      gatewayListeners.add(listener);
      return () => gatewayListeners.delete(listener);
    },
    async start(): Promise<void> {
      started = true;
      monitor.start({ timers: watch });
      await startGatewayIfWanted();
    },
    async refresh(refreshOptions = {}): Promise<AppSnapshot> {
      // Offered to the listing that a move into "ready" starts during this check, and to no later one.
      accounts.useRecent(refreshOptions.accounts ?? null);
      try {
        await monitor.checkOnce({
          ...(refreshOptions.tickle === undefined ? {} : { tickle: refreshOptions.tickle }),
        });
        // A session this check found ready is listing its accounts: the answer shows them.
        await accounts.firstAnswer();
      } finally {
        accounts.useRecent(null);
      }
      // Nothing was asked (our pacing had no slot in time): the snapshot would only repeat where it started.
      const notSent = monitor.lastCheckNotSent();
      if (notSent) throw notSent;
      return engine.snapshot();
    },
    async dispose(disposeOptions = {}): Promise<void> {
      unfollow?.();
      monitor.stop();
      accounts.dispose();
      await engine.stopInstalls();
      engine.dispose();
      const current = supervisor as GatewaySupervisor | null;
      if (current) {
        const proc = current.state();
        if (disposeOptions.stopGateway && proc.kind === 'running' && proc.startedByUs) await current.stop().catch(() => undefined);
        await current.dispose();
      }
      (client as GatewayClient | null)?.dispose();
    },
  };
}
