/**
 * IBKR's pacing across `ibkr-tray` processes. Each command is a new process with a new pacer, but
 * IBKR counts per gateway: a script of back-to-back commands (`status; accounts; use X; …`) must
 * not send more than 10 requests in any second, two tickles within a second, or two sso/validate
 * within a minute, or the machine sits in the 429 penalty box for 10-15 minutes (gateway-facts §8).
 *
 * So every request of every command takes a slot in one small record in the settings folder
 * (`cli-pacing.json`, per gateway origin) before it is sent and hands it back when answered (the
 * pacer's SharedPacing). A slot counts from before the send until a window after the answer: the
 * gateway saw the request in between, so the count holds at the gateway however loaded the machine.
 * The record also keeps, per paced endpoint, when its last request was answered, and until when
 * IBKR said to send nothing (a 429 met by any process). It holds no account id and no token, and
 * is readable by the user only. Every change is a read-modify-write under a lock file (file-lock.ts).
 * A record that cannot be read is "unknown", never "nothing sent" (unknownEntry), and times it
 * holds that cannot be true (later than now, a penalty longer than IBKR's) are dropped or cut (sane).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FileLockTimeout, withFileLock } from '../core/file-lock.js';
import { IBKR_PACING, type PacingRules, type SharedPacing } from '../core/gateway/pacing.js';
import { originOf } from '../core/gateway/trust.js';
import { readSmallFile } from '../core/small-file.js';

/** How soon to ask again when the only thing in the way is a request still in flight elsewhere. */
const POLL_MS = 25;
/** The lock guards microseconds of work: a wait longer than this means something is wrong. */
const LOCK_WAIT_MS = 1_000;

const SlotSchema = z.object({
  ticket: z.string(),
  endpoint: z.string(),
  at: z.number(),
  /** Counted as answered at this time if its process never says so (it died). */
  holdUntil: z.number(),
  doneAt: z.number().nullable(),
});
type Slot = z.infer<typeof SlotSchema>;
// Unknown keys (an older record's account list) are dropped on the next write. An entry that is not
// of this shape is damaged, and read as "unknown" (see unknownEntry), never as "no history".
// A field missing is an older record's shape (it had none of them): no history, not damage.
const EntrySchema = z.object({
  slots: z.array(SlotSchema).default([]),
  lastDoneAt: z.record(z.string(), z.number()).default({}),
  penaltyUntil: z.number().nullish(),
});
type Entry = z.infer<typeof EntrySchema>;
const FileSchema = z.record(z.string(), z.unknown());

/**
 * A time this far after now is a lie (a clock that jumped back, a hand edit): a slot, an endpoint's
 * last answer or a penalty dated later would hold every command until the clock catches up.
 */
const FUTURE_ALLOWANCE_MS = 2_000;
/** A slot is held at most a request's timeout and a second; a longer hold is not one we wrote. */
const MAX_HOLD_MS = 5 * 60_000;
/** IBKR's longest penalty box (gateway-facts §8: 10-15 minutes): a later end is not IBKR's. */
const MAX_PENALTY_MS = 15 * 60_000;
/** The record is a few KB; one bigger than this is damaged, and not even parsed. */
const MAX_RECORD_BYTES = 1024 * 1024;

/** When a slot stopped counting as in flight: answered, or given up on (its hold ran out); null = in flight. */
function doneAt(slot: Slot, now: number): number | null {
  return slot.doneAt ?? (slot.holdUntil <= now ? slot.holdUntil : null);
}

export class PacingRecord implements SharedPacing {
  readonly file: string;

  constructor(
    configDir: string,
    private readonly now: () => number = Date.now,
    private readonly rules: PacingRules = IBKR_PACING,
  ) {
    this.file = path.join(configDir, 'cli-pacing.json');
  }

  reserve(origin: string, endpoint: string, holdMs: number): { ticket: string } | { retryAt: number; penalty: boolean } {
    try {
      return this.change(origin, (entry, now) => {
        if (entry.penaltyUntil != null && entry.penaltyUntil > now) return { retryAt: entry.penaltyUntil, penalty: true };
        const window = this.rules.windowMs + this.rules.marginMs;
        const waits: number[] = [];
        if (entry.slots.length >= this.rules.perWindow) {
          // The first slot to leave the window: one answered longest ago, or (all in flight) soon.
          waits.push(Math.min(...entry.slots.map((s) => (doneAt(s, now) ?? now + POLL_MS - window) + window)));
        }
        const rule = this.rules.endpoints[endpoint];
        if (rule) {
          if (entry.slots.some((s) => s.endpoint === endpoint && doneAt(s, now) === null)) waits.push(now + POLL_MS);
          const last = entry.lastDoneAt[endpoint];
          if (last !== undefined) waits.push(last + rule.minIntervalMs + this.rules.marginMs);
        }
        const retryAt = Math.max(now, ...waits);
        if (retryAt > now) return { retryAt, penalty: false };
        const ticket = crypto.randomBytes(6).toString('hex');
        entry.slots.push({ ticket, endpoint, at: now, holdUntil: now + holdMs, doneAt: null });
        return { ticket };
      });
    } catch (error) {
      if (error instanceof FileLockTimeout) return { retryAt: this.now() + POLL_MS, penalty: false };
      // An unwritable settings folder must not stop the command: this process's own pacer still paces it.
      return { ticket: 'unrecorded' };
    }
  }

  release(origin: string, ticket: string): void {
    if (ticket === 'unrecorded') return;
    this.tryChange(origin, (entry, now) => {
      const slot = entry.slots.find((s) => s.ticket === ticket);
      if (slot) slot.doneAt = now;
      if (slot && this.rules.endpoints[slot.endpoint]) entry.lastDoneAt[slot.endpoint] = Math.max(entry.lastDoneAt[slot.endpoint] ?? 0, now);
    });
  }

  penaltyUntil(origin: string): number | null {
    const until = this.read(origin).penaltyUntil ?? null;
    return until !== null && until > this.now() ? until : null;
  }

  penalize(origin: string, until: number): void {
    this.tryChange(origin, (entry) => {
      entry.penaltyUntil = Math.max(entry.penaltyUntil ?? 0, until);
    });
  }

  /**
   * How long until a request to `endpoint` (one with a rule of its own: tickle, sso/validate) may be
   * sent, from what every process sent (0 = now). A `status` skips its tickle rather than wait for it.
   */
  endpointDelayMs(origin: string, endpoint: string): number {
    const rule = this.rules.endpoints[endpoint];
    if (!rule) return 0;
    const entry = this.read(origin);
    const now = this.now();
    if (entry.slots.some((s) => s.endpoint === endpoint && doneAt(s, now) === null)) return POLL_MS;
    const last = entry.lastDoneAt[endpoint];
    return last === undefined ? 0 : Math.max(0, last + rule.minIntervalMs + this.rules.marginMs - now);
  }

  private key(origin: string): string {
    return originOf(origin) ?? origin;
  }

  /** The whole record, or null when it is damaged (not a file, too big, not JSON, not an object). */
  private readFile(): Record<string, unknown> | null {
    try {
      // Never a plain read: a FIFO in the record's place would block this synchronous read forever.
      const found = readSmallFile(this.file, { maxBytes: MAX_RECORD_BYTES });
      if (found.kind === 'missing') return {};
      if (found.kind !== 'text') return null;
      const parsed = FileSchema.safeParse(JSON.parse(found.text));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  private read(origin: string): Entry {
    return this.entryOf(this.readFile(), origin, this.now());
  }

  /** This origin's entry; `all` null (a damaged record) or a damaged entry: unknownEntry. */
  private entryOf(all: Record<string, unknown> | null, origin: string, now: number): Entry {
    const raw = all === null ? null : (all[this.key(origin)] ?? { slots: [], lastDoneAt: {} });
    const parsed = raw === null ? null : EntrySchema.safeParse(raw);
    const entry = parsed?.success ? sane(parsed.data, now) : this.unknownEntry(now);
    const window = this.rules.windowMs + this.rules.marginMs;
    // A slot leaves the record a window after it was answered; a paced endpoint's time stays.
    entry.slots = entry.slots.filter((slot) => {
      const done = doneAt(slot, now);
      if (done === null || now - done < window) return true;
      if (this.rules.endpoints[slot.endpoint]) entry.lastDoneAt[slot.endpoint] = Math.max(entry.lastDoneAt[slot.endpoint] ?? 0, done);
      return false;
    });
    return entry;
  }

  /**
   * What an unreadable record stands for: not "nothing was sent" (the next tickle could be IBKR's
   * second in a second, and a 429 costs 10 minutes) but "unknown", so the worst: a full window and
   * every paced endpoint answered just now. The next request waits one window (a tickle its
   * interval), and the record is written clean.
   */
  private unknownEntry(now: number): Entry {
    const slots = Array.from({ length: this.rules.perWindow }, (_, n) => ({ ticket: `unknown-${n}`, endpoint: '', at: now, holdUntil: now, doneAt: now }));
    return { slots, lastDoneAt: Object.fromEntries(Object.keys(this.rules.endpoints).map((endpoint) => [endpoint, now])), penaltyUntil: null };
  }

  private change<T>(origin: string, edit: (entry: Entry, now: number) => T): T {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    return withFileLock(
      this.file,
      () => {
        const read = this.readFile();
        const now = this.now();
        const entry = this.entryOf(read, origin, now);
        // A damaged record is written clean: what it held of other gateways is lost with it.
        const all = read ?? {};
        const result = edit(entry, now);
        all[this.key(origin)] = entry;
        writePrivate(this.file, JSON.stringify(all));
        return result;
      },
      // Stale after 5 s: a section here lasts microseconds, and a stalled record would stop every command.
      { waitMs: LOCK_WAIT_MS, staleMs: 5_000 },
    );
  }

  /** Best effort: a record that cannot be written must not fail the command (its pacer still paces it). */
  private tryChange(origin: string, edit: (entry: Entry, now: number) => void): void {
    try {
      this.change(origin, edit);
    } catch {
      // see above
    }
  }
}

/**
 * The entry without what cannot be true: times later than now allows (dropped: a slot, an endpoint's
 * last answer) and a penalty longer than IBKR ever gives (cut to the longest).
 */
function sane(entry: Entry, now: number): Entry {
  const future = now + FUTURE_ALLOWANCE_MS;
  const slots = entry.slots.filter((s) => s.at <= future && (s.doneAt === null || s.doneAt <= future) && s.holdUntil <= now + MAX_HOLD_MS);
  const lastDoneAt = Object.fromEntries(Object.entries(entry.lastDoneAt).filter(([, at]) => at <= future));
  const penaltyUntil = entry.penaltyUntil == null ? null : Math.min(entry.penaltyUntil, now + MAX_PENALTY_MS);
  return { slots, lastDoneAt, penaltyUntil };
}

/** Atomic (temp + rename) and readable by the user only, whatever the umask. */
function writePrivate(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, text, { mode: 0o600 });
    fs.chmodSync(temp, 0o600);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
