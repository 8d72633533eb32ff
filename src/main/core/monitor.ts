/**
 * The SessionMonitor keeps the SessionState true: it follows the gateway's WebSocket, tickles about
 * once a minute, polls auth/status only while the socket is down (faster during a login), starts the
 * brokerage session by itself at most 3 times, backs off on IBKR-side errors, and respects a 429's
 * penalty. Every answer becomes a SessionEvent applied through the pure `transition`.
 *
 * Idle traffic while ready with a healthy socket: one /tickle per tickle interval plus the socket's
 * `tic`s; auth/status is not polled then.
 */
import {
  MAX_BROKERAGE_INIT_ATTEMPTS,
  initialSessionState,
  transition,
  type SessionEvent,
  type SessionState,
  type UserHold,
} from '../../shared/session.js';
import { asGatewayError, type GatewayError } from './errors.js';
import type { Clock } from './gateway/clock.js';
import { accountsFrom, WsAccountsSchema, WsStatusSchema, WsSystemSchema, type AuthStatus, type SsodhInit, type WsMessage } from './gateway/schemas.js';
import type { GatewayApi, GatewayProcessState, GatewaySupervisor, SupervisorEvent } from './gateway/types.js';
import type { GatewaySocket } from './socket.js';
import { Timers } from './timers.js';

export interface MonitorTiming {
  /** auth/status while a login or the brokerage start is in progress and the socket is down. */
  readonly fastPollMs: number;
  /** auth/status otherwise while the socket is down (IBKR's limits allow far more; this is frugal). */
  readonly slowPollMs: number;
  /** Wait after the SSO login before our own ssodh/init: the gateway does one itself after authDelay (§6). */
  readonly brokerageGraceMs: number;
  /** Between our ssodh/init attempts. */
  readonly brokerageRetryMs: number;
  /** sso/validate is paced by IBKR at 1/min (§8). */
  readonly ssoValidateMinIntervalMs: number;
  /** A login page left open longer than this ends the wait. */
  readonly loginTimeoutMs: number;
  /** Backoff after IBKR-side errors: first delay, doubling to the cap, with jitter. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** A timer that fires this much later than due means the machine slept: check at once. */
  readonly wakeSlackMs: number;
}

export const DEFAULT_MONITOR_TIMING: MonitorTiming = {
  fastPollMs: 3_000,
  slowPollMs: 12_000,
  brokerageGraceMs: 5_000,
  brokerageRetryMs: 5_000,
  ssoValidateMinIntervalMs: 60_000,
  loginTimeoutMs: 300_000,
  backoffInitialMs: 5_000,
  backoffMaxMs: 120_000,
  wakeSlackMs: 30_000,
};

/** What the monitor talks to; swapped as a whole when the user chooses another gateway folder. */
export interface GatewayBinding {
  readonly api: GatewayApi;
  readonly supervisor: GatewaySupervisor | null;
  /** Builds the WebSocket follower for this gateway, or null for REST polling only. */
  readonly createSocket: ((handlers: SocketHandlers) => GatewaySocket) | null;
}

export interface SocketHandlers {
  readonly sessionToken: () => Promise<string | null>;
  readonly onMessage: (message: WsMessage, at: number) => void;
  readonly onHealth: (healthy: boolean) => void;
}

export interface SessionMonitorOptions {
  readonly gateway: GatewayBinding;
  readonly clock: Clock;
  /** The tickle interval (read each time, so a settings change applies at the next tickle). */
  readonly tickleIntervalMs: () => number;
  /** The remembered user intent at startup ("logged-out" / "stopped"). */
  readonly hold?: UserHold;
  readonly timing?: Partial<MonitorTiming>;
  readonly random?: () => number;
  readonly log?: (line: string) => void;
  /** Tell the user something that is not a state (an odd answer from an informational endpoint). */
  readonly notice?: (level: 'info' | 'warning' | 'error', text: string) => void;
}

export type StateListener = (state: SessionState, previous: SessionState, event: SessionEvent) => void;

/** Session kinds in which a session exists upstream that the keepalive and the socket follow. */
const WITH_SESSION = new Set<SessionState['kind']>(['ready', 'competing', 'brokerage-starting', 'not-responding']);

export class SessionMonitor {
  private current: SessionState;
  private binding: GatewayBinding;
  private socket: GatewaySocket | null = null;
  private readonly timers: Timers;
  private readonly timing: MonitorTiming;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readonly listeners = new Set<StateListener>();
  private lastSsoProblem: string | null = null;
  private readonly supervisorListeners = new Set<(event: SupervisorEvent) => void>();
  private unsubscribeSupervisor: (() => void) | null = null;
  private running = false;
  private checking: Promise<void> | null = null;
  private tickling: Promise<void> | null = null;
  private token: string | null = null;
  /** When the last tickle was sent or refused, whatever its outcome (the keepalive's cadence). */
  private lastTickleTryAt: number | null = null;
  private lastSsoValidateAt: number | null = null;
  private lastInitAt: number | null = null;
  /** The login-required phase (by its start) whose 401 was already followed by one sso/validate. */
  private ssoCheckedFor: number | null = null;
  private backoffFailures = 0;
  private stopRequested = false;
  private applying = false;
  private readonly queue: SessionEvent[] = [];

  constructor(private readonly options: SessionMonitorOptions) {
    this.binding = options.gateway;
    this.timers = new Timers(options.clock);
    this.timing = { ...DEFAULT_MONITOR_TIMING, ...options.timing };
    this.random = options.random ?? Math.random;
    this.log = options.log ?? (() => undefined);
    this.current = initialSessionState(options.clock.now(), options.hold ?? null);
  }

  state(): SessionState {
    return this.current;
  }

  get api(): GatewayApi {
    return this.binding.api;
  }

  get supervisor(): GatewaySupervisor | null {
    return this.binding.supervisor;
  }

  /** Whether the WebSocket is up and hearing from the gateway. */
  socketHealthy(): boolean {
    return this.socket?.healthy() ?? false;
  }

  /** Called with every state change. Returns the function that unsubscribes. */
  on(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Apply one event (from the controller, the socket or an answer) and re-plan the schedule. */
  apply(event: SessionEvent): void {
    this.queue.push(event);
    if (this.applying) return; // a listener applied an event: run it after this one, in order
    this.applying = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        const previous = this.current;
        const state = transition(previous, next);
        if (state === previous) continue;
        this.current = state;
        for (const listener of this.listeners) {
          try {
            listener(state, previous, next);
          } catch (error) {
            this.log(`monitor: a listener failed: ${(error as Error).message}`);
          }
        }
      }
    } finally {
      this.applying = false;
    }
    this.plan();
  }

  /**
   * Begin watching: follow the supervisor, check once, and keep checking on schedule. With
   * `timers: false` only the supervisor is followed (one-shot commands call checkOnce themselves).
   */
  start(options: { readonly timers?: boolean } = {}): void {
    this.attachSupervisor();
    this.running = options.timers ?? true;
    this.syncProcessState();
    if (this.running) void this.checkNow();
  }

  /** Stop every timer and the socket. */
  stop(): void {
    this.running = false;
    this.timers.clearAll();
    this.socket?.stop();
    this.socket = null;
    this.unsubscribeSupervisor?.();
    this.unsubscribeSupervisor = null;
  }

  /** Talk to another gateway (the user chose another folder or URL). */
  replaceGateway(binding: GatewayBinding): void {
    const wasRunning = this.running;
    this.stop();
    this.binding = binding;
    this.token = null;
    this.apply({ type: 'gateway-starting', at: this.options.clock.now() });
    this.start({ timers: wasRunning });
  }

  /** The next stop of the supervisor was asked for by the user (remembered as "stopped"). */
  expectStop(): void {
    this.stopRequested = true;
  }

  /** Check at once (a wake from sleep, a network change, the user's "refresh"): auth/status and a tickle. */
  async checkNow(): Promise<void> {
    this.backoffFailures = 0;
    this.socket?.restart();
    await Promise.all([this.check(), this.hasSession() ? this.tickle() : Promise.resolve()]);
  }

  /** One auth/status (+ tickle when a session exists), for one-shot commands; returns the state after it. */
  async checkOnce(): Promise<SessionState> {
    await this.check();
    if (this.hasSession()) await this.tickle();
    return this.current;
  }

  /** ssodh/init; compete:true only for the user's "take over" (never automatically, §7). */
  async initBrokerage(compete: boolean): Promise<SsodhInit | null> {
    const at = this.options.clock.now();
    this.lastInitAt = at;
    this.apply({ type: 'brokerage-init', at });
    try {
      const answer = await this.api.ssodhInit(compete);
      this.apply({ type: 'status', at, authenticated: answer.authenticated, connected: answer.connected, competing: answer.competing, fail: answer.fail ?? null });
      if (!answer.authenticated && this.current.kind === 'brokerage-starting') {
        this.apply({ type: 'brokerage-init-failed', at, reason: answer.fail || answer.message || 'the brokerage session is not up yet' });
      }
      return answer;
    } catch (error) {
      const e = asGatewayError(error, '/v1/api/iserver/auth/ssodh/init');
      if (e.kind === 'rate-limited' || e.kind === 'unreachable' || e.kind === 'certificate-changed') this.onFailure(e, at, '/v1/api/iserver/auth/ssodh/init');
      else this.apply({ type: 'brokerage-init-failed', at, reason: e.message });
      return null;
    }
  }

  /** The brokerage start in one call, for "log in" while the SSO session is alive. */
  maxBrokerageAttempts(): number {
    return MAX_BROKERAGE_INIT_ATTEMPTS;
  }

  // ---------------------------------------------------------------- checks

  private hasSession(): boolean {
    return WITH_SESSION.has(this.current.kind);
  }

  private check(): Promise<void> {
    this.checking ??= this.doCheck().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async doCheck(): Promise<void> {
    if (this.current.kind === 'rate-limited') return;
    const at = this.options.clock.now();
    let status: AuthStatus;
    try {
      status = await this.api.authStatus();
    } catch (error) {
      this.onFailure(asGatewayError(error, '/v1/api/iserver/auth/status'), at, '/v1/api/iserver/auth/status');
      return;
    }
    this.backoffFailures = 0;
    this.apply(statusEvent(status, at));
  }

  private tickle(): Promise<void> {
    this.tickling ??= this.doTickle().finally(() => {
      this.tickling = null;
    });
    return this.tickling;
  }

  private async doTickle(): Promise<void> {
    if (this.current.kind === 'rate-limited') return;
    const at = this.options.clock.now();
    this.lastTickleTryAt = at;
    try {
      const answer = await this.api.tickle();
      this.token = answer.session;
      this.apply({ type: 'tickle', at, ssoExpiresAt: at + answer.ssoExpires });
      const auth = answer.iserver?.authStatus;
      if (auth && (auth.authenticated != null || auth.connected != null || auth.competing != null)) {
        this.apply({
          type: 'status',
          at,
          authenticated: auth.authenticated,
          connected: auth.connected,
          competing: auth.competing,
          fail: auth.fail,
          serverName: auth.serverInfo?.serverName,
        });
      }
    } catch (error) {
      const e = asGatewayError(error, '/v1/api/tickle');
      if (e.kind !== 'not-authenticated' && e.kind !== 'no-session' && e.kind !== 'rate-limited') {
        this.apply({ type: 'keepalive-failed', at });
      }
      this.onFailure(e, at, '/v1/api/tickle');
    }
  }

  /** The session token for the socket: the last tickle's, or a fresh tickle. */
  private async sessionToken(): Promise<string | null> {
    if (!this.token) await this.tickle();
    return this.token;
  }

  private async validateSso(): Promise<void> {
    const now = this.options.clock.now();
    if (this.lastSsoValidateAt !== null && now - this.lastSsoValidateAt < this.timing.ssoValidateMinIntervalMs) return;
    this.lastSsoValidateAt = now;
    try {
      const sso = await this.api.ssoValidate();
      this.apply({
        type: 'sso',
        at: now,
        valid: sso.RESULT,
        username: sso.USER_NAME,
        paper: sso.LOGIN_TYPE == null ? null : sso.LOGIN_TYPE === 2,
        region: sso.region ?? null,
      });
    } catch (error) {
      const e = asGatewayError(error, '/v1/api/sso/validate');
      if (e.kind === 'not-authenticated') this.apply({ type: 'sso', at: now, valid: false });
      else if (e.kind === 'rate-limited') this.onFailure(e, now, '/v1/api/sso/validate');
      // sso/validate only adds who is logged in and the region; the session's state comes from
      // auth/status and tickle. A bad answer here is shown once as a notice, not as a state.
      else if (e.kind === 'unexpected-answer' && e.message !== this.lastSsoProblem) {
        this.lastSsoProblem = e.message;
        this.options.notice?.('warning', e.message);
      }
    }
  }

  private onFailure(e: GatewayError, at: number, endpoint: string): void {
    switch (e.kind) {
      case 'not-authenticated':
        this.token = null;
        this.apply({ type: 'not-authenticated', at });
        return;
      case 'no-session':
        this.token = null;
        this.apply({ type: 'no-session', at });
        return;
      case 'rate-limited': {
        // Our own pacer also refuses with 'rate-limited' when a slot is too far away (nothing was
        // sent); only a real 429 puts the client in the penalty box, and only that is a state.
        const until = this.api.penaltyUntil();
        if (until === null) {
          this.log(`monitor: ${endpoint} not sent now (pacing): ${e.message}`);
          return;
        }
        this.apply({ type: 'rate-limited', at, until });
        return;
      }
      case 'unreachable':
        this.apply({ type: 'failure', at, cause: 'unreachable', reason: e.message });
        return;
      case 'certificate-changed':
        this.apply({ type: 'failure', at, cause: 'certificate-changed', reason: e.message });
        return;
      case 'unexpected-answer':
        this.backoffFailures++;
        this.apply({ type: 'failure', at, cause: 'unexpected-answer', reason: `Unexpected answer from ${e.details.endpoint ?? endpoint}: ${e.message}` });
        return;
      case 'not-responding':
      case 'ibkr-error':
        this.backoffFailures++;
        this.apply({ type: 'failure', at, cause: e.kind, reason: e.message });
        return;
    }
  }

  // ---------------------------------------------------------------- the supervisor

  private attachSupervisor(): void {
    const supervisor = this.binding.supervisor;
    if (!supervisor || this.unsubscribeSupervisor) return;
    this.unsubscribeSupervisor = supervisor.on((event) => this.onSupervisor(event));
  }

  private syncProcessState(): void {
    const supervisor = this.binding.supervisor;
    if (supervisor) this.onProcessState(supervisor.state());
  }

  private onSupervisor(event: SupervisorEvent): void {
    if (event.type === 'state') this.onProcessState(event.state);
    for (const listener of this.supervisorListeners) listener(event);
  }

  /** Events of whichever supervisor is current (log lines for the shells). Returns the unsubscribe. */
  onSupervisorEvent(listener: (event: SupervisorEvent) => void): () => void {
    this.supervisorListeners.add(listener);
    return () => this.supervisorListeners.delete(listener);
  }

  private onProcessState(state: GatewayProcessState): void {
    const at = this.options.clock.now();
    switch (state.kind) {
      case 'starting':
        this.apply({ type: 'gateway-starting', at });
        return;
      case 'running':
        this.apply({ type: 'gateway-running', at });
        if (this.running) void this.checkNow();
        return;
      case 'stopping':
        return;
      case 'stopped': {
        const byUser = this.stopRequested;
        this.stopRequested = false;
        this.token = null;
        this.apply({ type: 'gateway-stopped', at, reason: state.reason ?? null, byUser });
        return;
      }
      case 'failed':
        this.apply({ type: 'gateway-failed', at, reason: state.reason });
        return;
    }
  }

  /** No supervisor (a gateway we only know by URL), or the supervisor says the process is up. */
  private gatewayExpectedUp(): boolean {
    const supervisor = this.binding.supervisor;
    if (!supervisor) return true;
    const kind = supervisor.state().kind;
    return kind === 'running';
  }

  // ---------------------------------------------------------------- the schedule

  /** Arm exactly the timers the current state needs. */
  private plan(): void {
    if (!this.running) return;
    const s = this.current;
    const now = this.options.clock.now();

    if (s.kind === 'rate-limited') {
      this.timers.clearAll();
      this.socket?.stop();
      // A few ms late on purpose: timers may fire a hair early, and the pacer counts the end itself.
      this.timers.set('penalty', s.until + 5, () => {
        this.apply({ type: 'rate-limit-over', at: this.options.clock.now() });
        void this.checkNow();
      });
      return;
    }
    this.timers.clear('penalty');

    const up = this.gatewayExpectedUp();
    const session = this.hasSession();

    // Keepalive: a tickle about every interval while a session exists. Errors never stop it.
    if (up && session) {
      const interval = this.options.tickleIntervalMs();
      // From the last try, not the last success: a failing tickle (hung gateway, our own pacer's
      // refusal) must wait its interval too, or its timer is due at once again and again.
      const last = Math.max(this.current.facts.lastTickleAt ?? -Infinity, this.lastTickleTryAt ?? -Infinity);
      const due = (Number.isFinite(last) ? last : now) + interval;
      this.timers.ensure('tickle', Math.max(due, now), () => this.onTickleTimer(due));
    } else {
      this.timers.clear('tickle');
    }

    // The WebSocket follows the session while one exists.
    this.planSocket(up && session);

    // auth/status polling only while the socket is not healthy.
    const pollDelay = this.pollDelay(up);
    // A healthy socket says nothing about /iserver answering: while not responding, poll regardless.
    if (pollDelay === null || (this.socketHealthy() && s.kind !== 'not-responding')) this.timers.clear('poll');
    else {
      const due = now + pollDelay;
      this.timers.ensure('poll', due, () => this.onPollTimer(due));
    }

    // The brokerage session: ssodh/init at most MAX times, never when the user logged out.
    if (s.kind === 'brokerage-starting' && up && !s.gaveUp && s.attempts < MAX_BROKERAGE_INIT_ATTEMPTS && s.facts.hold === null) {
      const due = s.attempts === 0 ? s.since + this.timing.brokerageGraceMs : (this.lastInitAt ?? now) + this.timing.brokerageRetryMs;
      this.timers.ensure('init', Math.max(due, now), () => {
        const latest = this.current;
        if (latest.kind === 'brokerage-starting' && !latest.gaveUp && latest.facts.hold === null) void this.initBrokerage(false);
      });
    } else {
      this.timers.clear('init');
    }

    // The login page gets a time limit.
    if (s.kind === 'logging-in') {
      this.timers.ensure('login', s.since + this.timing.loginTimeoutMs, () => this.apply({ type: 'login-timed-out', at: this.options.clock.now() }));
    } else {
      this.timers.clear('login');
    }

    // A 401: one sso/validate tells "login required" from "brokerage session down".
    if (s.kind === 'login-required' && s.why !== 'logged-out' && s.facts.hold === null && up && this.ssoCheckedFor !== s.since) {
      this.ssoCheckedFor = s.since;
      void this.validateSso();
    }
  }

  private pollDelay(up: boolean): number | null {
    const s = this.current;
    if (!up) return null;
    switch (s.kind) {
      case 'logging-in':
      case 'brokerage-starting':
      case 'starting':
        return this.timing.fastPollMs;
      case 'not-responding': {
        const base = Math.min(this.timing.backoffMaxMs, this.timing.backoffInitialMs * 2 ** Math.max(0, this.backoffFailures - 1));
        return Math.round(base * (0.5 + this.random() / 2));
      }
      case 'stopped':
        // Nothing answers: with a supervisor we wait for it; a gateway known by URL may come back.
        return s.facts.hold === 'stopped' ? null : this.timing.slowPollMs;
      default:
        return this.timing.slowPollMs;
    }
  }

  private onTickleTimer(due: number): void {
    this.noticeSleep(due);
    void this.tickle().finally(() => this.plan());
  }

  private onPollTimer(due: number): void {
    this.noticeSleep(due);
    void this.check().finally(() => this.plan());
  }

  /** A timer far later than due: the machine slept. Reconnect and check at once. */
  private noticeSleep(due: number): void {
    if (this.options.clock.now() - due > this.timing.wakeSlackMs) {
      this.log('monitor: woke from sleep, checking at once');
      void this.checkNow();
    }
  }

  private planSocket(wanted: boolean): void {
    const factory = this.binding.createSocket;
    if (!factory) return;
    if (wanted) {
      this.socket ??= factory({
        sessionToken: () => this.sessionToken(),
        onMessage: (message, at) => this.onSocketMessage(message, at),
        onHealth: () => this.plan(),
      });
      this.socket.start();
    } else if (this.socket?.running()) {
      this.socket.stop();
    }
  }

  private onSocketMessage(message: WsMessage, at: number): void {
    // The frame already fit WsMessageSchema; the specific schema narrows it (loose objects do not narrow by `topic`).
    const sts = WsStatusSchema.safeParse(message);
    if (sts.success) {
      const a = sts.data.args;
      this.apply({
        type: 'status',
        at,
        authenticated: a.authenticated,
        connected: a.connected,
        competing: a.competing,
        fail: a.fail,
        serverName: a.serverName,
        username: a.username,
      });
      return;
    }
    const system = WsSystemSchema.safeParse(message);
    if (system.success) {
      if (system.data.success) this.apply({ type: 'identity', at, username: system.data.success, paper: system.data.isPaper ?? null });
      return;
    }
    const act = WsAccountsSchema.safeParse(message);
    if (act.success) {
      const list = accountsFrom(act.data.args);
      if (list.accounts.length > 0) this.apply({ type: 'accounts', at, ...list });
    }
  }
}

/** auth/status → a status event. */
export function statusEvent(status: AuthStatus, at: number): SessionEvent {
  return {
    type: 'status',
    at,
    authenticated: status.authenticated,
    connected: status.connected,
    competing: status.competing,
    fail: status.fail ?? null,
    serverName: status.serverInfo?.serverName ?? null,
  };
}
