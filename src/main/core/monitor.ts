/**
 * The SessionMonitor keeps the SessionState true: it follows the gateway's WebSocket, tickles about
 * once a minute, polls auth/status only while the socket is down (faster during a login), starts the
 * brokerage session by itself at most 3 times, backs off on IBKR-side errors, and respects a 429's
 * penalty. What every answer means is decided in answers.ts, what to do when in schedule.ts (both
 * pure); this class sends the requests, applies the events through `transition`, and arms the timers.
 *
 * Idle traffic while ready with a healthy socket: one /tickle per tickle interval plus the socket's
 * `tic`s; auth/status is not polled then.
 */
import { initialSessionState, type SessionEvent, type SessionState, type UserHold } from '../../shared/session.js';
import { brokerageInitEvents, failureEvent, isBackoffFailure, processEvent, socketEvent, ssoEvent, statusEvent, tickleEvents } from './answers.js';
import { asGatewayError, type GatewayError } from './errors.js';
import type { Clock } from './gateway/clock.js';
import type { SsodhInit, WsMessage } from './gateway/schemas.js';
import type { GatewayApi, GatewayProcessState, GatewaySupervisor, SupervisorEvent } from './gateway/types.js';
import { DEFAULT_MONITOR_TIMING, hasSession, schedule, type MonitorTiming } from './schedule.js';
import { SessionEvents, type StateListener } from './session-events.js';
import { singleFlight } from './single-flight.js';
import type { GatewaySocket } from './socket.js';
import { Timers } from './timers.js';

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

export class SessionMonitor {
  private readonly events: SessionEvents;
  private binding: GatewayBinding;
  private socket: GatewaySocket | null = null;
  private readonly timers: Timers;
  private readonly timing: MonitorTiming;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private lastSsoProblem: string | null = null;
  private readonly supervisorListeners = new Set<(event: SupervisorEvent) => void>();
  private unsubscribeSupervisor: (() => void) | null = null;
  private running = false;
  /** One auth/status and one tickle at a time: a caller joins the one in flight. */
  private readonly check = singleFlight(() => this.doCheck());
  private readonly tickle = singleFlight(() => this.doTickle());
  private token: string | null = null;
  /** When the last tickle was sent or refused, whatever its outcome (the keepalive's cadence). */
  private lastTickleTryAt: number | null = null;
  private lastSsoValidateAt: number | null = null;
  private lastInitAt: number | null = null;
  /** The login-required phase (by its start) whose 401 was already followed by one sso/validate. */
  private ssoCheckedFor: number | null = null;
  private failuresInRow = 0;
  private lastCheckAt: number | null = null;
  private checkNotSent: GatewayError | null = null;
  private loginHintUntil: number | null = null;
  private stopRequested = false;

  constructor(private readonly options: SessionMonitorOptions) {
    this.binding = options.gateway;
    this.timers = new Timers(options.clock);
    this.timing = { ...DEFAULT_MONITOR_TIMING, ...options.timing };
    this.random = options.random ?? Math.random;
    this.log = options.log ?? (() => undefined);
    this.events = new SessionEvents(initialSessionState(options.clock.now(), options.hold ?? null), this.log);
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
    return this.events.on(listener);
  }

  /** Apply one event (from the controller, the socket or an answer) and re-plan the schedule. */
  apply(event: SessionEvent): void {
    // Queued behind another (a listener applied it): that apply re-plans once the queue is empty.
    if (this.events.apply(event)) this.plan();
  }

  /** The state now (a getter, so every read after an await sees the newest). */
  private get current(): SessionState {
    return this.events.state();
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
    this.failuresInRow = 0;
    this.socket?.restart();
    await Promise.all([this.check(), hasSession(this.current) ? this.tickle() : Promise.resolve()]);
  }

  /** The login page said "Client login succeeds": a hint to check in short steps for a while (schedule.ts). */
  loginPageDone(): void {
    this.loginHintUntil = this.options.clock.now() + this.timing.hintMs;
    this.plan();
  }

  /**
   * One auth/status (+ tickle when a session exists and `tickle` is not false), for one-shot
   * commands; returns the state after it. A command that may not tickle yet (1/s, counted across
   * processes by the command) answers from auth/status alone instead of waiting for the slot.
   */
  async checkOnce(options: { readonly tickle?: boolean } = {}): Promise<SessionState> {
    await this.check();
    if (options.tickle !== false && hasSession(this.current)) await this.tickle();
    return this.current;
  }

  /** ssodh/init; compete:true only for the user's "take over" (never automatically, §7). */
  async initBrokerage(compete: boolean): Promise<SsodhInit | null> {
    const at = this.options.clock.now();
    this.lastInitAt = at;
    this.apply({ type: 'brokerage-init', at });
    try {
      const answer = await this.api.ssodhInit(compete);
      for (const event of brokerageInitEvents(answer, at)) this.apply(event);
      return answer;
    } catch (error) {
      const e = asGatewayError(error, '/v1/api/iserver/auth/ssodh/init');
      if (e.kind === 'rate-limited' || e.kind === 'unreachable' || e.kind === 'certificate-changed') this.onFailure(e, at, '/v1/api/iserver/auth/ssodh/init');
      else this.apply({ type: 'brokerage-init-failed', at, reason: e.message });
      return null;
    }
  }

  private async doCheck(): Promise<void> {
    if (this.current.kind === 'rate-limited') return;
    const at = this.options.clock.now();
    this.lastCheckAt = at;
    this.checkNotSent = null;
    try {
      const status = await this.api.authStatus();
      this.failuresInRow = 0;
      this.apply(statusEvent(status, at));
    } catch (error) {
      const e = asGatewayError(error, '/v1/api/iserver/auth/status');
      // Refused by our own pacing (no penalty, nothing sent): the state is not news, but a one-shot
      // check must not then print the state it started from as if the gateway had said it.
      if (e.kind === 'rate-limited' && e.details.notSent === true) this.checkNotSent = e;
      this.onFailure(e, at, '/v1/api/iserver/auth/status');
    }
  }

  /** The last check's auth/status, when our own pacing refused to send it (no answer to show), else null. */
  lastCheckNotSent(): GatewayError | null {
    return this.checkNotSent;
  }

  private async doTickle(): Promise<void> {
    if (this.current.kind === 'rate-limited') return;
    const at = this.options.clock.now();
    this.lastTickleTryAt = at;
    try {
      const answer = await this.api.tickle();
      this.token = answer.session;
      for (const event of tickleEvents(answer, at)) this.apply(event);
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
      this.apply(ssoEvent(await this.api.ssoValidate(), now));
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
    if (e.kind === 'not-authenticated' || e.kind === 'no-session') this.token = null;
    if (isBackoffFailure(e)) this.failuresInRow++;
    const event = failureEvent(e, at, endpoint, e.kind === 'rate-limited' ? this.api.penaltyUntil() : null);
    // Our own pacer also refuses with 'rate-limited' when a slot is too far away (nothing was
    // sent); only a real 429 puts the client in the penalty box, and only that is a state.
    if (event) this.apply(event);
    else this.log(`monitor: ${endpoint} not sent now (pacing): ${e.message}`);
  }

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
    const byUser = state.kind === 'stopped' && (this.stopRequested || state.byUser === true);
    if (state.kind === 'stopped') {
      this.stopRequested = false;
      this.token = null;
    }
    const event = processEvent(state, this.options.clock.now(), byUser);
    if (event) this.apply(event);
    if (state.kind === 'running' && this.running) void this.checkNow();
  }

  /** No supervisor (a gateway we only know by URL), or the supervisor says the process is up. */
  private gatewayExpectedUp(): boolean {
    return (this.binding.supervisor?.state().kind ?? 'running') === 'running';
  }

  /** Arm exactly the timers the schedule asks for (schedule.ts decides; this only applies it). */
  private plan(): void {
    if (!this.running) return;
    const plan = schedule(
      this.current,
      {
        now: this.options.clock.now(),
        gatewayUp: this.gatewayExpectedUp(),
        socketHealthy: this.socketHealthy(),
        tickleIntervalMs: this.options.tickleIntervalMs(),
        lastTickleTryAt: this.lastTickleTryAt,
        lastInitAt: this.lastInitAt,
        failuresInRow: this.failuresInRow,
        jitter: this.random(),
        ssoCheckedFor: this.ssoCheckedFor,
        lastCheckAt: this.lastCheckAt,
        loginHintUntil: this.loginHintUntil,
      },
      this.timing,
    );
    if (plan.penaltyEndsAt !== null) {
      this.timers.clearAll();
      this.socket?.stop();
      this.timers.set('penalty', plan.penaltyEndsAt, () => {
        this.apply({ type: 'rate-limit-over', at: this.options.clock.now() });
        void this.checkNow();
      });
      return;
    }
    this.timers.clear('penalty');
    this.arm('tickle', plan.tickleAt, (due) => this.onTickleTimer(due));
    this.planSocket(plan.socket);
    this.arm('poll', plan.pollAt, (due) => this.onPollTimer(due));
    this.arm('init', plan.initAt, () => {
      const latest = this.current;
      if (latest.kind === 'brokerage-starting' && !latest.gaveUp && latest.facts.hold === null) void this.initBrokerage(false);
    });
    this.arm('login', plan.loginTimeoutAt, () => this.apply({ type: 'login-timed-out', at: this.options.clock.now() }));
    if (plan.validateSso) {
      this.ssoCheckedFor = this.current.since;
      void this.validateSso();
    }
  }

  /** Keep the timer `name` due at `due` (or earlier), or clear it when nothing is due. */
  private arm(name: string, due: number | null, fn: (due: number) => void): void {
    if (due === null) this.timers.clear(name);
    else this.timers.ensure(name, due, () => fn(due));
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
    const event = socketEvent(message, at);
    if (event) this.apply(event);
  }
}
