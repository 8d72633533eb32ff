/** `ibkr-tray accounts` and `ibkr-tray use ACCOUNT`: list the login's accounts, choose the active one. */
import type { AppSnapshot } from '../../../shared/snapshot.js';
import type { CliBackend } from '../backend.js';
import type { CommandContext, CommandResult } from '../context.js';
import { CommandFailure, ExitCode, exitCodeForState } from '../exit-codes.js';
import { accountLabel, distinctAlias, stateWords } from '../../../shared/state-words.js';
import { accountLines } from '../status-line.js';
import { maskAccount } from '../../core/errors.js';

/** An account as the product names it in messages: its alias, and the id masked. */
function maskedLabel(account: { readonly id: string; readonly alias: string | null }): string {
  const alias = distinctAlias(account.id, account.alias);
  return alias === null ? maskAccount(account.id) : `${alias} (${maskAccount(account.id)})`;
}

/** The snapshot of a ready session, or the failure that says why there are no accounts to show. */
async function readySnapshot(backend: CliBackend): Promise<AppSnapshot> {
  const snapshot = await backend.check();
  if (snapshot.state === 'rate-limited') throw new CommandFailure(ExitCode.rateLimited, `rate limited: ${snapshot.reason}`);
  if (snapshot.state !== 'ready') {
    const code = exitCodeForState(snapshot.state);
    throw new CommandFailure(code === ExitCode.ok ? ExitCode.notReady : code, `not ready (${stateWords(snapshot.state)}): ${snapshot.reason}`);
  }
  return snapshot;
}

export async function accounts(ctx: CommandContext): Promise<CommandResult> {
  const snapshot = await readySnapshot(await ctx.backend());
  ctx.out.result(accountLines(snapshot), { accounts: snapshot.accounts, selectedAccount: snapshot.selectedAccount });
  return ExitCode.ok;
}

/**
 * Select the active account (POST /iserver/account, as updateServerAccount) and remember it. The id must be one of this login's accounts
 * (the gateway wants /iserver/accounts read before a switch, gateway-facts §5); an unknown one is
 * refused before anything is sent, naming the valid ones (the user's own terminal: in full).
 */
export async function use(ctx: CommandContext, accountId: string): Promise<CommandResult> {
  const backend = await ctx.backend();
  const snapshot = await readySnapshot(backend);
  const match = snapshot.accounts.find((a) => a.id.toUpperCase() === accountId.toUpperCase());
  if (!match) {
    const valid = snapshot.accounts.map(accountLabel).join(', ') || 'none listed yet';
    throw new CommandFailure(ExitCode.usage, `unknown account "${accountId}": this login has ${valid}`);
  }
  // Already the selected one (the only account of most logins): nothing to send, and a success.
  if (match.id === snapshot.selectedAccount) {
    if (backend.engine.settings.get().account !== match.id) backend.engine.settings.update({ account: match.id });
    ctx.out.result(`already using account ${maskedLabel(match)}`, { ok: true, selectedAccount: match.id, changed: false });
    return ExitCode.ok;
  }
  // Through the engine rather than updateServerAccount alone: it confirms the switch with the account
  // list and remembers the choice in the settings, so the tray app re-applies this account after the
  // next login instead of switching back to an older choice.
  const result = await backend.engine.dispatch({ type: 'select-account', accountId: match.id });
  if (!result.ok) throw new CommandFailure(ExitCode.notReady, `the gateway did not switch to ${match.id}: ${result.reason}`);
  ctx.out.result(`using account ${accountLabel(match)}`, { ok: true, selectedAccount: match.id });
  return ExitCode.ok;
}
