/**
 * One writer at a time for a small file that several processes read, change and write back (the
 * settings file: the tray app, `serve` and any number of `ibkr-tray profile …` may change it at one
 * moment; the command's pacing record: every request of every command). Synchronous on purpose: what
 * it guards is a read-modify-write of a few hundred bytes, and a caller inside a synchronous step (a
 * pacer deciding whether a request may go now, the settings store's writes) can use it.
 *
 * Protocol: the lock is `<file>.lock`, created with O_EXCL, holding its owner's pid, the time and a
 * token. A lock whose owner is dead (by /proc state: a killed process can stay a zombie), that was
 * never filled in, or that is older than `staleMs`, is taken over; breaking it renames it to a name of
 * our own first (only one breaker wins that rename), then checks it is the very lock it judged (same
 * inode), and puts a fresh one back with link(), which never overwrites. Anything but a plain file in
 * the lock's place (a FIFO, a folder, a link, dangling or not) is broken at once, never read. A lock held by a live owner
 * is waited for up to `waitMs`, then FileLockTimeout. The lock is released however the work ends, and
 * only while it is still ours.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from './gateway/process-tree.js';
import { readSmallFile } from './small-file.js';

export interface LockTiming {
  /** How long to wait for a lock another live process holds before refusing. */
  readonly waitMs: number;
  /** A lock this old is taken over whoever holds it (its pid was reused, or its owner hangs). */
  readonly staleMs: number;
}

/** A write takes milliseconds; 20 processes queueing on a busy 2-core machine take well under a second, so 10 s is only ever reached by a hung owner. */
export const DEFAULT_LOCK_TIMING: LockTiming = { waitMs: 10_000, staleMs: 30_000 };

/** The lock stayed held by a live owner for the whole wait. */
export class FileLockTimeout extends Error {
  override readonly name = 'FileLockTimeout';
  constructor(
    readonly lock: string,
    /** The owner's pid when its lock could be read. */
    readonly holderPid: number | null,
    readonly waitMs: number,
  ) {
    super(`${lock} stayed locked by ${holderPid === null ? 'another process' : `process ${holderPid}`} for ${Math.round(waitMs)} ms`);
  }
}

/** A lock whose content is not (yet) written: its owner died between creating and filling it, or is filling it now. */
const UNFILLED_GRACE_MS = 2_000;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

export interface LockContent {
  readonly pid: number;
  readonly at: number;
  readonly token: string;
}

export interface FoundLock {
  readonly content: LockContent | null;
  readonly ino: number;
  readonly mtimeMs: number;
  /** Not a plain file (a FIFO, a folder, a link, dangling or not): never ours, never read, broken at once. */
  readonly broken: string | null;
}

export function readLock(lock: string): FoundLock | null {
  try {
    // Never a plain read: a FIFO in the lock's place would block this synchronous read forever.
    const found = readSmallFile(lock, { followLinks: false, maxBytes: 4096 });
    if (found.kind === 'missing') return null;
    if (found.kind !== 'text') {
      const stat = fs.lstatSync(lock);
      return { content: null, ino: stat.ino, mtimeMs: stat.mtimeMs, broken: found.kind === 'too-big' ? 'it is too big to be a lock' : `it is ${found.what}` };
    }
    let content: LockContent | null = null;
    try {
      const raw = JSON.parse(found.text) as Partial<LockContent>;
      if (typeof raw.pid === 'number' && typeof raw.at === 'number' && typeof raw.token === 'string') content = { pid: raw.pid, at: raw.at, token: raw.token };
    } catch {
      content = null;
    }
    return { content, ino: found.ino, mtimeMs: found.mtimeMs, broken: null };
  } catch {
    return null;
  }
}

/** Why the lock may be taken over, or null while its owner may still be using it. */
export function staleReason(found: FoundLock, now: number, timing: LockTiming): string | null {
  if (found.broken !== null) return found.broken;
  const { content } = found;
  if (content === null) return now - found.mtimeMs > UNFILLED_GRACE_MS ? 'it was never filled in' : null;
  // isProcessAlive reads /proc on Linux: a zombie (a killed owner nobody reaped) counts as dead.
  if (!isProcessAlive(content.pid)) return `its owner, pid ${content.pid}, is gone`;
  if (now - content.at > timing.staleMs) return `it is ${Math.round((now - content.at) / 1000)} s old`;
  return null;
}

/**
 * Take over a stale lock without taking a fresh one by mistake: another process may have taken it
 * over first and created its own. Rename it to a name of our own, check it is the one judged stale
 * (same inode), and put it back (link, which never replaces) when it is not.
 */
export function breakStale(lock: string, judgedIno: number): boolean {
  const moved = `${lock}.stale-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.renameSync(lock, moved);
  } catch (error) {
    // Gone: someone else took it over first; try again from the start. Anything else (a folder
    // that cannot be moved): the wait goes on, with its deadline.
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
  try {
    if (fs.statSync(moved).ino !== judgedIno) {
      try {
        fs.linkSync(moved, lock);
      } catch {
        // A third process created a lock meanwhile; the one we moved is kept under `moved`'s name.
        return true;
      }
    }
    // A folder in the lock's place is removed only when empty: what is in it is not ours.
    if (fs.lstatSync(moved).isDirectory()) fs.rmdirSync(moved);
    else fs.rmSync(moved, { force: true });
  } catch {
    // Leave it: a stray `.stale-` file is harmless.
  }
  return true;
}

/** One try at the lock: taken (true), or who holds it while they may still use it (a stale one is broken first). */
function tryTake(lock: string, token: string, timing: LockTiming): { readonly taken: true } | { readonly taken: false; readonly holder: LockContent | null } {
  try {
    const fd = fs.openSync(lock, 'wx', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, at: Date.now(), token }));
    } finally {
      fs.closeSync(fd);
    }
    return { taken: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const found = readLock(lock);
  // A break that failed (a folder that cannot be moved) waits with the caller's deadline, not in a loop.
  if (found && staleReason(found, Date.now(), timing) !== null && breakStale(lock, found.ino)) return tryTake(lock, token, timing);
  return { taken: false, holder: found?.content ?? null };
}

function prepare(file: string, options: Partial<LockTiming>): { readonly lock: string; readonly token: string; readonly timing: LockTiming; readonly deadline: number } {
  const timing: LockTiming = { ...DEFAULT_LOCK_TIMING, ...options };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  return { lock: `${file}.lock`, token: `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`, timing, deadline: Date.now() + timing.waitMs };
}

/** Short and jittered: a write holds the lock for milliseconds, and 20 waiters must not move in step. */
function backoffMs(attempt: number): number {
  return Math.min(2 + attempt * 2, 25) + Math.floor(Math.random() * 5);
}

/**
 * Run `work` while holding `<file>.lock`. Throws FileLockTimeout when the lock cannot be had within
 * `timing.waitMs` (an fs failure other than "exists" is thrown as it is).
 */
export function withFileLock<T>(file: string, work: () => T, options: Partial<LockTiming> = {}): T {
  const { lock, token, timing, deadline } = prepare(file, options);
  for (let attempt = 0; ; attempt++) {
    const tried = tryTake(lock, token, timing);
    if (tried.taken) break;
    if (Date.now() >= deadline) throw new FileLockTimeout(lock, tried.holder?.pid ?? null, timing.waitMs);
    sleepMs(backoffMs(attempt));
  }
  try {
    return work();
  } finally {
    release(lock, token);
  }
}

/**
 * withFileLock for work that takes seconds (a gateway's start): the same lock and stale rules, but
 * waiting without blocking the event loop, and giving up early when `cancelled()` says so (then it
 * throws FileLockTimeout too). `staleMs` must exceed the longest the work may take.
 */
export async function withFileLockAsync<T>(file: string, work: () => Promise<T>, options: Partial<LockTiming> & { readonly cancelled?: () => boolean } = {}): Promise<T> {
  const { lock, token, timing, deadline } = prepare(file, options);
  for (let attempt = 0; ; attempt++) {
    const tried = tryTake(lock, token, timing);
    if (tried.taken) break;
    if (Date.now() >= deadline || options.cancelled?.()) throw new FileLockTimeout(lock, tried.holder?.pid ?? null, timing.waitMs);
    await new Promise((resolve) => setTimeout(resolve, Math.max(50, backoffMs(attempt) * 4)));
  }
  try {
    return await work();
  } finally {
    release(lock, token);
  }
}

/** Remove the lock only while it is still ours (a lock taken over as stale is someone else's now). */
function release(lock: string, token: string): void {
  const found = readLock(lock);
  if (found?.content?.token === token) fs.rmSync(lock, { force: true });
}
