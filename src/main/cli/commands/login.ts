/**
 * `ibkr-tray login [--wait]`: login() from the seed API. Already logged in → says so; gateway up but
 * not authenticated → starts the brokerage session; gateway not running → starts it and shows the
 * login page (the system browser, or the URL printed with --no-browser or when no browser opener exists).
 */
import { IBCAuthenticationError } from '../../core/errors.js';
import type { CommandContext, CommandResult } from '../context.js';
import { withDeadline } from '../deadline.js';
import { CommandFailure, ExitCode } from '../exit-codes.js';
import { durationWords } from '../progress.js';

export interface LoginOptions {
  readonly wait: boolean;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly openBrowser: boolean;
}

export async function login(ctx: CommandContext, options: LoginOptions): Promise<CommandResult> {
  const showLoginPage = async (url: string): Promise<void> => {
    if (options.openBrowser && (await ctx.openBrowser(url))) {
      ctx.out.say(`Opened the gateway's login page in your browser: ${url}`);
    } else {
      ctx.out.say(`Log in at ${url}`);
    }
  };
  const backend = await ctx.backend({ openLoginPage: showLoginPage });
  // The user asks for the session back: a remembered "logged out" (from the tray or `ibkr-tray logout`)
  // ends here, so the tray app keeps the new session going instead of holding back.
  if (backend.engine.settings.get().userIntent === 'logged-out') backend.engine.settings.update({ userIntent: null });

  // login() refuses to start a gateway it has no folder for: say how to give it one (exit 3, as for
  // any gateway that is not there), not only that it cannot.
  const noFolder = (error: unknown): CommandFailure | null =>
    error instanceof IBCAuthenticationError && !backend.gatewayFolder && /^The gateway is not running and IBKR Tray has no gateway folder/.test(error.message)
      ? new CommandFailure(ExitCode.unreachable, `no gateway answers at ${backend.gatewayUrl} and there is no gateway folder to start one from: run \`ibkr-tray gateway install\`, or pass --dir FOLDER`, { cause: error })
      : null;

  if (!options.wait) {
    const status = await backend.auth.login().catch((error: unknown) => {
      throw noFolder(error) ?? error;
    });
    const ready = status.authenticated && status.connected && !status.competing && !status.fail;
    const text = ready
      ? `logged in — ${backend.gatewayUrl}`
      : `login started: finish it in the browser, then \`ibkr-tray wait\` — ${backend.gatewayUrl}`;
    ctx.out.result(text, { ok: true, ready, authenticated: status.authenticated, connected: status.connected, competing: status.competing, gatewayUrl: backend.gatewayUrl });
    return ExitCode.ok;
  }

  const progress = ctx.progress();
  // The wait ends at --timeout after the command started, whatever is in flight then (a check that
  // hangs, a gateway still starting): the user's number, not it plus a request timeout.
  const endsAt = ctx.startedAt + options.timeoutMs;
  const notLoggedIn = (detail: string): CommandFailure =>
    new CommandFailure(ExitCode.timedOut, `not logged in after ${durationWords(options.timeoutMs)}: ${detail}`);
  const ticker = setInterval(() => progress.update(`waiting for the login at ${backend.gatewayUrl}: ${backend.auth.lastState}`), 1000);
  try {
    const left = Math.max(1, endsAt - ctx.now());
    await withDeadline(backend.auth.waitForLogin({ timeoutMs: left, pollIntervalMs: options.intervalMs }), left, () => notLoggedIn(`last state seen: ${backend.auth.lastState}.`));
  } catch (error) {
    if (error instanceof IBCAuthenticationError && isWaitTimeout(error)) throw notLoggedIn(error.message.replace(/^Not logged in after waiting \d+ s; /, ''));
    throw noFolder(error) ?? error;
  } finally {
    clearInterval(ticker);
    progress.clear();
  }
  ctx.out.result(`logged in — ${backend.gatewayUrl}`, { ok: true, ready: true, authenticated: true, gatewayUrl: backend.gatewayUrl });
  return ExitCode.ok;
}

/** waitForLogin's own "not logged in after N s" (its other refusals come from login() and say why at once). */
function isWaitTimeout(error: IBCAuthenticationError): boolean {
  return /^Not logged in after waiting /.test(error.message);
}
