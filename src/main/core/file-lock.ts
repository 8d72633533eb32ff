/**
 * A cross-process lock for a small file that several processes read, change and write back (the
 * pacing record today; the settings file could use the same). Synchronous on purpose: what it guards
 * is a read-modify-write of a few hundred bytes, so holding it blocks nobody for long, and a caller
 * inside a synchronous step (a pacer deciding whether a request may go now) can use it.
 *
 * Protocol: the lock is `<file>.lock`, created with O_EXCL and holding `pid token time`. A lock whose
 * owner is no longer alive (by /proc state: a killed process can stay a zombie), or that is older
 * than `staleMs` (a critical section lasts microseconds), is stale. Breaking it renames it to a name
 * of our own first (only one breaker can win that rename), then checks it renamed the very lock it
 * judged (same token); if it took a fresh one instead, it puts that back with link(), which never
 * overwrites. Every wait is bounded by `waitMs`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { isProcessAlive } from './gateway/process-tree.js';

export interface FileLockOptions {
  /** Longest wait for the lock before giving up (default 3 s). */
  readonly waitMs?: number;
  /** A lock older than this is stale whoever holds it (default 5 s). */
  readonly staleMs?: number;
  readonly now?: () => number;
}

export class FileLockTimeout extends Error {
  override readonly name = 'FileLockTimeout';
}

const POLL_MS = 5;

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

interface Holder {
  readonly pid: number;
  readonly token: string;
  readonly at: number;
}

function readHolder(file: string): Holder | null {
  try {
    const [pid, token, at] = fs.readFileSync(file, 'utf8').trim().split(' ');
    if (!pid || !token || !at) return null;
    return { pid: Number(pid), token, at: Number(at) };
  } catch {
    return null;
  }
}

/** Run `action` while holding `<file>.lock`; throws FileLockTimeout when the lock cannot be had in time. */
export function withFileLock<T>(file: string, action: () => T, options: FileLockOptions = {}): T {
  const now = options.now ?? Date.now;
  const lock = `${file}.lock`;
  const token = crypto.randomBytes(8).toString('hex');
  const deadline = now() + (options.waitMs ?? 3_000);
  const staleMs = options.staleMs ?? 5_000;
  for (;;) {
    try {
      const fd = fs.openSync(lock, 'wx', 0o600);
      try {
        fs.writeSync(fd, `${process.pid} ${token} ${now()}`);
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    breakIfStale(lock, staleMs, now);
    if (now() >= deadline) throw new FileLockTimeout(`could not take ${lock} within ${options.waitMs ?? 3_000} ms`);
    pause(POLL_MS);
  }
  try {
    return action();
  } finally {
    // Ours only: after a stale break by someone else (we were too slow), the lock is theirs.
    if (readHolder(lock)?.token === token) fs.rmSync(lock, { force: true });
  }
}

function breakIfStale(lock: string, staleMs: number, now: () => number): void {
  const holder = readHolder(lock);
  if (holder === null) {
    // Being written this very moment, or damaged: judge it by age alone.
    try {
      if (now() - fs.statSync(lock).mtimeMs < staleMs) return;
    } catch {
      return;
    }
  } else if (isProcessAlive(holder.pid) && now() - holder.at < staleMs) {
    return;
  }
  const aside = `${lock}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.stale`;
  try {
    fs.renameSync(lock, aside);
  } catch {
    return; // someone else broke or released it first
  }
  const taken = readHolder(aside);
  if (holder !== null && taken?.token !== holder.token) {
    // A fresh lock replaced the stale one between our look and our rename: give it back.
    try {
      fs.linkSync(aside, lock);
    } catch {
      // another lock was created meanwhile; the fresh one's owner releases by token, harmlessly
    }
  }
  fs.rmSync(aside, { force: true });
}
