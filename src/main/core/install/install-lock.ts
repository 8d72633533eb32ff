/**
 * One install at a time into one folder, across processes. Two installs into one folder would each
 * replace the other's work and carry the other's files over as the user's (`dist/x.jar.yours`), so an
 * install holds `<target>.ibkr-tray-install.lock` (beside the target, on its disk) from before it
 * looks at the folder until its staging folder is gone. A second install does not wait: an install
 * takes seconds to minutes, so it refuses at once, naming the process that holds the lock.
 *
 * The lock's protocol and stale rules are file-lock.ts's (O_EXCL create, owner's pid, token; a dead
 * owner judged by /proc, a lock never filled in, one older than any install takes over; taking it
 * over cannot take a fresh lock by mistake). Only the wait differs: none.
 */
import { mkdir, open, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { breakStale, readLock, staleReason } from '../file-lock.js';
import { InstallError } from './install-error.js';

/** The lock file of installs into `target`. */
export function installLockFile(target: string): string {
  return path.join(path.dirname(target), `${path.basename(target)}.ibkr-tray-install.lock`);
}

/** Not waited for; older than this it is taken over (its pid was reused, or its owner hangs). */
const TIMING = { waitMs: 0, staleMs: 6 * 3_600_000 } as const;
/** Taking over stale locks races with other processes doing the same: a few tries, then refuse. */
const ATTEMPTS = 8;

function busy(target: string, pid: number | null): InstallError {
  return new InstallError('occupied', `another install into ${target} is under way${pid === null ? '' : ` (pid ${pid})`}: wait for it to end, then try again; nothing was changed.`);
}

async function createLock(lock: string, token: string): Promise<boolean> {
  const handle = await open(lock, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') return null;
    throw error;
  });
  if (handle === null) return false;
  try {
    await handle.writeFile(JSON.stringify({ pid: process.pid, at: Date.now(), token }));
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Run `work` holding the install lock of `target`; refuses with InstallError('occupied') while another
 * live install holds it. The target's parent is created for the lock, and removed again (while
 * empty) when `work` leaves nothing there.
 */
export async function withInstallLock<T>(target: string, work: () => Promise<T>): Promise<T> {
  const lock = installLockFile(target);
  const parent = path.dirname(target);
  const token = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  let created: string | undefined;
  let held = false;
  let holder: number | null = null;
  try {
    for (let attempt = 0; attempt < ATTEMPTS && !held; attempt++) {
      created ??= await mkdir(parent, { recursive: true });
      try {
        held = await createLock(lock, token);
      } catch (error) {
        // The parent was removed by an install that just ended: make it again.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      if (held) break;
      const found = readLock(lock);
      if (found === null) continue; // released meanwhile: try again
      holder = found.content?.pid ?? null;
      if (staleReason(found, Date.now(), TIMING) === null) break;
      breakStale(lock, found.ino);
    }
  } catch (error) {
    throw new InstallError('disk', `Cannot write in ${parent} (${(error as Error).message}): choose a folder you can write to.`, { cause: error });
  }
  if (!held) {
    await removeEmpty(parent, created);
    throw busy(target, holder);
  }
  try {
    return await work();
  } finally {
    // Only while it is still ours: a lock taken over as stale is someone else's now.
    if (readLock(lock)?.content?.token === token) await rm(lock, { force: true }).catch(() => undefined);
    await removeEmpty(parent, created);
  }
}

/** The folders made for the lock, deepest first, each only while empty (rmdir refuses any other). */
async function removeEmpty(parent: string, created: string | undefined): Promise<void> {
  if (created === undefined) return;
  for (let dir = parent; ; dir = path.dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    if (dir === created || path.dirname(dir) === dir) return;
  }
}
