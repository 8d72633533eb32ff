/**
 * What the commands hold of the core: the seed API, the engine, the pinned certificate and a
 * one-shot check. Commands are written against this interface so that they do not depend on how the
 * core is put together; connect.ts builds the real one from createEngine.
 */
import type { GatewayClosed } from '../core/auth.js';
import type { Engine } from '../core/engine.js';
import type { PidRecord } from '../core/gateway/pidfile.js';
import type { AccountSet, AuthStatus, Logout, Reauthenticate, SsoValidate, Tickle } from '../core/gateway/schemas.js';
import type { AppSnapshot } from '../../shared/snapshot.js';

/** The seed library's API (InteractiveBrokersAuthentication), as far as the command uses it. */
export interface SeedAuthentication {
  login(): Promise<AuthStatus>;
  waitForLogin(options?: { readonly timeoutMs?: number; readonly pollIntervalMs?: number }): Promise<boolean>;
  closeGateway(pid?: number): Promise<GatewayClosed>;
  /** What the last check saw, in words. */
  readonly lastState: string;
  isAuthenticated(): Promise<AuthStatus>;
  updateServerAccount(accountId: string): Promise<AccountSet>;
  ssoValidate(): Promise<SsoValidate>;
  reauthenticate(): Promise<Reauthenticate>;
  tickle(): Promise<Tickle>;
  logout(): Promise<Logout>;
}

export interface CliBackend {
  /** The gateway origin this command talks to (after --gateway, settings and the folder's conf). */
  readonly gatewayUrl: string;
  /** The gateway folder (--dir or settings), or null. */
  readonly gatewayFolder: string | null;
  /** The settings folder (also where the record of the gateway we started is kept). */
  readonly configDir: string;
  readonly auth: SeedAuthentication;
  readonly engine: Engine;
  /**
   * Ask the gateway once, start nothing, open nothing, and return the snapshot a user would see.
   * Rejects with GatewayError('certificate-changed') when the certificate is not the pinned one, and
   * with 'rate-limited' when a 429 was met on the way (unless the state itself says rate limited).
   */
  check(): Promise<AppSnapshot>;
  /** The fingerprint trusted for the gateway's origin, or null before first use. */
  pinnedFingerprint(): string | null;
  /** Trust `fingerprint` for the gateway's origin from now on (saved in the settings). */
  pinFingerprint(fingerprint: string): void;
  /** The record of the gateway an ibkr-tray process started (pid, port, folder), or null. */
  gatewayRecord(): PidRecord | null;
  /** Forget that record (the gateway it names was stopped). */
  forgetGatewayRecord(): void;
  /**
   * Remember (true) that the user stopped the gateway, so the tray app does not start it again by
   * itself; forget it (false) when the user starts it.
   */
  rememberStopped(stopped: boolean): void;
  /** Stop timers and sockets; stop the gateway only when asked and only if this process started it. */
  dispose(options?: { readonly stopGateway?: boolean }): Promise<void>;
}
