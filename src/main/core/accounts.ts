/**
 * The brokerage accounts of the login: listed from /iserver/accounts (with aliases), chosen with
 * POST /iserver/account and confirmed, remembered in settings and re-applied after every new login.
 * A remembered account that no longer exists is dropped with a notice. A one-shot check may hand in
 * the list another process got a moment ago instead (reusableAccounts says when it may stand in).
 */
import type { IntentResult } from '../../shared/intents.js';
import type { SessionAccount } from '../../shared/session.js';
import type { Notice } from '../../shared/snapshot.js';
import { asGatewayError, maskAccount } from './errors.js';
import { sleep, type Clock } from './gateway/clock.js';
import { accountsFrom } from './gateway/schemas.js';
import type { SessionMonitor } from './monitor.js';
import type { SettingsStore } from './settings.js';

export interface AccountTiming {
  /** /iserver/accounts can be `{}` right after the brokerage start (§5): ask again after this long… */
  readonly emptyRetryMs: number;
  /** …at most this many times. */
  readonly emptyRetries: number;
}

export const DEFAULT_ACCOUNT_TIMING: AccountTiming = { emptyRetryMs: 2_000, emptyRetries: 5 };

/** An account list as the state takes it: out of an /iserver/accounts answer, or reused. */
export interface AccountList {
  readonly accounts: readonly SessionAccount[];
  readonly selectedAccount: string | null;
  readonly paper: boolean | null;
}

/**
 * Whether a list got a moment ago (by another process) may stand in for asking /iserver/accounts:
 * only a non-empty one whose selected account is the one the user chose (or none was chosen), so
 * that applying it never leads to a switch: the gateway wants a fresh /iserver/accounts before one
 * (gateway-facts §5).
 */
export function reusableAccounts(list: AccountList, chosen: string | null): boolean {
  return list.accounts.length > 0 && (chosen === null || list.selectedAccount === chosen);
}

export interface AccountBookOptions {
  readonly monitor: SessionMonitor;
  readonly settings: SettingsStore;
  readonly clock: Clock;
  readonly notice: (level: Notice['level'], text: string) => void;
  readonly timing?: Partial<AccountTiming>;
}

export class AccountBook {
  private loading: Promise<void> | null = null;
  /** The list the next listing uses instead of asking, when reusableAccounts allows (see useRecent). */
  private recent: AccountList | null = null;
  /** Settles with the running listing's first answer (see firstAnswer). */
  private answered: Promise<void> | null = null;
  private readonly timing: AccountTiming;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: AccountBookOptions) {
    this.timing = { ...DEFAULT_ACCOUNT_TIMING, ...options.timing };
    // Every new login (a move into "ready") lists the accounts and re-applies the chosen one.
    this.unsubscribe = options.monitor.on((state, previous) => {
      if (state.kind === 'ready' && previous.kind !== 'ready') void this.load();
    });
  }

  dispose(): void {
    this.unsubscribe();
  }

  /** List the accounts (retrying a `{}` a few times) and re-apply the remembered choice. */
  load(): Promise<void> {
    if (this.loading) return this.loading;
    let firstAnswer = (): void => undefined;
    this.answered = new Promise((resolve) => (firstAnswer = resolve));
    this.loading = this.doLoad(firstAnswer).finally(() => {
      firstAnswer();
      this.loading = null;
      this.answered = null;
    });
    return this.loading;
  }

  /**
   * Resolves once the listing in progress has its first answer in the state (at once when none is
   * running): what a one-shot check waits for, so that its snapshot shows the accounts of a session
   * it just found ready, without waiting out the retries of an empty list.
   */
  firstAnswer(): Promise<void> {
    return this.answered ?? Promise.resolve();
  }

  /**
   * The next listing (the one a move into "ready" starts) takes `list`, got a moment ago, as its
   * first answer instead of asking /iserver/accounts, when reusableAccounts allows; null: ask.
   */
  useRecent(list: AccountList | null): void {
    this.recent = list;
  }

  /** The first attempt's list may be the recent one; every other asks the gateway. */
  private async listing(): Promise<AccountList> {
    const recent = this.recent;
    this.recent = null;
    if (recent && reusableAccounts(recent, this.options.settings.get().account)) return recent;
    return accountsFrom(await this.options.monitor.api.iserverAccounts());
  }

  private async doLoad(answered: () => void): Promise<void> {
    const { monitor, clock } = this.options;
    for (let attempt = 0; attempt <= this.timing.emptyRetries; attempt++) {
      if (monitor.state().kind !== 'ready') return;
      const at = clock.now();
      let list: AccountList;
      try {
        list = await this.listing();
      } catch {
        return; // the monitor's own checks will say what is wrong; the next login lists again
      }
      if (list.accounts.length > 0) {
        monitor.apply({ type: 'accounts', at, ...list });
        answered();
        await this.reapplyChoice(list.accounts, list.selectedAccount);
        return;
      }
      answered();
      await sleep(clock, this.timing.emptyRetryMs);
    }
  }

  private async reapplyChoice(accounts: readonly SessionAccount[], selected: string | null): Promise<void> {
    const { settings, notice } = this.options;
    const chosen = settings.get().account;
    if (!chosen) return;
    if (!accounts.some((a) => a.id === chosen)) {
      settings.update({ account: null });
      const now = selected ? ` IBKR selected ${selected} instead.` : '';
      notice('warning', `The account you chose before (${chosen}) no longer exists on this login, so it was forgotten.${now}`);
      return;
    }
    if (selected === chosen) return;
    const result = await this.select(chosen);
    if (!result.ok) notice('warning', `Could not switch back to your account ${chosen}: ${result.reason}`);
  }

  /** Make `accountId` the selected account (POST /iserver/account), confirm it, and remember it. */
  async select(accountId: string): Promise<IntentResult> {
    const { monitor, settings, clock } = this.options;
    const state = monitor.state();
    if (state.kind !== 'ready') return { ok: false, reason: 'Accounts can be chosen once the session is ready.' };
    const known = state.facts.accounts;
    if (!known.some((a) => a.id === accountId)) {
      return { ok: false, reason: `${accountId} is not an account of this login (${known.map((a) => a.id).join(', ') || 'none listed yet'}).` };
    }
    const at = clock.now();
    try {
      const answer = await monitor.api.selectAccount(accountId);
      if (!answer.set || answer.acctId !== accountId) {
        return { ok: false, reason: `IBKR did not switch to ${accountId} (it answered set:${String(answer.set)}).` };
      }
      // Confirm with the account list itself: selectedAccount must now be the one asked for.
      const after = await monitor.api.iserverAccounts();
      if (after.selectedAccount && after.selectedAccount !== accountId) {
        return { ok: false, reason: `IBKR still reports ${after.selectedAccount} as selected after switching to ${accountId}.` };
      }
    } catch (error) {
      return { ok: false, reason: asGatewayError(error, '/v1/api/iserver/account').message };
    }
    monitor.apply({ type: 'account-selected', at, accountId });
    if (settings.get().account !== accountId) settings.update({ account: accountId });
    return { ok: true, message: `Account ${maskAccount(accountId)} selected.` };
  }
}
