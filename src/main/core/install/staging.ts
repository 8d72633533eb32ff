/**
 * Installing a folder atomically: everything is prepared in a staging folder next to the target (same
 * disk, so a rename moves it), and the target is replaced by two renames only when it is complete.
 *
 * Only what the app made is ever removed. A staging folder has a name the app generates
 * (`.<target>.install-<pid>-<random>`) and a marker file inside naming that same folder; the install
 * removes its own when it ends, its marker last (and the previous folder's record last inside it), so
 * that a process killed while removing it leaves a folder that is still recognisably the app's. One left
 * by a killed process is removed by the next install only when its name has that exact shape, its
 * process is gone and its marker is there, or, marker gone (an older version removed the marker
 * first), it holds nothing but what an install puts there; if that process died between the two
 * renames the previous folder is put back first. The target itself is replaced only
 * when `mayReplace` (ownership.ts) says the app installed it, or it is empty.
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from '../gateway/process-tree.js';
import { InstallError } from './install-error.js';
import { GATEWAY_RECORD, hasRecord, JAVA_RECORD, mayReplace } from './ownership.js';

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

/** What an install puts in its staging folder besides `previous` (gateway-install.ts, java-install.ts). */
const STAGED = /^(gateway|gateway\.zip|assets\.json|unpacked|OpenJDK[\w.+-]*\.(zip|tar\.gz))$/;
const RECORDS = [GATEWAY_RECORD, JAVA_RECORD] as const;

async function isAppInstall(folder: string): Promise<boolean> {
  for (const record of RECORDS) if (await hasRecord(folder, record)) return true;
  return false;
}

/**
 * Whether a staging folder whose marker is gone (a process killed while removing it) is still
 * surely the app's: it holds nothing but what an install puts there, its `previous` an install of
 * the app's (by that folder's own record).
 */
async function isLeftByInstall(staging: string): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(staging);
  } catch {
    return false;
  }
  for (const name of names) {
    if (name === PREVIOUS ? !(await isAppInstall(path.join(staging, name))) : !STAGED.test(name)) return false;
  }
  return true;
}

/**
 * Remove `dir` with the names in `last` removed last (and `previous` inside it the same way, its
 * record last): whenever a kill stops this, what is left still carries the app's marks.
 */
async function removeMarksLast(dir: string, last: readonly string[]): Promise<void> {
  for (const name of await readdir(dir)) {
    if (last.includes(name)) continue;
    if (name === PREVIOUS) await removeMarksLast(path.join(dir, name), RECORDS);
    else await rm(path.join(dir, name), { recursive: true, force: true });
  }
  for (const name of last) await rm(path.join(dir, name), { force: true });
  await rmdir(dir);
}

/**
 * Remove staging folders of installs whose process is gone, restoring a previous folder they held.
 * Only folders of the exact generated name with the app's marker inside, or without it holding only
 * what an install puts there: any other is left alone.
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
    if (!(await isOurStaging(staging)) && !(await isLeftByInstall(staging))) continue;
    const previous = path.join(staging, PREVIOUS);
    try {
      if (!(await exists(target)) && (await exists(previous))) await rename(previous, target);
      await removeMarksLast(staging, [STAGING_MARKER]);
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
  await removeMarksLast(staging, [STAGING_MARKER]).catch(() => undefined);
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
