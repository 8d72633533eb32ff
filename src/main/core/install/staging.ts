/**
 * Installing a folder atomically: everything is prepared in a staging folder next to the target (same
 * disk, so a rename moves it), and the target is replaced by two renames only when it is complete.
 *
 * Only what the app made is ever removed. A staging folder has a name the app generates
 * (`.<target>.install-<pid>-<random>`) and a marker file inside naming that same folder; the install
 * removes its own when it ends. One left by a killed process is removed by the next install only when
 * its name has that exact shape, its marker is there and its process is gone; if that process died
 * between the two renames the previous folder is put back first. The target itself is replaced only
 * when `mayReplace` (ownership.ts) says the app installed it, or it is empty.
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from '../gateway/process-tree.js';
import { InstallError } from './install-error.js';
import { mayReplace } from './ownership.js';

/** Inside a staging folder: where the previous target waits while the new one moves in. */
const PREVIOUS = 'previous';
/** Inside a staging folder: the app's own mark, holding the folder's name. */
export const STAGING_MARKER = '.ibkr-tray-staging';

function stagingPrefix(target: string): string {
  return `.${path.basename(target)}.install-`;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `staging` is one the app made: its marker names it. */
async function isOurStaging(staging: string): Promise<boolean> {
  try {
    return (await readFile(path.join(staging, STAGING_MARKER), 'utf8')).trim() === path.basename(staging);
  } catch {
    return false;
  }
}

/**
 * Remove staging folders of installs whose process is gone, restoring a previous folder they held.
 * Only folders of the exact generated name with the app's marker inside: any other is left alone.
 */
export async function cleanStaleStaging(target: string): Promise<void> {
  const parent = path.dirname(target);
  const shape = new RegExp(`^${escapeRegExp(stagingPrefix(target))}(\\d+)-[A-Za-z0-9]{6}$`);
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(shape.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (pid !== process.pid && isProcessAlive(pid)) continue;
    const staging = path.join(parent, name);
    if (!(await isOurStaging(staging))) continue;
    const previous = path.join(staging, PREVIOUS);
    try {
      if (!(await exists(target)) && (await exists(previous))) await rename(previous, target);
      await rm(staging, { recursive: true, force: true });
    } catch {
      // Left for the next time: a stale staging folder is litter, not a reason to refuse an install.
    }
  }
}

/** Folders makeStaging created for a staging folder (its parent and above): removed with it when empty. */
const createdFor = new Map<string, string>();

/** A fresh staging folder next to `target` (its parent is created), with the app's marker inside. */
export async function makeStaging(target: string): Promise<string> {
  const parent = path.dirname(target);
  try {
    const created = await mkdir(parent, { recursive: true });
    const staging = await mkdtemp(path.join(parent, `${stagingPrefix(target)}${process.pid}-`));
    await writeFile(path.join(staging, STAGING_MARKER), `${path.basename(staging)}\n`);
    if (created !== undefined) createdFor.set(staging, created);
    return staging;
  } catch (error) {
    throw new InstallError('disk', `Cannot write in ${parent} (${(error as Error).message}): choose a folder you can write to.`);
  }
}

/** Remove the staging folder this install made (by the name makeStaging returned), never another. */
export async function removeStaging(staging: string): Promise<void> {
  const created = createdFor.get(staging);
  createdFor.delete(staging);
  if (!(await isOurStaging(staging))) return;
  await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  if (created === undefined) return;
  // The folders made for it, deepest first, each only while empty (rmdir refuses any other): an
  // install that did not happen leaves no trace, and one that did keeps the folder it filled.
  for (let dir = path.dirname(staging); ; dir = path.dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    if (dir === created || path.dirname(dir) === dir) return;
  }
}

export interface SwapOptions {
  /** The record file that marks a target the app installed (ownership.ts). */
  readonly record: string;
  /** What goes there, for the refusal ("a gateway"). */
  readonly what: string;
  readonly looksLike?: ((names: readonly string[]) => boolean) | undefined;
}

/**
 * Put `ready` (a complete folder inside `staging`) in place of `target`. A target the app installed
 * is moved into the staging folder first and put back if the second rename fails; an empty one is
 * removed (rmdir: only if still empty); anything else is refused and left as it is. The caller
 * removes the staging folder afterwards.
 */
export async function swapInto(staging: string, ready: string, target: string, options: SwapOptions): Promise<{ replaced: boolean }> {
  const previous = path.join(staging, PREVIOUS);
  // Checked again now, just before the swap: the folder may have changed since the install began.
  const owner = await mayReplace(target, options.record, options.what, options.looksLike);
  const replaced = owner.kind === 'ours';
  try {
    if (owner.kind === 'ours') await rename(target, previous);
    else if (owner.kind === 'empty') await rmdir(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new InstallError('occupied', `${target} is no longer empty: choose an empty or new folder; nothing was changed.`);
    throw new InstallError('disk', `${target} could not be replaced (${(error as Error).message}): is a program using it? Nothing was changed.`);
  }
  try {
    await rename(ready, target);
  } catch (error) {
    if (replaced) await rename(previous, target).catch(() => undefined);
    else if (owner.kind === 'empty') await mkdir(target).catch(() => undefined);
    throw new InstallError('disk', `${target} could not be put in place (${(error as Error).message}); the previous folder was kept.`);
  }
  return { replaced };
}
