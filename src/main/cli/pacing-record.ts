/**
 * IBKR's pacing across `ibkr-tray` processes. Each command is a new process with a new pacer, but
 * IBKR counts per machine: a script running `ibkr-tray status` twice within a second would tickle
 * twice (limit 1/s), `validate` twice within a minute breaks sso/validate's 1/min, and either puts
 * the machine in the 429 penalty box for 10-15 minutes (gateway-facts §8; repeat offenders are
 * blocked). So the command keeps a small record per gateway origin in the settings folder: when the
 * last check (with its tickle), the last request of any check and the last sso/validate went out,
 * and until when IBKR said to send nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { IBKR_PACING } from '../core/gateway/pacing.js';
import { originOf } from '../core/gateway/trust.js';
import { writeFileAtomic } from '../core/settings.js';

const EntrySchema = z.looseObject({
  lastCheckAt: z.number().nullish(),
  lastRequestAt: z.number().nullish(),
  lastValidateAt: z.number().nullish(),
  penaltyUntil: z.number().nullish(),
});
const FileSchema = z.record(z.string(), EntrySchema);
type Entry = z.infer<typeof EntrySchema>;

/** A check (auth/status + tickle) at most once per this long: tickle's limit is 1/s. */
export const CHECK_GAP_MS = 1_100;
/**
 * Any two checks at least this far apart, tickle or not: IBKR allows 10 requests/s through a
 * gateway, and a loop of `status` answered without a tickle could otherwise exceed it. A check
 * sends auth/status and, for a session it finds ready, the account list; its tickle is paced by
 * CHECK_GAP_MS. So any second holds the requests of at most 4 checks started in it (300 ms apart,
 * with the pacer's 200 ms margin: 1.2 s / 4), the last one of a check started before it, and one
 * tickle: 4 × 2 + 1 + 1 = 10.
 */
export const REQUEST_GAP_MS = Math.ceil((IBKR_PACING.windowMs + IBKR_PACING.marginMs) / Math.floor((IBKR_PACING.perWindow - 2) / 2));
/** sso/validate's limit is 1/min. */
export const VALIDATE_GAP_MS = 60_000;

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

  /** How long until any check may start (0 = now). */
  requestDelayMs(): number {
    const entry = this.entry();
    // From when the last check began (a record written before lastRequestAt existed: its check).
    const last = entry.lastRequestAt ?? entry.lastCheckAt;
    return last == null ? 0 : Math.max(0, Math.min(REQUEST_GAP_MS, last + REQUEST_GAP_MS - this.now()));
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
  startCheck(holdMs: number): void {
    const now = this.now();
    this.update({ lastCheckAt: now + holdMs, lastRequestAt: now });
  }

  /** The tickle of the check started with startCheck() was answered or failed: the gap runs from now. */
  endCheck(): void {
    this.update({ lastCheckAt: this.now() });
  }

  /** A check without a tickle (auth/status alone) went out now. */
  markRequest(): void {
    this.update({ lastRequestAt: this.now() });
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
