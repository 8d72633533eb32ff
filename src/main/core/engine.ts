/**
 * The composition root of the core: settings → supervisor + client → monitor → controller.
 * Every shell (Electron main, `ibkr-tray`, `ibkr-tray serve`) builds its engine through createEngine.
 *
 * One-shot commands (e.g. `ibkr-tray status`): `createEngine({ watch: false })`, then
 * `await engine.refresh()` does one auth/status (+ a tickle when a session exists) and returns the
 * snapshot; no timer, socket or poll runs, so the process can exit right after `dispose()`.
 */
import type { Engine } from '../../shared/engine.js';
import type { AppSnapshot } from '../../shared/snapshot.js';
import { AccountBook, type AccountTiming } from './accounts.js';
import { InteractiveBrokersAuthentication } from './auth.js';
import { SessionController } from './controller.js';
import { createGatewayClient, type GatewayClient } from './gateway/client.js';
import { Pacer, type PacingRules } from './gateway/pacing.js';
import { systemClock, type Clock } from './gateway/clock.js';
import { checkGatewayFolder } from './gateway/folder.js';
import { folderGatewayUrl } from './gateway/location.js';
import { ProcessGatewaySupervisor } from './gateway/process.js';
import { createPinnedAgent } from './gateway/tls.js';
import type { GatewaySupervisor } from './gateway/types.js';
import { SessionMonitor, type GatewayBinding } from './monitor.js';
import type { MonitorTiming } from './schedule.js';
import { confSettingsBackend, defaultConfigDir, SettingsStore, type SettingsBackend } from './settings.js';
import { GatewaySocket, type SocketTiming } from './socket.js';

/** Builds the supervisor of a gateway folder (the core's GatewaySupervisor in the app; fakes in tests). */
export type SupervisorFactory = (options: {
  readonly folder: string;
  readonly port: number;
  readonly clock: Clock;
  readonly configDir: string;
}) => GatewaySupervisor;

export interface EngineOptions {
  /** Settings folder; default IBKR_TRAY_CONFIG_DIR, else the OS app-data folder of "IBKR Tray". */
  readonly configDir?: string;
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
}

export interface EngineHandle extends Engine {
  /** Begin watching (and start the gateway when the settings say so). */
  start(): Promise<void>;
  /** Stop every timer and socket; stop the gateway only when asked and only if we started it. */
  dispose(options?: { readonly stopGateway?: boolean }): Promise<void>;
  /**
   * Check once now (auth/status, + tickle when a session exists unless `tickle: false`) and return
   * the snapshot after it.
   */
  refresh(options?: { readonly tickle?: boolean }): Promise<AppSnapshot>;
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
}

const DEFAULT_GATEWAY_URL = 'https://localhost:5000';

/** The core's supervisor of a folder; its pid record lives in the settings folder. */
const defaultSupervisor: SupervisorFactory = ({ folder, clock, configDir }) => new ProcessGatewaySupervisor({ folder, clock, stateDir: configDir });

/** Build the engine for a shell. */
export async function createEngine(options: EngineOptions = {}): Promise<EngineHandle> {
  const clock = options.clock ?? systemClock;
  const configDir = options.configDir ?? defaultConfigDir();
  const settings = SettingsStore.open(options.settingsBackend ?? confSettingsBackend(configDir), clock);
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

  /** Client (+ supervisor unless `keepSupervisor`) for the current folder / URL. */
  const bind = (keepSupervisor = false): GatewayBinding => {
    client?.dispose();
    const folder = folderOf();
    if (!keepSupervisor) {
      unfollow?.();
      unfollow = null;
      const previous = supervisor as GatewaySupervisor | null;
      if (previous) void previous.dispose();
      supervisor = folder && createSupervisor ? createSupervisor({ folder, port: settings.get().gatewayPort, clock, configDir }) : null;
      const current = supervisor as GatewaySupervisor | null;
      // The supervisor moves the gateway to another port when the configured one is taken: follow it.
      unfollow =
        current?.on((event) => {
          if (event.type !== 'state' || event.state.kind !== 'running' || options.gatewayUrl || settings.get().gatewayUrl) return;
          if (current.location().url !== client?.baseUrl) monitor.replaceGateway(bind(true));
        }) ?? null;
    }
    const baseUrl =
      options.gatewayUrl ?? settings.get().gatewayUrl ?? supervisor?.location().url ?? (folder ? folderGatewayUrl(folder) : null) ?? DEFAULT_GATEWAY_URL;
    const pins = settings.pinStore();
    // One pacer per engine, kept across rebinds: a 429 penalty holds whatever the client.
    pacer ??= new Pacer({ clock, ...(options.pacing ? { rules: options.pacing } : {}) });
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

  let controller: SessionController | null = null;
  const accounts = new AccountBook({
    monitor,
    settings,
    clock,
    notice: (level, text) => controller?.notice(level, text),
    ...(options.timing?.accounts ? { timing: options.timing.accounts } : {}),
  });
  controller = new SessionController({
    monitor,
    accounts,
    settings,
    clock,
    openLoginPage: (url) => openLoginPage(url),
    gatewayFolder: folderOf,
    checkFolder: (folder) => {
      try {
        checkGatewayFolder(folder);
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    },
    onFolderChanged: async () => {
      // An engine option pins the folder for this run; a saved one takes effect now otherwise.
      if (options.gatewayFolder) return;
      monitor.replaceGateway(bind());
      // First run: the folder the user just chose is what the app was waiting for.
      if (started) await startGatewayIfWanted();
    },
  });
  const engine = controller;
  const watch = options.watch ?? true;
  /** start() was called: the shell wants the engine running (a one-shot command never calls it). */
  let started = false;

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
    snapshot: () => engine.snapshot(),
    subscribe: (listener) => engine.subscribe(listener),
    dispatch: (intent) => engine.dispatch(intent),
    log: () => engine.log(),
    onLog: (listener) => engine.onLog(listener),
    async start(): Promise<void> {
      started = true;
      monitor.start({ timers: watch });
      await startGatewayIfWanted();
    },
    async refresh(refreshOptions = {}): Promise<AppSnapshot> {
      await monitor.checkOnce(refreshOptions);
      // A session this check found ready is listing its accounts: the answer shows them.
      await accounts.firstAnswer();
      return engine.snapshot();
    },
    async dispose(disposeOptions = {}): Promise<void> {
      unfollow?.();
      monitor.stop();
      accounts.dispose();
      engine.dispose();
      const current = supervisor as GatewaySupervisor | null;
      if (current) {
        const proc = current.state();
        if (disposeOptions.stopGateway && proc.kind === 'running' && !proc.adopted) await current.stop().catch(() => undefined);
        await current.dispose();
      }
      (client as GatewayClient | null)?.dispose();
    },
  };
}
