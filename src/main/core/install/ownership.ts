/**
 * Which folders the installs may replace: only one IBKR Tray put there itself, as its install record
 * inside says (the gateway's download record, Java's install record), or an empty one. Anything else
 * is the user's, whatever it holds, and an install refuses it with one line that says what is there
 * and what to do: nothing of the user's is ever moved aside or deleted.
 */
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InstallError } from './install-error.js';

/** Written into every gateway folder the app installs (where it came from, the server's validators). */
export const GATEWAY_RECORD = '.ibkr-tray-download.json';
/** Written into every Java runtime folder the app installs. */
export const JAVA_RECORD = '.ibkr-tray-install.json';

/** What a record must at least hold to count as the app's (a stray empty file does not). */
const RecordSchema = z.looseObject({ installedAt: z.string().optional(), source: z.string().optional() }).refine((r) => r.installedAt !== undefined || r.source !== undefined);

export type FolderOwner =
  | { readonly kind: 'absent' }
  | { readonly kind: 'empty' }
  /** IBKR Tray installed it (its record is there): an update may replace it. */
  | { readonly kind: 'ours' }
  /** The user's: never replaced. `refusal` says what is there and what to do. */
  | { readonly kind: 'theirs'; readonly refusal: InstallError };

/** Whether `folder` holds the app's `record` (a record that at least says where it came from or when). */
export async function hasRecord(folder: string, record: string): Promise<boolean> {
  try {
    return RecordSchema.safeParse(JSON.parse(await readFile(path.join(folder, record), 'utf8'))).success;
  } catch {
    return false;
  }
}

/** Up to three names of what is there, for the refusal ("bin, notes.txt, photos, …"). */
function someNames(names: readonly string[]): string {
  const shown = [...names].sort().slice(0, 3).join(', ');
  return names.length > 3 ? `${shown}, …` : shown;
}

/**
 * Who owns `folder`, for an install of `what` ("a gateway", "a Java runtime") that would put its
 * files there. `looksLike` tells a folder that already holds such a thing (said so in the refusal).
 */
export async function folderOwner(folder: string, record: string, what: string, looksLike?: (names: readonly string[]) => boolean): Promise<FolderOwner> {
  let info;
  try {
    // The link itself, not where it leads: an install renames the folder at this path, which would
    // replace the link (or fail half-way on it), never update the folder it leads to.
    if ((await lstat(folder)).isSymbolicLink()) {
      return { kind: 'theirs', refusal: new InstallError('occupied', `${folder} is a symbolic link: choose the folder itself; nothing was changed.`) };
    }
    info = await stat(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'theirs', refusal: new InstallError('occupied', `${folder} cannot be read (${(error as Error).message}): choose an empty or new folder; nothing was changed.`) };
  }
  if (!info.isDirectory()) {
    return { kind: 'theirs', refusal: new InstallError('occupied', `${folder} is a file, not a folder: choose an empty or new folder for ${what}; nothing was changed.`) };
  }
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    return { kind: 'theirs', refusal: new InstallError('occupied', `${folder} cannot be read (${(error as Error).message}): choose an empty or new folder; nothing was changed.`) };
  }
  if (names.length === 0) return { kind: 'empty' };
  if (await hasRecord(folder, record)) return { kind: 'ours' };
  if (looksLike?.(names)) {
    return {
      kind: 'theirs',
      refusal: new InstallError('occupied', `${folder} holds ${what} that IBKR Tray did not install: use it as it is, or choose an empty or new folder for IBKR Tray to install into (or remove this one yourself); nothing was changed.`),
    };
  }
  return {
    kind: 'theirs',
    refusal: new InstallError('occupied', `${folder} holds files that IBKR Tray did not install (${someNames(names)}): choose an empty or new folder, or remove it yourself; nothing was changed.`),
  };
}

/** Throws the refusal unless the install may put its folder at `folder` (absent, empty, or ours). */
export async function mayReplace(folder: string, record: string, what: string, looksLike?: (names: readonly string[]) => boolean): Promise<FolderOwner> {
  const owner = await folderOwner(folder, record, what, looksLike);
  if (owner.kind === 'theirs') throw owner.refusal;
  return owner;
}
