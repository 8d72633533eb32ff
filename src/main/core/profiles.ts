/**
 * Profiles: the named gateways of one user ("Live", "Paper"), each with its own folder, port, pins,
 * account and remembered intents, kept in the settings file (settings.ts holds the schema and the
 * migration). Here are the rules for adding, removing and renaming them, and where each one's own
 * files live. Every refusal is a ProfileError whose message says what to do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkGatewayFolder } from './gateway/folder.js';
import { withListenPort } from './gateway/conf.js';
import { PidFile } from './gateway/pidfile.js';
import { isProcessAlive } from './gateway/process-tree.js';
import { profileKey } from './profile-key.js';
import { FIRST_PROFILE_NAME, findProfile, folderTakenReason, migrateSettings, ProfileNameSchema, ProfileSchema, SettingsFileSchema, stateFolderTakenReason, unknownProfileReason, type Profile, type SettingsStore } from './settings.js';
import { type SettingsBackend } from './settings-file.js';
import { ProfileError } from './errors.js';
import { gatewayPortOf, portTakenReason } from './profile-port.js';

/**
 * Where a profile's own files live (the record of the gateway it started): see Profile.stateFolder.
 * Always inside the settings folder: a hand-edited value that leads elsewhere makes the profile one
 * that cannot run (a ProfileError saying why), so nothing is ever written or removed outside it.
 */
export function profileStateDir(configDir: string, profile: Pick<Profile, 'name' | 'stateFolder'>): string {
  const problem = stateFolderProblem(configDir, profile.stateFolder);
  if (problem) {
    throw new ProfileError(
      `The profile "${profile.name}" cannot run: its stateFolder "${oneLine(profile.stateFolder ?? '')}" in ${path.join(configDir, 'config.json')} ${problem}; it must be a folder inside the settings folder (remove the profile and add it again).`,
    );
  }
  return profile.stateFolder === null ? configDir : path.resolve(configDir, profile.stateFolder);
}

/** Why `stateFolder` is not a folder inside `configDir` (null: it is, or it is null, the folder itself). */
export function stateFolderProblem(configDir: string, stateFolder: string | null): string | null {
  if (stateFolder === null) return null;
  if (stateFolder.trim() === '') return 'is empty';
  if (path.isAbsolute(stateFolder) || path.win32.isAbsolute(stateFolder)) return 'is an absolute path';
  if (stateFolder.split(/[\\/]+/).includes('..')) return 'goes up with ".."';
  const base = path.resolve(configDir);
  const resolved = path.resolve(base, stateFolder);
  if (resolved === base) return 'is the settings folder itself';
  // A link on the way (the folder, or one above it inside the settings folder) may lead out.
  let probe = resolved;
  // lstat, not exists: a link to nowhere is the probe itself (and cannot be followed), never skipped.
  while (probe !== base && !fs.lstatSync(probe, { throwIfNoEntry: false }) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  try {
    const realBase = fs.realpathSync(base);
    const real = fs.realpathSync(probe);
    const inside = path.relative(realBase, real);
    if (inside.startsWith('..') || path.isAbsolute(inside) || (probe === resolved && inside === '')) return 'leads out of the settings folder through a link';
  } catch (error) {
    // Not there yet (ENOENT from a dangling link) or a loop: either way not a folder we can trust.
    if (fs.existsSync(base)) return `cannot be followed (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  return null;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 80);
}

/**
 * The profile a fresh settings folder shows before the user added any: the defaults' one, with no
 * gateway (no folder, no URL) and nothing chosen. The first profile added takes its place, so that a
 * fresh folder plus `profile add Live` is Live alone. One migrated from the single-gateway file keeps
 * its place when it has a folder, a URL or an account (that is a gateway the user set up).
 */
export function isPlaceholderProfile(profile: Profile): boolean {
  return profileKey(profile.name) === profileKey(FIRST_PROFILE_NAME) && profile.stateFolder === null && profile.gatewayFolder === null && profile.gatewayUrl === null && profile.account === null;
}

/** A valid profile name (trimmed), or a ProfileError saying why not. */
export function profileName(raw: string): string {
  const parsed = ProfileNameSchema.safeParse(raw);
  if (!parsed.success) throw new ProfileError(`Not a profile name "${raw}": ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
  return parsed.data;
}

/** A state folder for a new profile: profiles/<name as a file name>, unique among the profiles'. */
function newStateFolder(name: string, profiles: readonly Profile[]): string {
  const base = profileKey(name).replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'profile';
  const taken = new Set(profiles.map((p) => p.stateFolder));
  for (let n = 1; n <= profiles.length + 1; n++) {
    const candidate = path.join('profiles', n === 1 ? base : `${base}-${n}`);
    if (!taken.has(candidate)) return candidate;
  }
  // Unreachable: among profiles.length + 1 candidates one is free.
  throw new ProfileError(`No folder is free for the profile "${name}".`);
}

export interface NewProfile {
  readonly name: string;
  /** The gateway's folder (clientportal.gw, with bin/ and root/). */
  readonly folder: string;
  /** The port its gateway listens on: written into the folder's root/conf.yaml (the gateway's only way). */
  readonly port?: number;
}

/**
 * Add a profile for a gateway folder. Refused when the name is taken, the folder is not a gateway
 * folder, or another profile already has that folder.
 */
export function addProfile(store: SettingsStore, wanted: NewProfile): Profile {
  const name = profileName(wanted.name);
  const folder = path.resolve(wanted.folder);
  // Checked on the list as it is now and again on the list under the settings' lock (another process
  // may add the same name or folder at the same moment): the second check is the one that counts.
  // The port its gateway will listen on: --port, else what the folder's conf says (known once it is a gateway folder).
  let port: number | null = null;
  const refusal = (profiles: readonly Profile[]): string | null => {
    const same = findProfile(profiles, name);
    if (same) return `There is already a profile named "${same.name}": choose another name, or remove that one first.`;
    return folderTakenReason(profiles, folder, null) ?? portTakenReason(profiles, port, null);
  };
  const early = refusal(store.profiles());
  if (early) throw new ProfileError(early);
  try {
    checkGatewayFolder(folder);
  } catch (error) {
    throw new ProfileError((error as Error).message);
  }
  port = wanted.port ?? gatewayPortOf({ gatewayFolder: folder, gatewayPort: 5000 });
  // Before the folder's conf is changed: a refused profile leaves the folder as it was.
  const taken = refusal(store.profiles());
  if (taken) throw new ProfileError(taken);
  // Before the profile is in the settings: a shell that follows the file (serve, the tray app) opens
  // it at once and must find the folder's port already set.
  if (wanted.port !== undefined) setListenPort(folder, wanted.port);
  const now = store.changeProfiles((list) => {
    const late = refusal(list);
    if (late) throw new ProfileError(late);
    const kept = list.length === 1 && isPlaceholderProfile(list[0]!) ? [] : list;
    const added = ProfileSchema.parse({
      name,
      gatewayFolder: folder,
      stateFolder: newStateFolder(name, list),
      ...(wanted.port === undefined ? {} : { gatewayPort: wanted.port }),
    });
    return [...kept, added];
  });
  return addedOf(now, name);
}

/** Write `port` as the folder's listenPort (only when it differs: the user's file is left alone otherwise). */
function setListenPort(folder: string, port: number): void {
  const file = path.join(folder, 'root', 'conf.yaml');
  try {
    const text = fs.readFileSync(file, 'utf8');
    const changed = withListenPort(text, port);
    if (changed !== text) fs.writeFileSync(file, changed);
  } catch (error) {
    throw new ProfileError(`Could not set port ${port} in ${file} (${(error as Error).message}): set listenPort there by hand.`);
  }
}

/**
 * Remove a profile from the settings (its gateway folder is left as it is). Refused for the last
 * profile, and while a gateway that IBKR Tray started for it still runs: once the profile is gone
 * nothing would know that gateway is ours to stop.
 */
export function removeProfile(store: SettingsStore, configDir: string, name: string): Profile {
  const removed: Profile[] = [];
  let sharedStateFolder = false;
  store.changeProfiles((profiles) => {
    const profile = findProfile(profiles, name);
    if (!profile) throw new ProfileError(goneReason(store, name, profiles));
    if (profiles.length === 1) throw new ProfileError(`"${profile.name}" is the only profile: there must be one; change its folder instead.`);
    // A state folder that leads out of the settings folder was never ours: nothing of it is read or
    // removed. One an earlier profile has too holds that profile's record (this one cannot run).
    const ownsRecord = stateFolderTakenReason(profiles.slice(0, profiles.indexOf(profile)), configDir, profile) === null;
    const record = ownsRecord && stateFolderProblem(configDir, profile.stateFolder) === null ? new PidFile(profileStateDir(configDir, profile)).read() : null;
    if (record && isProcessAlive(record.pid)) {
      throw new ProfileError(`The gateway of "${profile.name}" still runs (pid ${record.pid}): stop it first with \`ibkr-tray --profile "${profile.name}" gateway stop\`.`);
    }
    removed.push(profile);
    const rest = profiles.filter((p) => profileKey(p.name) !== profileKey(profile.name));
    if (stateFolderTakenReason(rest, configDir, profile) !== null) sharedStateFolder = true;
    return rest;
  });
  const profile = addedOf(removed, name);
  // A state folder another profile still has is that profile's: nothing of it is removed.
  if (profile.stateFolder !== null && !sharedStateFolder && stateFolderProblem(configDir, profile.stateFolder) === null) forgetStateFolder(profileStateDir(configDir, profile));
  return profile;
}

/**
 * Remove what the app made in a removed profile's state folder (the record of its gateway), and the
 * folder when that leaves it empty; anything else in it is the user's, and stays with its folder.
 */
function forgetStateFolder(dir: string): void {
  new PidFile(dir).remove();
  try {
    fs.rmdirSync(dir);
  } catch {
    // Not empty (files the app does not know), or already gone: left as it is.
  }
}

/** Rename a profile; its files stay where they are (the state folder does not follow the name). */
export function renameProfile(store: SettingsStore, from: string, to: string): Profile {
  const name = profileName(to);
  // Judged under the settings' lock: another process may have renamed or removed it a moment ago.
  const now = store.changeProfiles((list) => {
    const profile = findProfile(list, from);
    if (!profile) throw new ProfileError(goneReason(store, from, list));
    const other = findProfile(list, name);
    if (other && profileKey(other.name) !== profileKey(profile.name)) throw new ProfileError(`There is already a profile named "${other.name}": choose another name.`);
    return list.map((p) => (profileKey(p.name) === profileKey(profile.name) ? { ...p, name } : p));
  });
  return addedOf(now, name);
}

/** Why there is no profile `name` to change: there never was, or another process renamed or removed it since this one read the file. */
function goneReason(store: SettingsStore, name: string, now: readonly Profile[]): string {
  if (!findProfile(store.profilesAsRead(), name)) return unknownProfileReason(name, now);
  return `The profile "${name}" was renamed or removed meanwhile by another process: nothing changed (see \`ibkr-tray profile list\`).`;
}

/** The profile of that name in a list a change just returned (it is there: the change put it there). */
function addedOf(profiles: readonly Profile[], name: string): Profile {
  const found = findProfile(profiles, name);
  if (!found) throw new ProfileError(`The profile "${name}" is not in the settings after the change.`);
  return found;
}

/**
 * What to do so that the open profiles match the settings' (after `ibkr-tray profile add/remove/rename`
 * in a terminal; the tray app and `ibkr-tray serve` both follow the settings file with it): the names
 * to open, in the settings' order, and the names to close. A rename is a close and an open.
 */
export function profileChanges(open: readonly string[], inSettings: readonly string[]): { readonly toOpen: readonly string[]; readonly toClose: readonly string[] } {
  const openKeys = new Set(open.map(profileKey));
  const settingsKeys = new Set(inSettings.map(profileKey));
  return { toOpen: inSettings.filter((name) => !openKeys.has(profileKey(name))), toClose: open.filter((name) => !settingsKeys.has(profileKey(name))) };
}

/**
 * The profiles' names as the settings file holds them now, read without touching it: a shell that
 * follows the file while it runs must never move aside (as SettingsStore.open does with a damaged
 * file) one that another process is half-way through writing. A file that is missing, unreadable or
 * not valid comes back as a reason, and the caller keeps the profiles it has.
 */
export function profileNamesNow(backend: SettingsBackend): { readonly ok: true; readonly names: readonly string[] } | { readonly ok: false; readonly reason: string } {
  let raw: unknown;
  try {
    raw = backend.read();
  } catch (error) {
    return { ok: false, reason: `the settings file ${backend.path} cannot be read (${(error as Error).message.split('\n')[0] ?? ''})` };
  }
  if (raw === undefined) return { ok: false, reason: `the settings file ${backend.path} is gone` };
  const parsed = SettingsFileSchema.safeParse(migrateSettings(raw));
  if (!parsed.success) return { ok: false, reason: `the settings file ${backend.path} holds invalid values (${parsed.error.issues[0]?.message ?? 'not a settings object'})` };
  return { ok: true, names: parsed.data.profiles.map((p) => p.name) };
}
