/**
 * Installing a folder atomically: everything is prepared in a staging folder next to the target (same
 * disk, so a rename moves it), and the target is replaced by two renames only when it is complete.
 * A staging folder names its owner's pid: one left by a killed process is removed by the next
 * install, and if that process died between the two renames the previous folder is put back.
 */
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from '../gateway/process-tree.js';
import { InstallError } from './install-error.js';

/** Inside a staging folder: where the previous target waits while the new one moves in. */
const PREVIOUS = 'previous';

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

/** Remove staging folders of installs whose process is gone, restoring a previous folder they held. */
export async function cleanStaleStaging(target: string): Promise<void> {
  const parent = path.dirname(target);
  const prefix = stagingPrefix(target);
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid)) continue;
    const staging = path.join(parent, name);
    const previous = path.join(staging, PREVIOUS);
    if (!(await exists(target)) && (await exists(previous))) await rename(previous, target);
    await rm(staging, { recursive: true, force: true });
  }
}

/** A fresh staging folder next to `target` (its parent is created). */
export async function makeStaging(target: string): Promise<string> {
  const parent = path.dirname(target);
  try {
    await mkdir(parent, { recursive: true });
    return await mkdtemp(path.join(parent, `${stagingPrefix(target)}${process.pid}-`));
  } catch (error) {
    throw new InstallError('disk', `Cannot write in ${parent} (${(error as Error).message}): choose a folder you can write to.`);
  }
}

/**
 * Put `ready` (a complete folder inside `staging`) in place of `target`. The previous target, if
 * any, is moved into the staging folder first and put back if the second rename fails; the caller
 * removes the staging folder afterwards.
 */
export async function swapInto(staging: string, ready: string, target: string): Promise<{ replaced: boolean }> {
  const previous = path.join(staging, PREVIOUS);
  const replaced = await exists(target);
  try {
    if (replaced) await rename(target, previous);
  } catch (error) {
    throw new InstallError('disk', `${target} could not be replaced (${(error as Error).message}): is a program using it? Nothing was changed.`);
  }
  try {
    await rename(ready, target);
  } catch (error) {
    if (replaced) await rename(previous, target).catch(() => undefined);
    throw new InstallError('disk', `${target} could not be put in place (${(error as Error).message}); the previous folder was kept.`);
  }
  return { replaced };
}
