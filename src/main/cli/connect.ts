/**
 * The real backend of the command: createEngine with the command's options (settings folder,
 * gateway URL or folder, per-request timeout, how to show the login page). One-shot commands run
 * the engine without its timers (`watch: false`) and ask it once with refresh(); keepalive and serve
 * let it watch.
 */
import { reusableAccounts } from '../core/accounts.js';
import { createEngine } from '../core/engine.js';
import { GatewayError } from '../core/errors.js';
import { sleep, systemClock } from '../core/gateway/clock.js';
import { PidFile } from '../core/gateway/pidfile.js';
import { certificateChangedError, readPresentedFingerprint } from '../core/gateway/tls.js';
import { normalizeFingerprint, originOf } from '../core/gateway/trust.js';
import { defaultConfigDir } from '../core/settings.js';
import type { AppSnapshot } from '../../shared/snapshot.js';
import type { GlobalOptions } from './arguments.js';
import type { CliBackend, SeedAuthentication } from './backend.js';
import { CommandFailure, ExitCode } from './exit-codes.js';
import { CHECK_MAX_REQUESTS, PacingRecord } from './pacing-record.js';
import type { BackendOptions } from './context.js';

export async function connectBackend(global: GlobalOptions, options: BackendOptions): Promise<CliBackend> {
  const configDir = global.configDir ?? defaultConfigDir();
  const engine = await createEngine({
    configDir,
    requestTimeoutMs: global.requestTimeoutMs,
    ...(global.profile === undefined ? {} : { profile: global.profile }),
    useWebSocket: options.useWebSocket ?? false,
    watch: options.watch ?? false,
    ...(global.gatewayUrl ? { gatewayUrl: global.gatewayUrl } : {}),
    ...(global.gatewayFolder ? { gatewayFolder: global.gatewayFolder } : {}),
    ...(options.openLoginPage ? { openLoginPage: options.openLoginPage } : {}),
    // --verbose: one line per request (never tokens, cookies or full account numbers).
    ...(global.verbose ? { log: (line: string) => process.stderr.write(`· ${line}\n`) } : {}),
  });
  const gatewayUrl = (): string => engine.snapshot().gateway.url;
  const pins = engine.settings.pinStore();
  const pinned = (): string | null => pins.get(gatewayUrl());

  /**
   * The engine reports a changed certificate as a failed state whose reason names both
   * fingerprints; the command owes scripts exit code 6 for it, so it looks at the certificate itself
   * (a TLS handshake, no request byte) whenever the state is "failed".
   */
  async function certificateProblem(snapshot: AppSnapshot): Promise<GatewayError | null> {
    const url = gatewayUrl();
    const expected = pinned();
    if (snapshot.state !== 'failed' || !url.startsWith('https:') || !expected) return null;
    let presented: string;
    try {
      presented = await readPresentedFingerprint(url, { timeoutMs: global.requestTimeoutMs });
    } catch {
      return null;
    }
    const want = normalizeFingerprint(expected) ?? expected;
    return presented === want ? null : certificateChangedError(originOf(url) ?? url, want, presented);
  }

  const pacing = new PacingRecord(configDir, gatewayUrl());
  /** At most this long a check that tickles holds other processes' tickles off (should it die): its requests' timeouts. */
  const holdMs = 3 * global.requestTimeoutMs;
  const clock = (at: number): string => new Date(at).toTimeString().slice(0, 8);
  /** After a 429 seen by any ibkr-tray process, send nothing until the penalty is over. */
  const guard = (): void => {
    const until = pacing.penaltyUntil();
    if (until !== null) {
      throw new GatewayError('rate-limited', `IBKR rate-limited this gateway: ibkr-tray sends nothing until ${clock(until)}; wait, do not restart the gateway.`, { retryAt: until });
    }
  };
  const remember = (error: unknown): never => {
    if (error instanceof GatewayError && error.kind === 'rate-limited') pacing.markPenalty(error.details.retryAt ?? Date.now() + 600_000);
    throw error;
  };
  const paced =
    <A extends unknown[], T>(call: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      guard();
      return call(...args).catch(remember);
    };
  /** A call that may change the session or the selected account: the shared account list goes first. */
  const changing =
    <A extends unknown[], T>(call: (...args: A) => Promise<T>) =>
    (...args: A): Promise<T> => {
      pacing.forgetAccounts();
      return call(...args);
    };
  // The same for what the engine does (a logout, a lost session, `use` switching the account): once
  // a ready session leaves "ready" or its selected account changes, no process may answer from the
  // list shared before. (A selected account appearing, null → id, is the listing itself.)
  let seen: AppSnapshot | null = null;
  engine.subscribe((snapshot) => {
    const before = seen;
    seen = snapshot;
    if (before?.state !== 'ready') return;
    if (snapshot.state !== 'ready' || (before.selectedAccount !== null && snapshot.selectedAccount !== before.selectedAccount)) pacing.forgetAccounts();
  });
  const auth = engine.auth;
  const pacedAuth: SeedAuthentication = {
    login: paced(changing(() => auth.login())),
    waitForLogin: paced((o?: { readonly timeoutMs?: number; readonly pollIntervalMs?: number }) => auth.waitForLogin(o)),
    isAuthenticated: paced(() => auth.isAuthenticated()),
    updateServerAccount: paced(changing((id: string) => auth.updateServerAccount(id))),
    ssoValidate: paced(async () => {
      const wait = pacing.validateDelayMs();
      if (wait > 0) {
        // Our own refusal, not IBKR's 429: nothing to remember as a penalty.
        throw new CommandFailure(ExitCode.rateLimited, `IBKR allows sso/validate once a minute: try again in ${Math.ceil(wait / 1000)} s (sending it now would earn a 10-minute penalty).`);
      }
      pacing.markValidate();
      return auth.ssoValidate();
    }),
    reauthenticate: paced(changing(() => auth.reauthenticate())),
    tickle: paced(async () => {
      await sleep(systemClock, pacing.checkDelayMs());
      pacing.startCheck(holdMs, 1);
      try {
        return (await auth.tickle()).tickle;
      } finally {
        pacing.endCheck();
      }
    }),
    logout: paced(changing(() => auth.logout())),
    closeGateway: (pid?: number) => auth.closeGateway(pid),
    get lastState() {
      return auth.lastState;
    },
  };

  return {
    get gatewayUrl() {
      return gatewayUrl();
    },
    gatewayFolder: global.gatewayFolder ?? engine.settings.get().gatewayFolder,
    configDir,
    auth: pacedAuth,
    engine,
    async check(checkOptions = {}) {
      guard();
      // A `status` right after another one's takes its account list (≤ 1.5 s old), so it sends
      // auth/status alone and may follow the last check sooner (checkGapMs).
      const recent = checkOptions.shareAccounts ? pacing.recentAccounts() : null;
      const reuse = recent !== null && reusableAccounts(recent, engine.settings.get().account) ? recent : null;
      const requests = reuse ? 1 : CHECK_MAX_REQUESTS;
      // A check tickles (limit 1/s) only when no ibkr-tray process tickled within the last second;
      // otherwise auth/status alone answers (the session was kept alive a moment ago), instead of
      // sleeping for a tickle slot the answer does not need.
      await sleep(systemClock, pacing.requestDelayMs(requests));
      const tickle = pacing.checkDelayMs() === 0;
      if (tickle) pacing.startCheck(holdMs, requests);
      else pacing.markRequest(requests);
      let snapshot: AppSnapshot;
      try {
        snapshot = await engine.refresh({ tickle, ...(reuse ? { accounts: reuse } : {}) });
      } finally {
        if (tickle) pacing.endCheck();
      }
      // Only a list this check asked for is shared, so that no list lives longer than ACCOUNTS_REUSE_MS.
      if (checkOptions.shareAccounts && !reuse && snapshot.state === 'ready' && snapshot.accounts.length > 0) {
        pacing.shareAccounts({ accounts: [...snapshot.accounts], selectedAccount: snapshot.selectedAccount, paper: snapshot.paper });
      }
      if (snapshot.state === 'rate-limited') pacing.markPenalty(snapshot.rateLimitedUntil ?? Date.now() + 600_000);
      const problem = await certificateProblem(snapshot);
      if (problem) throw problem;
      return snapshot;
    },
    pinnedFingerprint: pinned,
    pinFingerprint: (fingerprint) => pins.set(gatewayUrl(), fingerprint),
    gatewayRecord: () => new PidFile(engine.stateDir).read(),
    forgetGatewayRecord: () => new PidFile(engine.stateDir).remove(),
    rememberStopped: (stopped) => {
      const intent = engine.settings.get().userIntent;
      if (stopped && intent !== 'stopped') engine.settings.update({ userIntent: 'stopped' });
      if (!stopped && intent === 'stopped') engine.settings.update({ userIntent: null });
    },
    dispose: (disposeOptions) => engine.dispose(disposeOptions),
  };
}
