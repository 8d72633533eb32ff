/**
 * InteractiveBrokersAuthentication: the seed library's API, in TypeScript, on the supervisor and
 * the client. Scripts and the CLI use it directly; the engine uses the same parts underneath.
 * Nothing here retries a login by itself: login() acts once, waitForLogin() only watches.
 * Times in options are milliseconds (`…Ms`); waitForLogin's positional arguments are seconds, as in
 * the seed library, so a script ported from Python keeps its numbers.
 */
import { GatewayError, GatewayStartError, IBCAuthenticationError, IBCValidationError } from './errors.js';
import { sleep, systemClock, type Clock } from './gateway/clock.js';
import { isGroupLeader, realProcessOs, stopProcessTree } from './gateway/process-tree.js';
import type { AccountSet, AuthStatus, Logout, Reauthenticate, SsoValidate, Tickle } from './gateway/schemas.js';
import type { GatewayApi, GatewaySupervisor } from './gateway/types.js';

export interface AuthenticationOptions {
  /** The client, or a function giving the current one (it changes when the gateway's port does). */
  readonly client: GatewayApi | (() => GatewayApi);
  /** Starts and stops the gateway; without one, login() cannot start it. */
  readonly supervisor?: GatewaySupervisor | null;
  /** Shows the login page: the Electron login window, the system browser, or a printed URL. */
  readonly openLoginPage?: (url: string) => void | Promise<void>;
  /** POST ssodh/init with compete:true, taking over a session held elsewhere (default false: ask the user). */
  readonly compete?: boolean;
  readonly clock?: Clock;
  /** Grace for closeGateway(pid) between SIGTERM and SIGKILL (default 10 s). */
  readonly stopGraceMs?: number;
  readonly platform?: NodeJS.Platform;
  /**
   * After login() started the brokerage session or triggered a re-authentication, how long it waits
   * for the session before opening the login page (default 6000 ms: the gateway's own login chain
   * takes about 3 s, gateway-facts §6).
   */
  readonly loginChainWaitMs?: number;
}

/** waitForLogin's options in milliseconds (the positional form takes seconds, as in the seed). */
export interface WaitForLoginOptions {
  /** Give up after this long (default 300 000 ms). */
  readonly timeoutMs?: number;
  /** Check auth/status this often (default 3000 ms). */
  readonly pollIntervalMs?: number;
}

/** What closeGateway did. Callers decide by the fields; `message` is for display only. */
export interface GatewayClosed {
  /** Nothing of the tree runs any more (also true when nothing ran). */
  readonly stopped: boolean;
  /** Something of it was running when asked. */
  readonly wasRunning: boolean;
  readonly pid: number;
  /** The processes found and signalled: the pid and its descendants (as far as known). */
  readonly pids: readonly number[];
  /** SIGKILL (or taskkill /F) was needed; null when the supervisor stopped it and did not say. */
  readonly forced: boolean | null;
  /** What still runs when it could not be stopped. */
  readonly survivors: readonly number[];
  /** One line for the user. */
  readonly message: string;
}

/** What tickle() returns: the session's auth status, as the seed's tickle() did, with the tickle beside it. */
export type TickleStatus = AuthStatus & {
  /** The tickle's own answer: session token (never log it), ssoExpires, userId, … */
  readonly tickle: Tickle;
};

/** The seed's defaults: wait 300 s for a login, checking every 3 s. */
export const WAIT_FOR_LOGIN_DEFAULTS = { timeoutMs: 300_000, pollIntervalMs: 3_000 } as const;

/** How often login() checks while the gateway's login chain runs. */
const LOGIN_CHAIN_STEP_MS = 500;

/** What auth/status says when it answers 401: nobody has logged in (gateway-facts §5). */
const NOT_LOGGED_IN: AuthStatus = { authenticated: false, competing: false, connected: false, message: 'not logged in' };

/** A positive, finite number of seconds or milliseconds, or a clear IBCValidationError naming `what`. */
function positive(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new IBCValidationError(`${what} must be a positive number, not ${JSON.stringify(value) ?? String(value)}.`);
  }
  return value;
}

/**
 * waitForLogin's arguments → milliseconds. Numbers are seconds (`waitForLogin(300, 3)`, as in the
 * seed); an object takes `{ timeoutMs, pollIntervalMs }`. Anything else is refused, never ignored.
 */
export function waitForLoginTiming(timeout?: number | WaitForLoginOptions, pollInterval?: number): { timeoutMs: number; pollIntervalMs: number } {
  if (timeout === undefined || typeof timeout === 'number') {
    return {
      timeoutMs: timeout === undefined ? WAIT_FOR_LOGIN_DEFAULTS.timeoutMs : positive(timeout, 'waitForLogin(timeout): the timeout in seconds') * 1000,
      pollIntervalMs:
        pollInterval === undefined ? WAIT_FOR_LOGIN_DEFAULTS.pollIntervalMs : positive(pollInterval, 'waitForLogin(timeout, pollInterval): the poll interval in seconds') * 1000,
    };
  }
  if (typeof timeout !== 'object' || timeout === null) {
    throw new IBCValidationError(`waitForLogin takes seconds (waitForLogin(300, 3)) or { timeoutMs, pollIntervalMs }, not ${typeof timeout}.`);
  }
  if (pollInterval !== undefined) {
    throw new IBCValidationError('waitForLogin: give the poll interval inside the options ({ pollIntervalMs }), not as a second argument.');
  }
  const unknown = Object.keys(timeout).filter((key) => key !== 'timeoutMs' && key !== 'pollIntervalMs');
  if (unknown.length > 0) {
    throw new IBCValidationError(`waitForLogin: unknown option ${unknown.join(', ')}; the options are timeoutMs and pollIntervalMs (milliseconds).`);
  }
  return {
    timeoutMs: timeout.timeoutMs === undefined ? WAIT_FOR_LOGIN_DEFAULTS.timeoutMs : positive(timeout.timeoutMs, 'waitForLogin: timeoutMs'),
    pollIntervalMs: timeout.pollIntervalMs === undefined ? WAIT_FOR_LOGIN_DEFAULTS.pollIntervalMs : positive(timeout.pollIntervalMs, 'waitForLogin: pollIntervalMs'),
  };
}

function describe(status: AuthStatus): string {
  return `authenticated:${status.authenticated} connected:${status.connected} competing:${status.competing}${status.fail ? ` fail:"${status.fail}"` : ''}`;
}

/**
 * Log in, wait for the login, keep and close the gateway, as the seed library did:
 * `new InteractiveBrokersAuthentication({ client, supervisor, openLoginPage })`.
 */
export class InteractiveBrokersAuthentication {
  private readonly clientSource: () => GatewayApi;
  private readonly supervisor: GatewaySupervisor | null;
  private readonly openLoginPage: (url: string) => void | Promise<void>;
  private readonly compete: boolean;
  private readonly clock: Clock;
  private readonly stopGraceMs: number;
  private readonly platform: NodeJS.Platform;
  private readonly loginChainWaitMs: number;
  private flag = false;
  private lastSeen = 'nothing checked yet';

  constructor(options: AuthenticationOptions) {
    const client = options.client;
    this.clientSource = typeof client === 'function' ? client : () => client;
    this.supervisor = options.supervisor ?? null;
    this.openLoginPage = options.openLoginPage ?? ((url) => console.log(`Log in to Interactive Brokers at ${url}`));
    this.compete = options.compete ?? false;
    this.clock = options.clock ?? systemClock;
    this.stopGraceMs = options.stopGraceMs ?? 10_000;
    this.platform = options.platform ?? process.platform;
    this.loginChainWaitMs = options.loginChainWaitMs ?? 6_000;
  }

  /** True after the last check found the session authenticated. */
  get authenticated(): boolean {
    return this.flag;
  }

  /** What the last check saw, in words (used in waitForLogin's timeout message). */
  get lastState(): string {
    return this.lastSeen;
  }

  private get client(): GatewayApi {
    return this.clientSource();
  }

  /**
   * Already authenticated → the status. Gateway running but the brokerage session not started →
   * ssodh/init (falling back to reauthenticate), a short wait for the gateway's login chain, then
   * the status. Nobody logged in → the login page. Gateway not running → start it (supervisor) and
   * open the login page. A gateway that runs but does not answer → IBCAuthenticationError saying so
   * (starting another would not help); a 429 or an odd answer → its GatewayError.
   */
  async login(): Promise<AuthStatus> {
    let status: AuthStatus;
    try {
      status = await this.isAuthenticated();
    } catch (error) {
      if (error instanceof GatewayError && error.kind === 'not-responding') {
        throw new IBCAuthenticationError(`The gateway at ${this.client.baseUrl} is running but not responding: ${error.message}`, { cause: error });
      }
      if (!(error instanceof GatewayError) || error.kind !== 'unreachable') throw error;
      return this.startAndOpen(error);
    }
    if (status.authenticated) return status;

    // Running: an SSO login may exist without the brokerage session; starting it needs no browser.
    if (await this.startBrokerageSession()) {
      status = await this.awaitLoginChain();
      if (status.authenticated) return status;
    }
    await this.openLoginPage(`${this.client.baseUrl}/`);
    return status;
  }

  /**
   * Call login(), then poll checkAuth() until authenticated; reject with IBCAuthenticationError after
   * the timeout. `waitForLogin()` waits 300 s checking every 3 s; `waitForLogin(60, 1)` takes seconds
   * as the seed did; `waitForLogin({ timeoutMs, pollIntervalMs })` milliseconds. Bad arguments throw
   * IBCValidationError before anything is sent.
   */
  async waitForLogin(timeout?: number | WaitForLoginOptions, pollInterval?: number): Promise<true> {
    const { timeoutMs, pollIntervalMs } = waitForLoginTiming(timeout, pollInterval);
    const started = this.clock.now();
    const status = await this.login();
    if (status.authenticated) return true;
    for (;;) {
      const left = timeoutMs - (this.clock.now() - started);
      if (left <= 0) break;
      await sleep(this.clock, Math.min(pollIntervalMs, left));
      if (await this.checkAuth()) return true;
    }
    const waited = Math.round((this.clock.now() - started) / 1000);
    throw new IBCAuthenticationError(`Not logged in after waiting ${waited} s; last state seen: ${this.lastSeen}.`);
  }

  /**
   * Stop the given pid's whole process tree (its group when it leads one, else it and the
   * descendants found from the process table), or the gateway the supervisor runs. Resolves with
   * what happened, also when it could not stop it; throws IBCAuthenticationError only when there is
   * no pid to stop, IBCValidationError for a pid that is not one.
   */
  async closeGateway(pid?: number): Promise<GatewayClosed> {
    const running = this.supervisor?.state();
    const supervised = running && (running.kind === 'running' || running.kind === 'starting') ? running.pid : null;
    if (pid === undefined || pid === supervised) {
      if (!this.supervisor || supervised === null) {
        throw new IBCAuthenticationError('No gateway process to close: IBKR Tray did not start one and no pid was given.');
      }
      const known = { wasRunning: true, pid: supervised, pids: [supervised], forced: null };
      try {
        await this.supervisor.stop();
        this.flag = false;
        return { ...known, stopped: true, survivors: [], message: `Gateway process ${supervised} stopped.` };
      } catch (error) {
        return { ...known, stopped: false, survivors: [supervised], message: `Could not stop gateway process ${supervised}: ${(error as Error).message}` };
      }
    }
    if (!Number.isInteger(pid) || pid <= 0) throw new IBCValidationError(`Not a process id: ${String(pid)}.`);
    const result = await stopProcessTree(
      { pid, group: isGroupLeader(pid, this.platform) },
      { graceMs: this.stopGraceMs, os: realProcessOs(this.platform), clock: this.clock },
    );
    if (!result.wasRunning) return { ...result, pid, message: `No process ${pid} is running: nothing to stop.` };
    if (!result.stopped) {
      return { ...result, pid, message: `Could not stop process ${pid}: ${result.survivors.join(', ')} still running after SIGKILL; end it from the system's task manager.` };
    }
    this.flag = false;
    return { ...result, pid, message: `Gateway process ${pid} stopped.` };
  }

  /** GET auth/status, parsed; a 401 (nobody logged in) is an unauthenticated status, not an error. */
  async isAuthenticated(): Promise<AuthStatus> {
    try {
      const status = await this.client.authStatus();
      this.seen(status.authenticated, describe(status));
      return status;
    } catch (error) {
      if (error instanceof GatewayError && error.kind === 'not-authenticated') {
        this.seen(false, 'not logged in (401)');
        return NOT_LOGGED_IN;
      }
      throw error;
    }
  }

  /** POST iserver/account after GET iserver/accounts (the gateway wants the list first, §5). */
  async updateServerAccount(accountId: unknown): Promise<AccountSet> {
    if (typeof accountId !== 'string' || accountId.trim() === '') {
      throw new IBCValidationError('The account id must be a non-empty string, e.g. "U1234567".');
    }
    await this.client.iserverAccounts();
    return this.client.selectAccount(accountId.trim());
  }

  ssoValidate(): Promise<SsoValidate> {
    return this.client.ssoValidate();
  }

  reauthenticate(): Promise<Reauthenticate> {
    return this.client.reauthenticate();
  }

  /**
   * POST tickle; returns the session's auth status from it (flags it leaves out are false), with the
   * whole tickle as `tickle`. 401 before any login → GatewayError 'not-authenticated'; the SSO session
   * gone → GatewayError 'no-session'.
   */
  async tickle(): Promise<TickleStatus> {
    const answer = await this.client.tickle();
    const auth = answer.iserver?.authStatus;
    const status: TickleStatus = {
      ...auth,
      authenticated: auth?.authenticated ?? false,
      connected: auth?.connected ?? false,
      competing: auth?.competing ?? false,
      tickle: answer,
    };
    this.seen(status.authenticated, `${describe(status)} (tickle)`);
    return status;
  }

  async logout(): Promise<Logout> {
    const answer = await this.client.logout();
    this.flag = false;
    return answer;
  }

  /** Update the authenticated flag; quiet (false) when the gateway cannot be reached. */
  async checkAuth(): Promise<boolean> {
    try {
      return (await this.isAuthenticated()).authenticated;
    } catch (error) {
      const why = error instanceof GatewayError ? error.message : String(error);
      this.seen(false, `no answer (${why})`);
      return false;
    }
  }

  private seen(authenticated: boolean, what: string): void {
    this.flag = authenticated;
    this.lastSeen = what;
  }

  /**
   * ssodh/init, falling back to reauthenticate; true when either started something. A 429 is
   * thrown, not fallen back from: nothing is sent during the penalty, and a login page would not help.
   */
  private async startBrokerageSession(): Promise<boolean> {
    try {
      await this.client.ssodhInit(this.compete);
      return true;
    } catch (error) {
      if (!(error instanceof GatewayError) || error.kind === 'rate-limited') throw error;
    }
    try {
      const answer = await this.client.reauthenticate();
      return 'message' in answer;
    } catch (error) {
      if (!(error instanceof GatewayError) || error.kind === 'rate-limited') throw error;
      return false;
    }
  }

  /** Check until authenticated or `loginChainWaitMs` passed (a started chain needs ~3 s, §6); the last status. */
  private async awaitLoginChain(): Promise<AuthStatus> {
    const deadline = this.clock.now() + this.loginChainWaitMs;
    for (;;) {
      const status = await this.isAuthenticated();
      const left = deadline - this.clock.now();
      if (status.authenticated || left <= 0) return status;
      await sleep(this.clock, Math.min(LOGIN_CHAIN_STEP_MS, left));
    }
  }

  private async startAndOpen(cause: GatewayError): Promise<AuthStatus> {
    if (!this.supervisor) {
      throw new IBCAuthenticationError(`The gateway is not running and IBKR Tray has no gateway folder to start it from (${cause.message}).`);
    }
    try {
      await this.supervisor.start();
    } catch (error) {
      const reason = error instanceof GatewayStartError ? error.message : String(error);
      throw new IBCAuthenticationError(`Could not start the gateway: ${reason}`);
    }
    await this.openLoginPage(`${this.supervisor.location().url}/`);
    try {
      return await this.isAuthenticated();
    } catch {
      this.seen(false, 'gateway started, not logged in yet');
      return NOT_LOGGED_IN;
    }
  }
}
