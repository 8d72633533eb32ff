/**
 * InteractiveBrokersAuthentication: the seed library's API, in TypeScript, on the supervisor and
 * the client. Scripts and the CLI use it directly; the engine uses the same parts underneath.
 * Nothing here retries a login by itself: login() acts once, waitForLogin() only watches.
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
}

export interface WaitForLoginOptions {
  readonly timeoutMs?: number;
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

/** What auth/status says when it answers 401: nobody has logged in (gateway-facts §5). */
const NOT_LOGGED_IN: AuthStatus = { authenticated: false, competing: false, connected: false, message: 'not logged in' };

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
   * ssodh/init (falling back to reauthenticate), then the status. Nobody logged in → the login page.
   * Gateway not running → start it (supervisor) and open the login page.
   */
  async login(): Promise<AuthStatus> {
    let status: AuthStatus;
    try {
      status = await this.isAuthenticated();
    } catch (error) {
      if (!(error instanceof GatewayError) || (error.kind !== 'unreachable' && error.kind !== 'not-responding')) throw error;
      return this.startAndOpen(error);
    }
    if (status.authenticated) return status;

    // Running: an SSO login may exist without the brokerage session; starting it needs no browser.
    if (await this.startBrokerageSession()) {
      status = await this.isAuthenticated();
      if (status.authenticated) return status;
    }
    await this.openLoginPage(`${this.client.baseUrl}/`);
    return status;
  }

  /** Call login(), then poll checkAuth() until authenticated; reject after `timeoutMs`. */
  async waitForLogin({ timeoutMs = 300_000, pollIntervalMs = 3_000 }: WaitForLoginOptions = {}): Promise<true> {
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

  tickle(): Promise<Tickle> {
    return this.client.tickle();
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

  /** ssodh/init, falling back to reauthenticate; true when either started something. */
  private async startBrokerageSession(): Promise<boolean> {
    try {
      await this.client.ssodhInit(this.compete);
      return true;
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
    }
    try {
      const answer = await this.client.reauthenticate();
      return 'message' in answer;
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      return false;
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
