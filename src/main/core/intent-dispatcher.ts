/**
 * The IntentDispatcher is the EngineApi every shell holds: it turns intents into gateway calls (each
 * one allowed only where the snapshot's actions say so) and the monitor's state into numbered
 * snapshots, emitted only when something a user can see changed. "Log out" and "stop" are
 * remembered in settings, so auto-recovery never undoes them, not even after an app restart.
 */
import type { LogLine } from '../../shared/api.js';
import type { EngineApi } from '../../shared/engine-api.js';
import { IntentSchema, type Intent, type IntentResult, type IntentType } from '../../shared/intents.js';
import { deepEqual } from '../../shared/session.js';
import type { AppSnapshot, AvailableActions, GatewayView, Notice } from '../../shared/snapshot.js';
import { LOGIN_PAGE_WORDS } from '../../shared/state-words.js';
import type { AccountBook } from './accounts.js';
import type { Clock } from './gateway/clock.js';
import type { GatewayProcessState } from './gateway/types.js';
import { portOf } from './gateway/location.js';
import { asGatewayError } from './errors.js';
import type { SessionMonitor } from './monitor.js';
import type { SettingsStore } from './settings.js';
import { deriveSnapshot, missingOf } from './derive-snapshot.js';
import { Installs, type InstallWork } from './install/installs.js';

export interface IntentDispatcherOptions {
  readonly monitor: SessionMonitor;
  readonly accounts: AccountBook;
  readonly settings: SettingsStore;
  readonly clock: Clock;
  /** Shows the gateway's login page: the Electron login window, a browser tab, a printed URL. */
  readonly openLoginPage: (url: string) => void | Promise<void>;
  /** The gateway folder in use (an engine option may override the settings), or null. */
  readonly gatewayFolder: () => string | null;
  /** Check a folder the way the supervisor will; the reason it cannot be used, or null when it can. */
  readonly checkFolder: (folder: string) => string | null;
  /** After a new folder was saved: talk to that gateway from now on. */
  readonly onFolderChanged?: (folder: string) => void | Promise<void>;
  /** The downloads `install-gateway` and `install-java` do (absent: refused, e.g. a one-shot command). */
  readonly install?: { readonly gateway: InstallWork; readonly java: InstallWork };
  /** At most one progress snapshot per this many ms during an install (default 200). */
  readonly installProgressIntervalMs?: number;
  /** The engine's OS, for what to do when Java is missing (default this process's). */
  readonly platform?: NodeJS.Platform;
}

/** How many notices a snapshot carries (the newest). */
const MAX_NOTICES = 10;

/** The action each intent needs, so that buttons and refusals always agree. */
const NEEDS: Partial<Record<Intent['type'], keyof AvailableActions>> = {
  'start-gateway': 'startGateway',
  'stop-gateway': 'stopGateway',
  'log-in': 'logIn',
  'cancel-login': 'cancelLogin',
  'log-out': 'logOut',
  'select-account': 'selectAccount',
  'take-over': 'takeOver',
  retry: 'retry',
  refresh: 'refresh',
};

/**
 * Intents that never wait behind a slow start: cancelling a login, a refresh, and the installs (they
 * only begin or cancel a download, which then runs on its own).
 */
const UNQUEUED: ReadonlySet<IntentType> = new Set<IntentType>(['cancel-login', 'refresh', 'install-gateway', 'install-java', 'cancel-install']);

const WORDS: Record<Intent['type'], string> = {
  'start-gateway': 'Start gateway',
  'stop-gateway': 'Stop gateway',
  'log-in': 'Log in',
  'cancel-login': 'Cancel login',
  'log-out': 'Log out',
  'select-account': 'Choosing an account',
  'take-over': 'Take over',
  retry: 'Retry',
  refresh: 'Refresh',
  'set-gateway-folder': 'Choosing the gateway folder',
  'set-preference': 'Changing a preference',
  'install-gateway': 'Downloading the gateway',
  'install-java': 'Downloading Java',
  'cancel-install': 'Cancelling the download',
};

export class IntentDispatcher implements EngineApi {
  private last: AppSnapshot;
  private readonly listeners = new Set<(snapshot: AppSnapshot) => void>();
  private readonly logListeners = new Set<(lines: readonly LogLine[]) => void>();
  private readonly ownNotices: Notice[] = [];
  private readonly unsubscribers: (() => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly installs: Installs;

  /** Set by dispose(): no intent is carried out after it. */
  private closed = false;

  constructor(private readonly options: IntentDispatcherOptions) {
    this.installs = new Installs({
      clock: options.clock,
      onChange: () => this.emit(),
      notice: (level, text) => this.notice(level, text),
      ...(options.installProgressIntervalMs === undefined ? {} : { progressIntervalMs: options.installProgressIntervalMs }),
    });
    this.last = { seq: 1, ...this.build() };
    this.unsubscribers.push(
      options.monitor.on((state, previous) => {
        // The state machine ends a remembered "logged out" when the session comes back by other means
        // (a browser login, `ibkr-tray login`). Keep the settings in step, or the next start of the app
        // would hold it again and not restart a dropped brokerage session.
        const ended = previous.facts.hold;
        if (ended !== null && state.facts.hold === null && options.settings.get().userIntent === ended) {
          options.settings.update({ userIntent: null });
        }
        this.emit();
      }),
      options.settings.on(() => this.emit()),
      options.monitor.onSupervisorEvent((event) => {
        if (event.type === 'log') for (const listener of this.logListeners) listener(event.lines);
        else this.emit();
      }),
    );
  }

  snapshot(): AppSnapshot {
    return this.last;
  }

  subscribe(listener: (snapshot: AppSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  log(): readonly LogLine[] {
    return this.options.monitor.supervisor?.log() ?? [];
  }

  onLog(listener: (lines: readonly LogLine[]) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** Tell the user something that is not a state (kept with the newest few, shown by every shell). */
  notice(level: Notice['level'], text: string): void {
    this.ownNotices.push({ level, text, at: this.options.clock.now() });
    if (this.ownNotices.length > MAX_NOTICES) this.ownNotices.splice(0, this.ownNotices.length - MAX_NOTICES);
    this.emit();
  }

  /** Cancel a download under way and wait (boundedly) until it has cleaned up after itself. */
  stopInstalls(): Promise<void> {
    return this.installs.stop();
  }

  /** Stop following the monitor and the settings, and refuse every intent from now on. */
  dispose(): void {
    this.closed = true;
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    this.listeners.clear();
    this.logListeners.clear();
  }

  async dispatch(intent: Intent): Promise<IntentResult> {
    // A closed engine's gateway is no longer watched: an intent that reached it late (a notification
    // clicked, a folder dialog answered after its profile was removed) must not start one again.
    if (this.closed) return { ok: false, reason: 'This gateway is no longer open in IBKR Tray (its profile was removed, or the app is quitting).' };
    const parsed = IntentSchema.safeParse(intent);
    if (!parsed.success) return { ok: false, reason: `Not a valid request: ${parsed.error.issues[0]?.message ?? 'unknown intent'}.` };
    const checked = parsed.data;
    // Everything else runs one at a time.
    if (UNQUEUED.has(checked.type)) return this.run(checked);
    const result = this.queue.then(() => this.run(checked));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async run(intent: Intent): Promise<IntentResult> {
    const need = NEEDS[intent.type];
    if (need && !this.last.actions[need]) {
      return { ok: false, reason: `${WORDS[intent.type]} is not possible now. ${this.last.reason}` };
    }
    try {
      return await this.carryOut(intent);
    } catch (error) {
      return { ok: false, reason: asGatewayError(error, 'the gateway').message };
    } finally {
      this.emit();
    }
  }

  private async carryOut(intent: Intent): Promise<IntentResult> {
    const { monitor, settings, clock } = this.options;
    switch (intent.type) {
      case 'refresh':
        await monitor.checkNow();
        return { ok: true };
      case 'start-gateway':
        this.forgetHold('stopped');
        return this.startGateway();
      case 'stop-gateway': {
        settings.update({ userIntent: 'stopped' });
        monitor.expectStop();
        await monitor.supervisor?.stop();
        return { ok: true, message: 'Gateway stopped.' };
      }
      case 'log-in':
        return this.logIn();
      case 'cancel-login':
        monitor.apply({ type: 'login-cancelled', at: clock.now() });
        return { ok: true };
      case 'log-out':
        return this.logOut();
      case 'select-account':
        return this.options.accounts.select(intent.accountId);
      case 'take-over': {
        // Only ever on the user's word: taking the session back automatically makes both sides flap (§7).
        const answer = await monitor.initBrokerage(true);
        if (answer && answer.authenticated && !answer.competing) return { ok: true, message: 'Session taken over.' };
        return { ok: false, reason: `Could not take the session over: ${this.last.reason}` };
      }
      case 'retry':
        return this.retry();
      case 'set-gateway-folder': {
        const problem = this.options.checkFolder(intent.folder);
        if (problem) return { ok: false, reason: problem };
        settings.update({ gatewayFolder: intent.folder });
        await this.options.onFolderChanged?.(intent.folder);
        return { ok: true, message: `Gateway folder set to ${intent.folder}.` };
      }
      case 'set-preference':
        settings.update({ [intent.key]: intent.value });
        return { ok: true };
      case 'install-gateway':
        return this.beginInstall('gateway');
      case 'install-java':
        return this.beginInstall('java');
      case 'cancel-install':
        return this.installs.cancel() ? { ok: true, message: 'Cancelling the download…' } : { ok: false, reason: 'Nothing is being downloaded.' };
    }
  }

  /** Begin a download in the background; its progress and outcome reach the user through snapshots. */
  private beginInstall(what: 'gateway' | 'java'): IntentResult {
    const work = this.options.install?.[what];
    if (!work) return { ok: false, reason: 'Downloads are not available here: run `ibkr-tray gateway install` or `ibkr-tray java install`.' };
    const began = this.installs.begin(what, work);
    if ('refused' in began) return { ok: false, reason: began.refused };
    return { ok: true, message: what === 'gateway' ? 'Downloading the gateway…' : 'Downloading Java for the gateway…' };
  }

  private async startGateway(): Promise<IntentResult> {
    const supervisor = this.options.monitor.supervisor;
    if (!supervisor) return { ok: false, reason: 'No gateway folder chosen: choose the clientportal.gw folder (the one that contains bin/ and root/).' };
    try {
      await supervisor.start();
      return { ok: true, message: 'Gateway started.' };
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
  }

  private async logIn(): Promise<IntentResult> {
    const { monitor, clock } = this.options;
    this.forgetHold('logged-out');
    let state = monitor.state();
    if (state.kind === 'stopped' || state.kind === 'failed') {
      this.forgetHold('stopped');
      const started = await this.startGateway();
      if (!started.ok) return started;
      state = monitor.state();
    }
    if (state.kind === 'brokerage-starting') {
      // Logged in at IBKR already; only the brokerage session is missing.
      monitor.apply({ type: 'retry', at: clock.now() });
      const answer = await monitor.initBrokerage(false);
      if (answer?.authenticated) return { ok: true, message: 'Brokerage session started.' };
    }
    // Is an SSO session alive (auth/status 200)? Then ssodh/init, no login page needed.
    monitor.apply({ type: 'login-started', at: clock.now() });
    let alive = false;
    try {
      const status = await monitor.api.authStatus();
      if (status.authenticated && status.connected && !status.competing) {
        await monitor.checkNow();
        return { ok: true, message: 'Already logged in.' };
      }
      alive = true;
    } catch (error) {
      const e = asGatewayError(error, '/v1/api/iserver/auth/status');
      if (e.kind !== 'not-authenticated') {
        monitor.apply({ type: 'login-cancelled', at: clock.now() });
        return { ok: false, reason: e.message };
      }
    }
    if (alive) {
      const answer = await monitor.initBrokerage(false);
      if (answer?.authenticated) return { ok: true, message: 'Brokerage session started.' };
      monitor.apply({ type: 'login-started', at: clock.now() });
    }
    const url = `${monitor.api.baseUrl}/`;
    try {
      await this.options.openLoginPage(url);
    } catch (error) {
      monitor.apply({ type: 'login-cancelled', at: clock.now() });
      return { ok: false, reason: `Could not open the login page ${url}: ${(error as Error).message}` };
    }
    return { ok: true, message: `${LOGIN_PAGE_WORDS} ${url}` };
  }

  private async logOut(): Promise<IntentResult> {
    const { monitor, settings, clock } = this.options;
    settings.update({ userIntent: 'logged-out' });
    // Applied before the request: any answer to an older request can no longer show "ready".
    monitor.apply({ type: 'logged-out', at: clock.now() });
    try {
      await monitor.api.logout();
      return { ok: true, message: 'Logged out.' };
    } catch (error) {
      return { ok: true, outcome: 'unconfirmed', message: `Logged out here; the gateway did not confirm (${asGatewayError(error, '/v1/api/logout').message}).` };
    }
  }

  private async retry(): Promise<IntentResult> {
    const { monitor, clock } = this.options;
    const state = monitor.state();
    if ((state.kind === 'failed' || state.kind === 'stopped') && this.last.actions.startGateway) return this.startGateway();
    if (state.kind === 'brokerage-starting') {
      monitor.apply({ type: 'retry', at: clock.now() });
      const answer = await monitor.initBrokerage(false);
      return answer?.authenticated ? { ok: true, message: 'Brokerage session started.' } : { ok: false, reason: this.last.reason };
    }
    await monitor.checkNow();
    return { ok: true };
  }

  /** The user acted against their remembered "logged out" / "stopped": forget it. */
  private forgetHold(hold: 'logged-out' | 'stopped'): void {
    const { settings } = this.options;
    if (settings.get().userIntent === hold) settings.update({ userIntent: null });
  }

  private gatewayView(): { view: GatewayView; canStart: boolean; canStop: boolean; process: GatewayProcessState | null } {
    const { monitor, settings } = this.options;
    const url = monitor.api.baseUrl;
    const parsed = new URL(url);
    const port = portOf(parsed);
    const supervisor = monitor.supervisor;
    const proc = supervisor?.state() ?? null;
    // Until the supervisor has looked (its first state, 'stopped' with no reason), what the monitor
    // saw answer is all we know: an app restarted beside its running gateway must not call it stopped.
    const looked = proc !== null && !(proc.kind === 'stopped' && proc.reason === undefined);
    const running = looked ? proc.kind === 'running' : monitor.state().facts.gatewayRunning;
    const pid = proc && 'pid' in proc ? proc.pid : null;
    return {
      view: {
        url,
        port,
        folder: this.options.gatewayFolder(),
        running,
        pid,
        startedByUs: proc?.kind === 'running' ? proc.startedByUs : proc?.kind === 'starting',
        fingerprint: parsed.protocol === 'https:' ? settings.pinStore().get(url) : null,
      },
      canStart: !!proc && (proc.kind === 'stopped' || proc.kind === 'failed'),
      canStop: !!proc && (proc.kind === 'running' || proc.kind === 'starting'),
      process: proc,
    };
  }

  private build(): Omit<AppSnapshot, 'seq'> {
    const { monitor, settings, clock } = this.options;
    const gateway = this.gatewayView();
    return deriveSnapshot(monitor.state(), {
      profile: settings.profile,
      now: clock.now(),
      gateway: gateway.view,
      canStartGateway: gateway.canStart,
      canStopGateway: gateway.canStop,
      preferences: settings.preferences(),
      notices: [...settings.notices(), ...this.ownNotices].slice(-MAX_NOTICES),
      install: this.installs.view(),
      missing: missingOf(gateway.process, this.options.platform ?? process.platform),
    });
  }

  /** Emit a new snapshot if anything but its time changed. */
  private emit(): void {
    const next = this.build();
    const { at: _a, seq: _s, ...was } = this.last;
    const { at: _b, ...now } = next;
    if (deepEqual(was, now)) return;
    this.last = { seq: this.last.seq + 1, ...next };
    for (const listener of this.listeners) {
      try {
        listener(this.last);
      } catch {
        // a shell's listener failing must not stop the others
      }
    }
  }
}
