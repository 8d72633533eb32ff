/**
 * IBKR's pacing across `ibkr-tray` processes. Each command is a new process with a new pacer, but
 * IBKR counts per machine: a script running `ibkr-tray status` twice within a second would tickle
 * twice (limit 1/s), `validate` twice within a minute breaks sso/validate's 1/min, and either puts
 * the machine in the 429 penalty box for 10-15 minutes (gateway-facts §8; repeat offenders are
 * blocked). So the command keeps a small record per gateway origin in the settings folder: when the
 * last check (with its tickle), the last check of any kind (and how many requests it sends) and the
 * last sso/validate went out, until when IBKR said to send nothing, and the account list a `status`
 * got a moment ago, so that a `status` right after it needs no account request of its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { IBKR_PACING } from '../core/gateway/pacing.js';
import { originOf } from '../core/gateway/trust.js';
import { writeFileAtomic } from '../core/settings.js';

/** A check (auth/status + tickle) at most once per this long: tickle's limit is 1/s. */
export const CHECK_GAP_MS = 1_100;
/**
 * The most requests a check sends besides its tickle: auth/status and, for a session it finds ready,
 * the account list (1 when it reuses the list a `status` got a moment ago).
 */
export const CHECK_MAX_REQUESTS = 2;
/**
 * Checks' time per request they send. IBKR allows 10 requests/s through a gateway; any window of a
 * second plus the pacer's 200 ms margin must hold, besides the checks started in it, the last
 * request of a check begun before it and one tickle (CHECK_GAP_MS paces those): 8 requests left,
 * 1.2 s / 8 = 150 ms each.
 */
export const REQUEST_SHARE_MS = Math.ceil((IBKR_PACING.windowMs + IBKR_PACING.marginMs) / (IBKR_PACING.perWindow - 2));
/** A `status`'s account list serves the statuses of other processes for at most this long. */
export const ACCOUNTS_REUSE_MS = 1_500;
/** sso/validate's limit is 1/min. */
export const VALIDATE_GAP_MS = 60_000;

/**
 * How far apart two checks must start, from the requests each sends (1 or 2, tickle apart): the
 * larger of the two times REQUEST_SHARE_MS, so 150 ms between two checks of 1 request (auth/status
 * answered with a reused account list), 300 ms when either asks for the account list too. Taking
 * the larger of the pair (not only the earlier check's) keeps the checks started in any 1.2 s to 8
 * requests in every mix: in a row of gaps, every check but one is counted in a gap of its own.
 */
export function checkGapMs(previousRequests: number, nextRequests: number): number {
  return REQUEST_SHARE_MS * Math.max(previousRequests, nextRequests);
}

const AccountListSchema = z.object({
  at: z.number(),
  accounts: z.array(z.object({ id: z.string(), alias: z.string().nullable() })),
  selectedAccount: z.string().nullable(),
  paper: z.boolean().nullable(),
});
const EntrySchema = z.looseObject({
  lastCheckAt: z.number().nullish(),
  lastRequestAt: z.number().nullish(),
  /** How many requests the check begun at lastRequestAt sends (absent: written before it was counted, 2). */
  lastRequests: z.number().int().min(1).max(CHECK_MAX_REQUESTS).nullish().catch(null),
  lastValidateAt: z.number().nullish(),
  penaltyUntil: z.number().nullish(),
  /** A `status`'s account list and when it was answered; null once the session or the account changed. */
  accounts: AccountListSchema.nullish().catch(null),
});
const FileSchema = z.record(z.string(), EntrySchema);
type Entry = z.infer<typeof EntrySchema>;

/** The account list a `status` got, as another process may reuse it: what `status` prints, no more. */
export type SharedAccounts = Omit<z.infer<typeof AccountListSchema>, 'at'>;

export class PacingRecord {
  private readonly file: string;
  private readonly origin: string;

  constructor(
    configDir: string,
    gatewayUrl: string,
    private readonly now: () => number = Date.now,
  ) {
    this.file = path.join(configDir, 'cli-pacing.json');
    this.origin = originOf(gatewayUrl) ?? gatewayUrl;
  }

  /** Epoch ms until which IBKR wants nothing sent, or null. */
  penaltyUntil(): number | null {
    const until = this.entry().penaltyUntil ?? null;
    return until !== null && until > this.now() ? until : null;
  }

  /** How long until a check may tickle again (0 = now). */
  checkDelayMs(): number {
    const last = this.entry().lastCheckAt;
    return last == null ? 0 : Math.max(0, Math.min(CHECK_GAP_MS, last + CHECK_GAP_MS - this.now()));
  }

  /** How long until a check that sends `requests` requests (tickle apart) may start (0 = now). */
  requestDelayMs(requests: number): number {
    const entry = this.entry();
    // From when the last check began (a record written before lastRequestAt existed: its check).
    const last = entry.lastRequestAt ?? entry.lastCheckAt;
    const gap = checkGapMs(entry.lastRequests ?? CHECK_MAX_REQUESTS, requests);
    return last == null ? 0 : Math.max(0, Math.min(gap, last + gap - this.now()));
  }

  /** How long until sso/validate may be sent again (0 = now). */
  validateDelayMs(): number {
    const last = this.entry().lastValidateAt;
    return last == null ? 0 : Math.max(0, last + VALIDATE_GAP_MS - this.now());
  }

  /**
   * A check that tickles starts now. IBKR counts the tickle when it arrives, which on a loaded
   * machine may be long after this mark, so until endCheck() no other process may tickle (for at
   * most `holdMs`, should this one die first).
   */
  startCheck(holdMs: number, requests: number): void {
    const now = this.now();
    this.update({ lastCheckAt: now + holdMs, lastRequestAt: now, lastRequests: requests });
  }

  /** The tickle of the check started with startCheck() was answered or failed: the gap runs from now. */
  endCheck(): void {
    this.update({ lastCheckAt: this.now() });
  }

  /** A check without a tickle, sending `requests` requests, went out now. */
  markRequest(requests: number): void {
    this.update({ lastRequestAt: this.now(), lastRequests: requests });
  }

  /** The account list a `status` got within ACCOUNTS_REUSE_MS, or null. */
  recentAccounts(): SharedAccounts | null {
    const shared = this.entry().accounts;
    if (!shared) return null;
    const age = this.now() - shared.at;
    if (age < 0 || age > ACCOUNTS_REUSE_MS) return null;
    return { accounts: shared.accounts, selectedAccount: shared.selectedAccount, paper: shared.paper };
  }

  /** A `status` got this account list from the gateway just now. */
  shareAccounts(list: SharedAccounts): void {
    // Field by field: the file holds what `status` prints and nothing a caller's object carries beside it.
    const accounts = list.accounts.map((a) => ({ id: a.id, alias: a.alias }));
    this.update({ accounts: { at: this.now(), accounts, selectedAccount: list.selectedAccount, paper: list.paper } });
  }

  /** The session or the selected account changed: no check may reuse the last list. */
  forgetAccounts(): void {
    this.update({ accounts: null });
  }

  markValidate(): void {
    this.update({ lastValidateAt: this.now() });
  }

  markPenalty(until: number): void {
    this.update({ penaltyUntil: until });
  }

  private entry(): Entry {
    return this.readAll()[this.origin] ?? {};
  }

  private readAll(): Record<string, Entry> {
    try {
      const parsed = FileSchema.safeParse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  }

  /** Best effort, atomic: a lost update costs at most one request's spacing. */
  private update(patch: Entry): void {
    try {
      const all = this.readAll();
      all[this.origin] = { ...all[this.origin], ...patch };
      writeFileAtomic(this.file, JSON.stringify(all));
    } catch {
      // An unwritable settings folder must not stop the command; the pacer still paces this process.
    }
  }
}
