/**
 * The single calls of the seed API: logout, tickle, validate, reauth, and takeover (an intent, since
 * taking a session back from another platform is always the user's decision, gateway-facts §7).
 * Each prints one line, or with --json the parsed answer minus anything secret.
 */
import { maskToken } from '../../core/errors.js';
import { isConfirmed } from '../../../shared/intents.js';
import { isPaperLogin, tradingMode } from '../../../shared/trading-mode.js';
import type { CommandContext, CommandResult } from '../context.js';
import { CommandFailure, ExitCode, exitCodeForState } from '../exit-codes.js';
import { stateWords } from '../../../shared/state-words.js';

/**
 * Log out through the engine, so that "logged out" is remembered in the settings: otherwise the tray
 * app, seeing the SSO session alive and the brokerage session down, would start it again by itself.
 */
export async function logout(ctx: CommandContext): Promise<CommandResult> {
  const backend = await ctx.backend();
  const snapshot = await backend.check();
  if (snapshot.state === 'login-required') {
    backend.engine.settings.update({ userIntent: 'logged-out' });
    ctx.out.result('already logged out', { ok: true, message: 'already logged out' });
    return ExitCode.ok;
  }
  if (!snapshot.actions.logOut) {
    const code = exitCodeForState(snapshot.state);
    throw new CommandFailure(code === ExitCode.ok ? ExitCode.notReady : code, `cannot log out now (${stateWords(snapshot.state)}): ${snapshot.reason}`);
  }
  const result = await backend.engine.dispatch({ type: 'log-out' });
  if (!result.ok) throw new CommandFailure(ExitCode.notReady, `cannot log out: ${result.reason}`);
  const confirmed = isConfirmed(result);
  const message = result.message ?? 'Logged out.';
  ctx.out.result(confirmed ? 'logged out' : message, { ok: true, confirmed, message });
  return ExitCode.ok;
}

export async function tickle(ctx: CommandContext): Promise<CommandResult> {
  const answer = await (await ctx.backend()).auth.tickle();
  const auth = answer.iserver?.authStatus;
  const minutes = Math.round(answer.ssoExpires / 60_000);
  // Never print the session token in full (it authenticates the WebSocket).
  ctx.out.result(`session alive: SSO expires in ${minutes} min; brokerage ${auth?.authenticated ? 'authenticated' : 'not authenticated'}`, {
    ok: true,
    session: maskToken(answer.session),
    ssoExpiresInMs: answer.ssoExpires,
    authenticated: auth?.authenticated ?? null,
    connected: auth?.connected ?? null,
    competing: auth?.competing ?? null,
  });
  return ExitCode.ok;
}

export async function validate(ctx: CommandContext): Promise<CommandResult> {
  const answer = await (await ctx.backend()).auth.ssoValidate();
  if (!answer.RESULT) throw new CommandFailure(ExitCode.notReady, 'the SSO session is not valid: log in again (`ibkr-tray login`)');
  const paper = isPaperLogin(answer.LOGIN_TYPE);
  ctx.out.result(`SSO session valid: ${answer.USER_NAME}, ${tradingMode(paper) ?? 'unknown type'}`, {
    ok: true,
    username: answer.USER_NAME,
    paper,
    expiresInMs: answer.EXPIRES ?? null,
    region: answer.region ?? null,
  });
  return ExitCode.ok;
}

export async function reauth(ctx: CommandContext): Promise<CommandResult> {
  const answer = await (await ctx.backend()).auth.reauthenticate();
  if ('error' in answer) throw new CommandFailure(ExitCode.notReady, `the gateway says "${answer.error}": log in first (\`ibkr-tray login\`)`);
  ctx.out.result(`reauthentication ${answer.message}: \`ibkr-tray wait\` until it is ready`, { ok: true, message: answer.message });
  return ExitCode.ok;
}

export async function takeover(ctx: CommandContext): Promise<CommandResult> {
  const backend = await ctx.backend();
  // The engine allows a take-over only in the competing state: learn the state first.
  const snapshot = await backend.check();
  if (snapshot.state !== 'competing') throw new CommandFailure(ExitCode.notReady, `cannot take over: no other platform holds the session (${stateWords(snapshot.state)})`);
  const result = await backend.engine.dispatch({ type: 'take-over' });
  if (!result.ok) throw new CommandFailure(ExitCode.notReady, `cannot take over: ${result.reason}`);
  ctx.out.result(result.message ?? 'took the session over from the other platform', { ok: true, message: result.message ?? null });
  return ExitCode.ok;
}
