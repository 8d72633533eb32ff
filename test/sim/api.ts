/**
 * The gateway simulator's public surface, fixed first so that the product's tests can be written
 * against it while the simulator is being built. `startSimulator` (test/sim/index.ts) implements it
 * in-process; the fake gateway folder (test/sim/clientportal.gw) runs the same code as a child of
 * `bash bin/run.sh` and exposes `SimControl` as JSON over HTTP on the control port it prints.
 */

export interface SimAccount {
  id: string;
  /** IBKR alias; defaults to the id (as IBKR does when none is set). */
  alias?: string;
  type?: 'INDIVIDUAL' | 'JOINT' | 'ORG' | 'TRUST' | 'DEMO';
  currency?: string;
  title?: string;
}

export interface SimClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SimOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Listen address; default '127.0.0.1'. */
  host?: string;
  /** listenSsl; default true (TLS 1.2 only, expired self-signed certificate). */
  tls?: boolean;
  /** Default: one paper account DU1234567. */
  accounts?: SimAccount[];
  /** Default 'user123' / 'password123'. */
  username?: string;
  password?: string;
  /** When set, the login form asks for this second-factor code after the password. Default none. */
  secondFactorCode?: string | null;
  /** Paper (LOGIN_TYPE 2, isPaper) or live. Default true. */
  paper?: boolean;
  /** sso/validate `region`: 'NA' | 'EU' | 'HK' …; default 'NA'. */
  region?: string;
  /** Delay between "Client login succeeds" and authenticated:true (gateway's authDelay). Default 3000. */
  authDelayMs?: number;
  /** WebSocket heartbeat interval. Default 10000. */
  heartbeatMs?: number;
  /** Session ends when no client request arrives for this long. Default 6 minutes; 0 disables. */
  idleTimeoutMs?: number;
  /** ssoExpires starts here and counts down; refreshed every ssoRefreshMs. Default 600000 / 600000. */
  ssoLifetimeMs?: number;
  /** IBKR pacing (10/s total, tickle 1/s, sso/validate 1/min, portfolio/accounts 1/5 s). Default on. */
  pacing?: boolean;
  /** How long the 429 penalty box lasts. Default 10 minutes. */
  penaltyMs?: number;
  /** `ips.allow` / `ips.deny` of conf.yaml. Default allow 127.0.0.1 and 192.*, 131.216.*. */
  ips?: { allow: string[]; deny: string[] };
  /** Injectable clock for long simulated runs. Default: real time. */
  clock?: SimClock;
  /** Which certificate to serve: the expired gateway one (default), another one, or your own PEMs. */
  certificate?: 'gateway' | 'other' | { key: string; cert: string };
  /** ssoExpires jumps back to ssoLifetimeMs this often (facts §6.4). Default 600000. */
  ssoRefreshMs?: number;
  /**
   * After the brokerage session drops, the gateway's own tickle (every 30 s) notices and logs itself
   * out (facts §6.5). Default 30000.
   */
  autoLogoutDelayMs?: number;
  /** How many /iserver/accounts answers are `{}` right after each brokerage init. Default 1. */
  emptyAccountsAnswers?: number;
  /** conf.yaml proxyRemoteHost: unknown paths are redirected there. Default "https://api.ibkr.com". */
  proxyRemoteHost?: string;
  /** IBKR user id (tickle userId, sso/validate USER_ID). Default 12345678. */
  userId?: number;
}

export interface RequestRecord {
  /** Epoch ms (from the simulator's clock) when the request arrived. */
  at: number;
  method: string;
  /** Path without query, as the client sent it (before /v1/portal → /v1/api rewriting). */
  path: string;
  /** Status answered, or null for a request that was never answered (hung). */
  status: number | null;
  /** Sent on to (simulated) IBKR, so counted by IBKR's pacing; absent for what the gateway answers itself (/, reauthenticate, …). */
  forwarded?: true;
}

export type MalformedKind =
  | 'html'
  | 'truncated-json'
  | 'wrong-types'
  | 'empty'
  | 'huge'
  | 'wrong-content-type';

export interface SimStateView {
  loggedIn: boolean;
  ssoValid: boolean;
  authenticated: boolean;
  connected: boolean;
  competing: boolean;
  established: boolean;
  selectedAccount: string | null;
  session: string | null;
  failedLoginAttempts: number;
  unreachable: boolean;
  maintenance: 500 | 503 | null;
  penaltyUntil: number | null;
}

export interface SimControl {
  /** A browser login completes now ("Client login succeeds"); brokerage comes up authDelayMs later. */
  login(): Promise<void>;
  /** "Client login succeeds" but the brokerage session never comes up until ssodh/init. */
  loginWithoutBrokerage(): Promise<void>;
  /** The SSO session expires: tickle → 200 {"error":"no session"}, sso/validate 401, auth/status 401. */
  expireSso(): Promise<void>;
  /** The brokerage session drops; the gateway's own tickle sees it and logs itself out (§6.5). */
  dropBrokerage(): Promise<void>;
  /** Another platform logs in with the same user: competing:true (and/or authenticated:false). */
  competeFromElsewhere(): Promise<void>;
  /** The nightly /iserver reset: brokerage session gone, SSO may remain. */
  nightlyReset(): Promise<void>;
  /** IBKR unreachable: every forwarded request hangs; WebSocket upgrade succeeds then silence. */
  setUnreachable(on: boolean): Promise<void>;
  /** 500 or 503 (503 after ~10 s, or `delayMs`) on forwarded /iserver requests; null ends it. */
  setMaintenance(status: 500 | 503 | null, delayMs?: number): Promise<void>;
  /** Add latency to every forwarded answer. */
  setLatency(ms: number): Promise<void>;
  /** Answer `endpoint` (a path such as /v1/api/tickle, or '*') with a malformed body; null ends it. */
  setMalformed(endpoint: string, kind: MalformedKind | null): Promise<void>;
  /** Put the client into the 429 penalty box now (as if it had broken pacing). */
  penalize(ms?: number): Promise<void>;
  /**
   * The next request to `endpoint` (e.g. /v1/api/iserver/accounts) is the one that breaks IBKR's
   * pacing: it gets the 429 and starts the penalty box (for `ms`), as a script too fast would meet it.
   */
  penalizeOn(endpoint: string, ms?: number): Promise<void>;
  /** What the simulated IBKR side thinks right now. */
  state(): Promise<SimStateView>;
  /** Requests received so far (a copy). */
  requests(): Promise<RequestRecord[]>;
  /** Forget the request log. */
  clearRequests(): Promise<void>;
}

export interface Simulator {
  /** e.g. https://localhost:PORT (or http:// when tls is false). */
  url: string;
  port: number;
  /** SHA-256 fingerprint of the served certificate, upper-case hex pairs joined by ':'. */
  fingerprint256: string;
  /** The certificate, PEM. */
  certPem: string;
  control: SimControl;
  /** Live view of the request log (same records as control.requests()). */
  readonly requests: readonly RequestRecord[];
  stop(): Promise<void>;
}

export type StartSimulator = (options?: SimOptions) => Promise<Simulator>;
