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
import {
  findProfile,
  folderTakenReason,
  migrateSettings,
  ProfileNameSchema,
  ProfileSchema,
  profileKey,
  SettingsFileSchema,
  unknownProfileReason,
  type Profile,
  type SettingsBackend,
  type SettingsStore,
} from './settings.js';
import { ProfileError } from './errors.js';

/** Where a profile's own files live (the record of the gateway it started): see Profile.stateFolder. */
export function profileStateDir(configDir: string, profile: Pick<Profile, 'stateFolder'>): string {
  return profile.stateFolder === null ? configDir : path.join(configDir, profile.stateFolder);
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
  const profiles = store.profiles();
  const same = findProfile(profiles, name);
  if (same) throw new ProfileError(`There is already a profile named "${same.name}": choose another name, or remove that one first.`);
  const folder = path.resolve(wanted.folder);
  try {
    checkGatewayFolder(folder);
  } catch (error) {
    throw new ProfileError((error as Error).message);
  }
  const clash = folderTakenReason(profiles, folder, null);
  if (clash) throw new ProfileError(clash);
  const profile = ProfileSchema.parse({
    name,
    gatewayFolder: folder,
    stateFolder: newStateFolder(name, profiles),
    ...(wanted.port === undefined ? {} : { gatewayPort: wanted.port }),
  });
  if (wanted.port !== undefined) setListenPort(folder, wanted.port);
  store.changeProfiles((list) => [...list, profile]);
  return profile;
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
  const profiles = store.profiles();
  const profile = findProfile(profiles, name);
  if (!profile) throw new ProfileError(unknownProfileReason(name, profiles));
  if (profiles.length === 1) throw new ProfileError(`"${profile.name}" is the only profile: there must be one; change its folder instead.`);
  const record = new PidFile(profileStateDir(configDir, profile)).read();
  if (record && isProcessAlive(record.pid)) {
    throw new ProfileError(`The gateway of "${profile.name}" still runs (pid ${record.pid}): stop it first with \`ibkr-tray --profile "${profile.name}" gateway stop\`.`);
  }
  store.changeProfiles((list) => list.filter((p) => profileKey(p.name) !== profileKey(profile.name)));
  if (profile.stateFolder !== null) fs.rmSync(profileStateDir(configDir, profile), { recursive: true, force: true });
  return profile;
}

/** Rename a profile; its files stay where they are (the state folder does not follow the name). */
export function renameProfile(store: SettingsStore, from: string, to: string): Profile {
  const name = profileName(to);
  const profiles = store.profiles();
  const profile = findProfile(profiles, from);
  if (!profile) throw new ProfileError(unknownProfileReason(from, profiles));
  const other = findProfile(profiles, name);
  if (other && profileKey(other.name) !== profileKey(profile.name)) throw new ProfileError(`There is already a profile named "${other.name}": choose another name.`);
  const renamed = { ...profile, name };
  store.changeProfiles((list) => list.map((p) => (profileKey(p.name) === profileKey(profile.name) ? renamed : p)));
  return renamed;
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
