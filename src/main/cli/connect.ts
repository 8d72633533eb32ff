/**
 * The real backend of the command: createEngine with the command's options (settings folder,
 * gateway URL or folder, per-request timeout, how to show the login page). One-shot commands run
 * the engine without its timers (`watch: false`) and ask it once with refresh(); keepalive and serve
 * let it watch.
 */
import { createEngine } from '../core/engine.js';
import { GatewayError } from '../core/errors.js';
import { PidFile } from '../core/gateway/pidfile.js';
import { certificateChangedError, readPresentedFingerprint } from '../core/gateway/tls.js';
import { normalizeFingerprint, originOf } from '../core/gateway/trust.js';
import { defaultConfigDir } from '../core/settings-file.js';
import type { AppSnapshot } from '../../shared/snapshot.js';
import type { GlobalOptions } from './arguments.js';
import type { CliBackend, SeedAuthentication } from './backend.js';
import { CommandFailure, ExitCode } from './exit-codes.js';
import { PacingRecord } from './pacing-record.js';
import type { BackendOptions } from './context.js';

/** The one-line refusal for a penalty: "rate limited", and when requests resume. */
function rateLimited(until: number, clock: (at: number) => string): GatewayError {
  return new GatewayError('rate-limited', `rate limited: IBKR answered 429 (too many requests); ibkr-tray sends nothing until ${clock(until)}. Wait; do not restart the gateway.`, {
    retryAt: until,
  });
}

export async function connectBackend(global: GlobalOptions, options: BackendOptions): Promise<CliBackend> {
  const configDir = global.configDir ?? defaultConfigDir();
  // Every request of this process takes a slot in the record every ibkr-tray process shares.
  const pacing = new PacingRecord(configDir);
  const engine = await createEngine({
    configDir,
    sharedPacing: pacing,
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

  const origin = (): string => gatewayUrl();
  const clock = (at: number): string => new Date(at).toTimeString().slice(0, 8);
  /** Until when IBKR wants nothing from this gateway (a 429 met by this or any other ibkr-tray process), or null. */
  // The pacer writes every 429 it meets there (SharedPacing.penalize).
  const penaltyUntil = (): number | null => pacing.penaltyUntil(origin());
  /** Nothing goes into IBKR's penalty box: refuse before sending. */
  const guard = (): void => {
    const until = penaltyUntil();
    if (until !== null) throw rateLimited(until, clock);
  };
  /**
   * A 429 met on the way (the account list, a switch) is never reported as success: once a call
   * ends inside a penalty, the command says "rate limited", whatever the call made of the refusal.
   */
  const honest = (): void => {
    const until = penaltyUntil();
    if (until !== null) throw rateLimited(until, clock);
  };
  const paced =
    <A extends unknown[], T>(call: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      guard();
      try {
        return await call(...args);
      } catch (error) {
        // IBKR's 429 (not our own pacer's "not sent"): in the words of every other rate-limited command.
        const until = penaltyUntil();
        if (until !== null && error instanceof GatewayError && error.kind === 'rate-limited') throw rateLimited(until, clock);
        throw error;
      }
    };
  const auth = engine.auth;
  const pacedAuth: SeedAuthentication = {
    login: paced(() => auth.login()),
    waitForLogin: paced((o?: { readonly timeoutMs?: number; readonly pollIntervalMs?: number }) => auth.waitForLogin(o)),
    isAuthenticated: paced(() => auth.isAuthenticated()),
    updateServerAccount: paced((id: string) => auth.updateServerAccount(id)),
    ssoValidate: paced(async () => {
      const wait = pacing.endpointDelayMs(origin(), '/v1/api/sso/validate');
      if (wait > 0) {
        // Our own refusal, not IBKR's 429: nothing to remember as a penalty.
        throw new CommandFailure(ExitCode.rateLimited, `IBKR allows sso/validate once a minute: try again in ${Math.ceil(wait / 1000)} s (sending it now would earn a 10-minute penalty).`);
      }
      return auth.ssoValidate();
    }),
    reauthenticate: paced(() => auth.reauthenticate()),
    // The pacer waits for tickle's slot (1/s across processes) within the request timeout.
    tickle: paced(async () => (await auth.tickle()).tickle),
    logout: paced(() => auth.logout()),
    closeGateway: (pid?: number) => auth.closeGateway(pid),
    get lastState() {
      return auth.lastState;
    },
  };
  // The engine the commands hold: its intents (a switch of account, a logout) end honest too.
  const heldEngine = new Proxy(engine, {
    get(target, property) {
      if (property === 'dispatch') {
        return async (intent: Parameters<typeof engine.dispatch>[0]) => {
          guard();
          const result = await target.dispatch(intent);
          honest();
          return result;
        };
      }
      return Reflect.get(target, property, target) as unknown;
    },
  });

  return {
    get gatewayUrl() {
      return gatewayUrl();
    },
    gatewayFolder: global.gatewayFolder ?? engine.settings.get().gatewayFolder,
    configDir,
    auth: pacedAuth,
    engine: heldEngine,
    async check() {
      guard();
      // A check tickles (limit 1/s) only when no ibkr-tray process tickled within the last second;
      // otherwise auth/status alone answers (the session was kept alive a moment ago), instead of
      // waiting for a tickle slot the answer does not need. Every request takes its slot in the
      // shared record on its way out (the pacer), so back-to-back commands stay within 10/s.
      const tickle = pacing.endpointDelayMs(origin(), '/v1/api/tickle') === 0;
      // Never sso/validate (IBKR: once a minute): a running tray app asks it when a session becomes
      // ready and writes no shared record, so a status right after a login would make it twice.
      const snapshot = await engine.refresh({ tickle });
      // A rate-limited state says so itself (status prints it); anything else met in a penalty is refused.
      if (snapshot.state !== 'rate-limited') honest();
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
