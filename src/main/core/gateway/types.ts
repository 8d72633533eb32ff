/**
 * The seams between the gateway layer (supervisor + HTTPS client) and the session engine above it.
 * The engine depends on these interfaces only, so its tests can pass fakes and its integration tests
 * the real implementations against the simulator.
 */
import type { LogLine } from '../../../shared/api.js';
import type { GatewayStartFailureKind } from '../errors.js';
import type {
  AccountSet,
  AuthStatus,
  IserverAccounts,
  Logout,
  Reauthenticate,
  SsodhInit,
  SsoValidate,
  Tickle,
} from './schemas.js';

/**
 * Typed calls to the gateway. Every method resolves with the parsed body or rejects with a
 * GatewayError (errors.ts) of a precise kind; none waits longer than its timeout.
 */
export interface GatewayApi {
  /** The origin every call goes to, e.g. https://localhost:5000. */
  readonly baseUrl: string;
  /** GET /v1/api/iserver/auth/status (401 → GatewayError 'not-authenticated'). */
  authStatus(): Promise<AuthStatus>;
  /** POST /v1/api/tickle (200 {"error":"no session"} → GatewayError 'no-session'). */
  tickle(): Promise<Tickle>;
  /** GET /v1/api/sso/validate (401 → 'not-authenticated'); paced at most 1/min. */
  ssoValidate(): Promise<SsoValidate>;
  /** POST /v1/api/iserver/auth/ssodh/init {"publish":true,"compete":compete}. */
  ssodhInit(compete: boolean): Promise<SsodhInit>;
  /** POST /v1/api/iserver/reauthenticate (answered by the gateway itself). */
  reauthenticate(): Promise<Reauthenticate>;
  /** POST /v1/api/logout. */
  logout(): Promise<Logout>;
  /** GET /v1/api/iserver/accounts (may be `{}`). */
  iserverAccounts(): Promise<IserverAccounts>;
  /** POST /v1/api/iserver/account {"acctId":id}. */
  selectAccount(accountId: string): Promise<AccountSet>;
  /** Epoch ms until which the pacer sends nothing after a 429, or null. */
  penaltyUntil(): number | null;
}

/** Where the gateway process stands, as the supervisor knows it. */
export type GatewayProcessState =
  /** `reason` is absent only before the first start(): the supervisor has not looked yet. */
  | {
      readonly kind: 'stopped';
      readonly reason?: string;
      /** The user stopped it from another process (`ibkr-tray gateway stop`): remembered as their stop. */
      readonly byUser?: boolean;
    }
  | { readonly kind: 'starting'; readonly pid: number | null; readonly since: number }
  | {
      readonly kind: 'running';
      readonly pid: number | null;
      /** Found running rather than launched by this supervisor. */
      readonly adopted: boolean;
      /** IBKR Tray started it (this run, or an earlier one whose pid record we found): ours to stop. */
      readonly startedByUs: boolean;
      readonly since: number;
    }
  | { readonly kind: 'stopping'; readonly pid: number | null }
  | {
      readonly kind: 'failed';
      readonly reason: string;
      readonly lastLog: readonly string[];
      /** Why a start failed, when it did (absent after crashes beyond the restart budget): 'no-java' lets a shell offer Java. */
      readonly cause?: GatewayStartFailureKind;
    };

export interface GatewayLocation {
  /** https://localhost:PORT (or http:// with listenSsl false). */
  readonly url: string;
  readonly port: number;
  readonly tls: boolean;
  /** The conf file passed to run.sh, relative to the folder (root/conf.yaml or one we wrote). */
  readonly conf: string;
}

export type SupervisorEvent =
  | { readonly type: 'state'; readonly state: GatewayProcessState }
  | { readonly type: 'log'; readonly lines: readonly LogLine[] }
  /** The process exited without being asked to; `willRestart` says whether a restart is scheduled. */
  | {
      readonly type: 'exit';
      readonly code: number | null;
      readonly signal: string | null;
      readonly willRestart: boolean;
      readonly lastLog: readonly string[];
      /** How it ended, in words ("killed by SIGKILL", "exit code 1", a failed restart's reason). */
      readonly how?: string;
      /** The restart scheduled (`attempt` of `of`, 1-based), when willRestart. */
      readonly restart?: { readonly attempt: number; readonly of: number };
    };

/** Owns the gateway process: start, adopt, watch, restart with a budget, stop the whole tree. */
export interface GatewaySupervisor {
  state(): GatewayProcessState;
  /** Where the gateway listens (follows the conf we wrote when the configured port was taken). */
  location(): GatewayLocation;
  /** Start (or adopt one already serving). Resolves when the port answers HTTPS; rejects with GatewayStartError. */
  start(): Promise<GatewayProcessState>;
  /** Stop the whole process tree; resolves once the port is closed. */
  stop(): Promise<void>;
  /** Log lines kept so far (bounded). */
  log(): readonly LogLine[];
  on(listener: (event: SupervisorEvent) => void): () => void;
  dispose(): Promise<void>;
}
