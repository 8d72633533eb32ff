/**
 * The simulated IBKR side of a gateway: the SSO session (browser login, token, ssoExpires countdown,
 * idle timeout, expiry), the brokerage session (init after authDelay, competing, drops, the nightly
 * reset) and the gateway's own reactions to them (its login chain and its auto-logout, facts §6).
 * Pure state plus timers on an injectable clock; HTTP lives in routes.ts.
 */
import { randomBytes } from 'node:crypto';
import type { SimAccount, SimClock } from './api.js';

/**
 * Where the brokerage (/iserver) session stands.
 * - pending: SSO login done, brokerage not initialised yet (auth/status all false, facts §6.3)
 * - up: authenticated and connected
 * - competing: another platform logged in with the same user (facts §7)
 * - dropped: brokerage gone, still connected (tickle.sso-alive-brokerage-down sample)
 * - reset: the nightly /iserver restart, not connected
 * - logged-out: after /logout or the gateway's own auto-logout (tickle.after-logout sample)
 */
export type BrokeragePhase = 'pending' | 'up' | 'competing' | 'dropped' | 'reset' | 'logged-out';

export interface BrokerageFlags {
  authenticated: boolean;
  connected: boolean;
  competing: boolean;
  established: boolean;
}

/** The flags each phase shows in auth/status, tickle and the WebSocket `sts`. */
export function flagsOf(phase: BrokeragePhase): BrokerageFlags {
  switch (phase) {
    case 'up':
      return { authenticated: true, connected: true, competing: false, established: true };
    case 'competing':
      return { authenticated: true, connected: true, competing: true, established: true };
    case 'dropped':
      return { authenticated: false, connected: true, competing: false, established: false };
    case 'pending':
    case 'reset':
    case 'logged-out':
      return { authenticated: false, connected: false, competing: false, established: false };
  }
}

export interface SessionSettings {
  username: string;
  userId: number;
  accounts: SimAccount[];
  paper: boolean;
  region: string;
  authDelayMs: number;
  idleTimeoutMs: number;
  ssoLifetimeMs: number;
  ssoRefreshMs: number;
  autoLogoutDelayMs: number;
  emptyAccountsAnswers: number;
}

/** What ssodh/init answers, before shaping into a body. */
export interface SsodhOutcome {
  passed: boolean;
  flags: BrokerageFlags;
}

/** A change listeners hear about: the brokerage flags, or the session being torn down upstream. */
export type SessionChange = { kind: 'status'; flags: BrokerageFlags } | { kind: 'session-ended' };

function newToken(): string {
  return randomBytes(16).toString('hex');
}

/** The simulated IBKR account holder's sessions. One per simulator. */
export class IbkrSession {
  /** Has the gateway seen a browser login since it started (reauthenticate answers "triggered")? */
  everLoggedIn = false;
  failedLoginAttempts = 0;
  selectedAccount: string | null = null;
  private sso: { since: number; authTime: number } | null = null;
  private phase: BrokeragePhase = 'pending';
  private token: string | null = null;
  private emptyAccountsLeft = 0;
  private brokerageTimer: unknown = null;
  private autoLogoutTimer: unknown = null;
  private idleTimer: unknown = null;
  private readonly listeners = new Set<(change: SessionChange) => void>();

  constructor(
    readonly settings: SessionSettings,
    private readonly clock: SimClock,
  ) {}

  /** Subscribe to status changes (the WebSocket sends `sts` on each). Returns the unsubscribe. */
  onChange(listener: (change: SessionChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get ssoValid(): boolean {
    return this.sso !== null;
  }

  /** Was there ever an SSO session (tickle: 401 before any login, `{"error":"no session"}` after)? */
  get ssoEverExisted(): boolean {
    return this.token !== null;
  }

  /** The 32-hex session token tickle shows, or null before any login. */
  get session(): string | null {
    return this.token;
  }

  get brokeragePhase(): BrokeragePhase {
    return this.phase;
  }

  get flags(): BrokerageFlags {
    return flagsOf(this.ssoValid ? this.phase : 'logged-out');
  }

  get authTime(): number | null {
    return this.sso?.authTime ?? null;
  }

  /** ms until SSO expiry as tickle reports it: counts down, jumps back every ssoRefreshMs (§6.4). */
  ssoExpires(): number {
    if (!this.sso) return 0;
    const { ssoLifetimeMs, ssoRefreshMs } = this.settings;
    const elapsed = Math.max(0, this.clock.now() - this.sso.since);
    return Math.max(0, ssoLifetimeMs - (ssoRefreshMs > 0 ? elapsed % ssoRefreshMs : elapsed));
  }

  /**
   * A browser login completed ("Client login succeeds"). With `brokerage`, the gateway's own chain
   * (sso/validate → one/user → ssodh/init → wait authDelay → ssodh/init compete:true) brings the
   * brokerage session up authDelayMs later; without it, it stays pending until a client ssodh/init.
   */
  browserLogin(brokerage: boolean): void {
    const now = this.clock.now();
    this.everLoggedIn = true;
    this.sso = { since: now, authTime: now };
    this.token = newToken();
    this.cancelTimers();
    this.setPhase('pending');
    this.armIdleTimer();
    if (brokerage) this.scheduleBrokerage();
  }

  /** The SSO session ends: tickle 200 `{"error":"no session"}`, sso/validate 401, auth/status 401. */
  expireSso(): void {
    if (!this.sso) return;
    this.sso = null;
    this.cancelTimers();
    this.phase = 'logged-out';
    this.emit({ kind: 'session-ended' });
  }

  /** The brokerage session drops while SSO lives; the gateway's own tickle then logs out (§6.5). */
  dropBrokerage(): void {
    if (!this.sso) return;
    this.clearTimer('brokerageTimer');
    this.setPhase('dropped');
    this.scheduleAutoLogout();
  }

  /** The nightly /iserver restart: brokerage gone and disconnected, SSO remains (§7). */
  nightlyReset(): void {
    if (!this.sso) return;
    this.clearTimer('brokerageTimer');
    this.setPhase('reset');
    this.scheduleAutoLogout();
  }

  /** Another platform logged in with this user: competing:true (auth-status.competing sample). */
  competeFromElsewhere(): void {
    if (!this.sso) return;
    this.clearTimer('brokerageTimer');
    this.setPhase('competing');
  }

  /**
   * POST iserver/auth/ssodh/init. Null when there is no SSO session (401). While competing only
   * `compete:true` takes the session back; otherwise the brokerage comes up at once.
   */
  ssodhInit(compete: boolean): SsodhOutcome | null {
    if (!this.sso) return null;
    if (this.phase === 'competing' && !compete) return { passed: true, flags: flagsOf('competing') };
    this.clearTimer('brokerageTimer');
    this.clearTimer('autoLogoutTimer');
    this.brokerageUp();
    // ssodh-init.2026 sample: `established` is still false in the answer and true shortly after.
    return { passed: true, flags: { ...flagsOf('up'), established: false } };
  }

  /** The gateway's own reauthenticate: re-runs its login chain when a browser login happened. */
  reauthenticate(): 'not logged in' | 'triggered' {
    if (!this.everLoggedIn) return 'not logged in';
    if (this.sso && this.phase !== 'up') {
      this.clearTimer('autoLogoutTimer');
      this.scheduleBrokerage();
    }
    return 'triggered';
  }

  /** POST /logout (and the gateway's auto-logout): new token, brokerage gone, SSO still answers tickle. */
  logout(): void {
    if (!this.sso) return;
    this.cancelTimers();
    this.sso = { since: this.clock.now(), authTime: this.sso.authTime };
    this.token = newToken();
    this.emit({ kind: 'session-ended' });
    this.setPhase('logged-out');
    this.armIdleTimer();
  }

  /** A client request reached IBKR: restart the idle countdown. */
  touch(): void {
    if (this.sso) this.armIdleTimer();
  }

  /** /iserver/accounts: `{}` right after brokerage init and while competing (facts §5). */
  takeAccountsReady(): boolean {
    if (this.phase !== 'up') return false;
    if (this.emptyAccountsLeft > 0) {
      this.emptyAccountsLeft -= 1;
      return false;
    }
    return true;
  }

  /** POST /iserver/account: true when the id is one of the user's accounts. */
  selectAccount(id: string): boolean {
    if (!this.settings.accounts.some((a) => a.id === id)) return false;
    this.selectedAccount = id;
    return true;
  }

  dispose(): void {
    this.cancelTimers();
    this.clearTimer('idleTimer');
    this.listeners.clear();
  }

  private brokerageUp(): void {
    this.emptyAccountsLeft = this.settings.emptyAccountsAnswers;
    this.selectedAccount ??= this.settings.accounts[0]?.id ?? null;
    this.setPhase('up');
  }

  private scheduleBrokerage(): void {
    this.clearTimer('brokerageTimer');
    this.brokerageTimer = this.clock.setTimeout(() => {
      this.brokerageTimer = null;
      if (this.sso) this.brokerageUp();
    }, this.settings.authDelayMs);
  }

  private scheduleAutoLogout(): void {
    this.clearTimer('autoLogoutTimer');
    this.autoLogoutTimer = this.clock.setTimeout(() => {
      this.autoLogoutTimer = null;
      if (this.sso && this.phase !== 'up' && this.phase !== 'competing') this.logout();
    }, this.settings.autoLogoutDelayMs);
  }

  private armIdleTimer(): void {
    this.clearTimer('idleTimer');
    if (this.settings.idleTimeoutMs <= 0) return;
    this.idleTimer = this.clock.setTimeout(() => {
      this.idleTimer = null;
      this.expireSso();
    }, this.settings.idleTimeoutMs);
  }

  private cancelTimers(): void {
    this.clearTimer('brokerageTimer');
    this.clearTimer('autoLogoutTimer');
  }

  private clearTimer(name: 'brokerageTimer' | 'autoLogoutTimer' | 'idleTimer'): void {
    if (this[name] !== null) this.clock.clearTimeout(this[name]);
    this[name] = null;
  }

  private setPhase(phase: BrokeragePhase): void {
    const before = this.flags;
    this.phase = phase;
    const after = this.flags;
    const changed = (Object.keys(after) as (keyof BrokerageFlags)[]).some((k) => before[k] !== after[k]);
    if (changed) this.emit({ kind: 'status', flags: after });
  }

  private emit(change: SessionChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }
}
