/**
 * The app's settings: one zod schema with defaults, stored in <configDir>/config.json (the file
 * electron-store uses in the app's userData folder; plain Node reads and writes the same file in the
 * same format). A damaged or invalid file never stops the app: it is moved aside (kept, not deleted),
 * the defaults are used, and the user gets a notice. Passwords are never stored here (or anywhere).
 *
 * The file holds app-wide settings and one or more profiles (named gateways); a file of the
 * single-gateway shape is migrated on read (migrateSettings). A SettingsStore is one profile's view,
 * flat, so the modules that read settings need not know about profiles.
 *
 * Why ~520 lines: the schema, the migration and the store that reads and writes the file through them
 * are one file format and change together; the profile rules (add, remove, rename) are in profiles.ts,
 * and the file on disk (where, atomic writes, 0600, the lock) in settings-file.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AccountIdSchema } from '../../shared/intents.js';
import type { Notice, Preferences } from '../../shared/snapshot.js';
import type { Clock } from './gateway/clock.js';
import { parseNotifyTarget } from './notify.js';
import { systemClock } from './gateway/clock.js';
import { originOf } from './gateway/trust.js';
import type { PinStore } from './gateway/tls.js';
import { ProfileError, SettingsBusyError } from './errors.js';
import { profileKey } from './profile-key.js';
import { gatewayPortOf, portTakenReason } from './profile-port.js';
import { asideName, confSettingsBackend, defaultConfigDir, type SettingsBackend } from './settings-file.js';


/** What each gateway (profile) has of its own: its folder or URL, port, pins, account and remembered intents. */
const profileShape = {
  /** The Client Portal Gateway folder (contains bin/ and root/), null until the user chooses one. */
  gatewayFolder: z.string().min(1).nullable().default(null),
  /** The port the gateway should listen on (the folder's conf.yaml decides when it is the default). */
  gatewayPort: z.number().int().min(1).max(65535).default(5000),
  /** Talk to this gateway origin instead of the folder's (e.g. a gateway started by hand). */
  gatewayUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
  /** Pinned certificate fingerprints (SHA-256, AA:BB:…) by gateway origin. */
  pins: z.record(z.string(), z.string()).default({}),
  /** The account the user chose; re-applied after every login. */
  account: AccountIdSchema.nullable().default(null),
  /** What the user asked for last and auto-recovery must not undo ("log out", "stop"). */
  userIntent: z.enum(['logged-out', 'stopped']).nullable().default(null),
};

/** What holds for the whole app, whichever gateway: the preferences the shells show as toggles, pings. */
const appShape = {
  startGatewayWithApp: z.boolean().default(true),
  stopGatewayOnQuit: z.boolean().default(false),
  startAtLogin: z.boolean().default(false),
  notifications: z.boolean().default(true),
  /** How often /tickle keeps the session alive (IBKR asks for about once a minute). */
  tickleIntervalMs: z.number().int().min(5_000).max(300_000).default(60_000),
  /** Where to POST a ping when the session needs the user (a webhook, or an ntfy topic: notify.ts), or null. */
  notifyUrl: z
    .string()
    .refine((text) => parseNotifyTarget(text).ok, { message: 'not a webhook URL (https://…) or ntfy topic (https://ntfy.sh/topic)' })
    .nullable()
    .default(null),
};

/**
 * The settings one engine sees: its profile's fields and the app-wide ones, flat (the shape every
 * module read before profiles existed, so that they need not know about profiles).
 */
export const SettingsSchema = z.looseObject({ ...profileShape, ...appShape });
export type Settings = z.infer<typeof SettingsSchema>;

/**
 * The name of the profile that today's single-gateway settings become: neutral, because nothing in
 * the old file says whether that gateway holds a paper or a live login (calling it "Live" could make a
 * user believe that orders go to paper elsewhere, or the reverse); the user renames it.
 */
export const FIRST_PROFILE_NAME = 'Gateway';

/** A profile's name: what the user calls a gateway ("Live", "Paper"); shown in menus and messages. */
export const ProfileNameSchema = z
  .string()
  .trim()
  .min(1, { message: 'a profile needs a name' })
  .max(40, { message: 'a profile name has at most 40 characters' })
  .refine((name) => !/[/\\]/.test(name) && ![...name].some((c) => c.charCodeAt(0) < 32), { message: 'a profile name has no slash, backslash or control character' });

export const ProfileSchema = z.looseObject({
  name: ProfileNameSchema,
  /**
   * Where this gateway's own files (the record of the gateway it started) live, relative to the
   * settings folder; null: the settings folder itself, where they were before profiles existed (so a
   * gateway an earlier version started is still recognised as ours).
   */
  // Any string: a hand-edited one that leads out of the settings folder makes that profile "cannot
  // run" (profiles.ts, stateFolderProblem), not the whole file damaged.
  stateFolder: z.string().nullable().default(null),
  ...profileShape,
});
export type Profile = z.infer<typeof ProfileSchema>;

/** The settings file since profiles: the app-wide settings and one or more profiles (order = display order). */
export const SettingsFileSchema = z
  .looseObject({
    ...appShape,
    profiles: z.array(ProfileSchema).min(1).default(() => [ProfileSchema.parse({ name: FIRST_PROFILE_NAME })]),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.profiles.forEach((profile, index) => {
      const key = profileKey(profile.name);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['profiles', index, 'name'], message: `two profiles are named "${profile.name}"` });
      seen.add(key);
    });
  });
export type SettingsFile = z.infer<typeof SettingsFileSchema>;

const PROFILE_KEYS: ReadonlySet<string> = new Set(Object.keys(profileShape));


/**
 * Today's single-gateway file → the profiles file, without any action from the user: the gateway's
 * own fields move into one profile named FIRST_PROFILE_NAME whose files stay where they were; every
 * other key (app-wide, or unknown: another version's, the Electron shell's) stays as it was. A file
 * that already has profiles, or is not an object, is returned as it is (the schema judges it).
 */
export function migrateSettings(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || 'profiles' in raw) return raw;
  const rest: Record<string, unknown> = {};
  const profile: Record<string, unknown> = { name: FIRST_PROFILE_NAME, stateFolder: null };
  for (const [key, value] of Object.entries(raw)) {
    if (PROFILE_KEYS.has(key)) profile[key] = value;
    else rest[key] = value;
  }
  return { ...rest, profiles: [profile] };
}

export type SettingsPatch = Partial<Omit<Settings, 'pins'>> & { readonly pins?: Record<string, string> };

/** The defaults (what a missing or damaged file gives). */
export function defaultSettings(): Settings {
  return SettingsSchema.parse({});
}

/** The app-wide settings and one profile's, flat (what SettingsStore.get() returns). */
function flatten(file: SettingsFile, profile: Profile): Settings {
  const { profiles: _profiles, ...app } = file;
  const { name: _name, stateFolder: _stateFolder, ...own } = profile;
  return SettingsSchema.parse({ ...app, ...own });
}

/** The file with `patch` applied: a profile's own keys go to `profileName`, every other key is app-wide. */
function applyPatch(file: SettingsFile, profileName: string, patch: Record<string, unknown>): unknown {
  const own: Record<string, unknown> = {};
  const app: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) (PROFILE_KEYS.has(key) ? own : app)[key] = value;
  const wanted = profileKey(profileName);
  return { ...file, ...app, profiles: file.profiles.map((p) => (profileKey(p.name) === wanted ? { ...p, ...own } : p)) };
}

/**
 * The settings of one profile (the first unless a name is given) and the app-wide ones, with
 * validation, atomic persistence and change notification. Every write starts from the file as it is
 * now, so that two engines of one process (two profiles) do not undo each other's changes.
 */
export class SettingsStore {
  private file: SettingsFile;
  private current: Settings;
  private readonly profileName: string;
  private readonly listeners = new Set<(settings: Settings) => void>();
  private readonly noticeList: Notice[] = [];

  private constructor(
    private readonly backend: SettingsBackend,
    private readonly clock: Clock,
    profile: string | undefined,
  ) {
    this.file = this.load();
    const found = profile === undefined ? this.file.profiles[0] : findProfile(this.file.profiles, profile);
    if (!found) throw new ProfileError(unknownProfileReason(profile ?? '', this.file.profiles));
    this.profileName = found.name;
    this.current = flatten(this.file, found);
  }

  /**
   * Read the settings; a damaged file is moved aside and the defaults are used (with a notice).
   * `profile`: whose settings (default the first); throws ProfileError when there is none of that name.
   */
  static open(backend: SettingsBackend, clock: Clock = systemClock, profile?: string): SettingsStore {
    return new SettingsStore(backend, clock, profile);
  }

  get(): Settings {
    return this.current;
  }

  /**
   * The settings as the file holds them now (another process may have changed them: `ibkr-tray
   * gateway stop` remembers "stopped" while the tray app or `serve` runs); listeners hear of a change.
   */
  reload(): Settings {
    const file = this.reread();
    const mine = findProfile(file.profiles, this.profileName);
    if (!mine) return this.current;
    const before = JSON.stringify(this.current);
    this.file = file;
    this.current = flatten(file, mine);
    if (JSON.stringify(this.current) !== before) for (const listener of this.listeners) listener(this.current);
    return this.current;
  }

  /** The name of the profile this store reads and writes. */
  get profile(): string {
    return this.profileName;
  }

  /** This profile's entry (its name and where its files live). */
  profileEntry(): Profile {
    const found = findProfile(this.file.profiles, this.profileName);
    if (!found) throw new ProfileError(`The profile "${this.profileName}" was removed from the settings.`);
    return found;
  }

  /** Every profile as this store last read or wrote them (to tell "never there" from "gone meanwhile"). */
  profilesAsRead(): readonly Profile[] {
    return this.file.profiles;
  }

  /** Every profile, in display order, as the file holds them now. */
  profiles(): readonly Profile[] {
    this.file = this.reread();
    return this.file.profiles;
  }

  get path(): string {
    return this.backend.path;
  }

  /** Messages for the user about the settings file (moved aside, could not be saved). */
  notices(): readonly Notice[] {
    return this.noticeList;
  }

  /** Change some settings; invalid values are refused (throws a one-line Error), others saved at once. */
  update(patch: SettingsPatch): Settings {
    const parsed = SettingsSchema.safeParse({ ...this.current, ...patch });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`Invalid setting ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid value'}`);
    }
    // A setting changed by the engine on its own (an account re-applied, a pin learned) must not fail
    // for a lock another process holds too long: it holds in memory, with a notice, as a failed write does.
    this.modify((base) => {
      const folder = patch.gatewayFolder;
      if (typeof folder === 'string') {
        const mine = findProfile(base.profiles, this.profileName);
        const clash = folderTakenReason(base.profiles, folder, this.profileName) ?? portTakenReason(base.profiles, gatewayPortOf({ gatewayFolder: folder, gatewayPort: mine?.gatewayPort ?? 5000 }), this.profileName);
        if (clash) throw new ProfileError(clash);
      }
      return SettingsFileSchema.parse(applyPatch(base, this.profileName, patch));
    }, 'in memory when busy');
    return this.current;
  }

  /**
   * Replace the list of profiles (add, remove, rename: profiles.ts holds the rules). Refused with a
   * one-line ProfileError when the list is not valid (no profile, a name taken twice).
   */
  changeProfiles(change: (profiles: readonly Profile[]) => readonly Profile[]): readonly Profile[] {
    return this.modify((base) => {
      const parsed = SettingsFileSchema.safeParse({ ...base, profiles: change(base.profiles) });
      if (!parsed.success) throw new ProfileError(parsed.error.issues[0]?.message ?? 'invalid profiles');
      return parsed.data;
    }).profiles;
  }

  /** Called after every change. Returns the function that unsubscribes. */
  on(listener: (settings: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The preferences the shells show as toggles. */
  preferences(): Preferences {
    const s = this.current;
    return {
      startAtLogin: s.startAtLogin,
      notifications: s.notifications,
      startGatewayWithApp: s.startGatewayWithApp,
      stopGatewayOnQuit: s.stopGatewayOnQuit,
    };
  }

  /** Pinned fingerprints by origin, stored in the settings (what the pinned agent reads and learns). */
  pinStore(): PinStore {
    return {
      get: (origin) => this.current.pins[originOf(origin) ?? origin] ?? null,
      set: (origin, fingerprint) => {
        const key = originOf(origin) ?? origin;
        if (this.current.pins[key] === fingerprint) return;
        try {
          this.update({ pins: { ...this.current.pins, [key]: fingerprint } });
        } catch (error) {
          // Learned during a TLS handshake, which must not fail for it: the next connection learns it again.
          this.notice('warning', `Could not save the certificate pin for ${key} (${oneLine((error as Error).message)}).`);
        }
      },
    };
  }

  /**
   * Every change: under the file's lock (when it has one), the file as it is now, `make`'s change of
   * it, written; so a change another process made a moment ago is never undone. `make` may throw
   * (a refusal); then nothing is written.
   */
  private modify(make: (base: SettingsFile) => SettingsFile, busy: 'throw' | 'in memory when busy' = 'throw'): SettingsFile {
    const exclusive = this.backend.exclusive?.bind(this.backend) ?? ((work: () => SettingsFile) => work());
    const unsaved = (error: unknown): void =>
      this.notice('error', `Could not save the settings to ${this.backend.path} (${oneLine((error as Error).message)}); the change holds until the app quits.`);
    let file: SettingsFile;
    try {
      file = exclusive(() => {
        const next = make(this.rereadForWrite());
        try {
          this.backend.write(next);
        } catch (error) {
          unsaved(error);
        }
        return next;
      });
    } catch (error) {
      if (!(error instanceof SettingsBusyError) || busy === 'throw') throw error;
      file = make(this.file);
      unsaved(error);
    }
    this.file = file;
    const mine = findProfile(file.profiles, this.profileName);
    // A profile removed by another store keeps its last settings here until this engine is disposed.
    if (mine) this.current = flatten(file, mine);
    for (const listener of this.listeners) listener(this.current);
    return file;
  }

  /** The file as it is now; what this store holds when it cannot be read or is not valid (it was told then). */
  private reread(): SettingsFile {
    const now = this.judge();
    return now.kind === 'valid' ? now.file : this.file;
  }

  /**
   * The file as it is now, under the lock, before a write: one damaged meanwhile (by hand) is moved
   * aside first, so that the write never replaces it; what this store holds is written then.
   */
  private rereadForWrite(): SettingsFile {
    const now = this.judge();
    if (now.kind === 'valid') return now.file;
    if (now.kind === 'damaged') this.moveAside(now.why);
    return this.file;
  }

  /** What the file holds now, without touching it. */
  private judge(): { readonly kind: 'valid'; readonly file: SettingsFile } | { readonly kind: 'missing' } | { readonly kind: 'damaged'; readonly why: string } {
    let raw: unknown;
    try {
      raw = this.backend.read();
    } catch (error) {
      return { kind: 'damaged', why: `it is not readable JSON (${oneLine((error as Error).message)})` };
    }
    if (raw === undefined) return { kind: 'missing' };
    const parsed = SettingsFileSchema.safeParse(migrateSettings(raw));
    if (parsed.success) return { kind: 'valid', file: parsed.data };
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? ` at "${issue.path.join('.')}"` : '';
    return { kind: 'damaged', why: `it holds invalid values${where}: ${oneLine(issue?.message ?? 'not a settings object')}` };
  }

  private load(): SettingsFile {
    const first = this.judge();
    if (first.kind === 'valid') return first.file;
    if (first.kind === 'missing') return defaultSettingsFile();
    if (!this.backend.exclusive) {
      this.moveAside(first.why);
      return defaultSettingsFile();
    }
    // Judged again under the lock: another process may have moved it aside and written a good one.
    try {
      return this.backend.exclusive(() => {
        const again = this.judge();
        if (again.kind === 'valid') return again.file;
        if (again.kind === 'damaged') this.moveAside(again.why);
        return defaultSettingsFile();
      });
    } catch (error) {
      this.notice('warning', `The settings file ${this.backend.path} is damaged (${first.why}), so the defaults are used; it was left as it is (${oneLine((error as Error).message)}).`);
      return defaultSettingsFile();
    }
  }

  /** Keep the damaged file under a name of its own beside it (never replacing an earlier one), the user's only. */
  private moveAside(why: string): void {
    const file = this.backend.path;
    let kept = '';
    try {
      let aside = asideName(file, this.clock.now());
      for (let n = 2; fs.existsSync(aside); n++) aside = `${asideName(file, this.clock.now())}-${n}`;
      fs.renameSync(file, aside);
      if (fs.lstatSync(aside).isFile()) fs.chmodSync(aside, 0o600);
      kept = ` It was kept as ${aside}.`;
    } catch (error) {
      kept = ` It could not be moved aside (${oneLine((error as Error).message)}).`;
    }
    this.notice('warning', `The settings file ${file} was damaged (${why}), so the defaults are used.${kept} Choose your gateway folder and preferences again.`);
  }

  private notice(level: Notice['level'], text: string): void {
    this.noticeList.push({ level, text, at: this.clock.now() });
  }
}

/**
 * One profile's flat settings (default the first's) from a settings file's content, either shape;
 * for tools and tests that read the file without a store. Throws when it is not a valid file.
 */
export function profileSettingsOf(raw: unknown, profile?: string): Settings {
  const file = SettingsFileSchema.parse(migrateSettings(raw));
  const found = profile === undefined ? file.profiles[0] : findProfile(file.profiles, profile);
  if (!found) throw new ProfileError(unknownProfileReason(profile ?? '', file.profiles));
  return flatten(file, found);
}

/** The settings file's defaults: the app-wide defaults and one profile, FIRST_PROFILE_NAME. */
export function defaultSettingsFile(): SettingsFile {
  return SettingsFileSchema.parse({});
}

/** The profile of that name (without case), or undefined. */
export function findProfile(profiles: readonly Profile[], name: string): Profile | undefined {
  const wanted = profileKey(name);
  return profiles.find((p) => profileKey(p.name) === wanted);
}

/** "No profile named X: the profiles are A, B." */
export function unknownProfileReason(name: string, profiles: readonly Profile[]): string {
  return `There is no profile named "${name}": the profiles are ${profiles.map((p) => `"${p.name}"`).join(', ')} (see \`ibkr-tray profile list\`).`;
}

/** The folder as one spelling (relative, trailing slash, `..`), to compare two profiles' folders. */
export function sameFolder(a: string, b: string): boolean {
  const canonical = (folder: string): string => {
    const resolved = path.resolve(folder);
    try {
      return fs.realpathSync(resolved);
    } catch {
      return resolved;
    }
  };
  return canonical(a) === canonical(b);
}

/**
 * Why `folder` cannot be `owner`'s gateway folder: another profile already has it (two supervisors
 * of one folder would start, stop and re-port one gateway against each other). Null when it is free.
 */
export function folderTakenReason(profiles: readonly Profile[], folder: string, owner: string | null): string | null {
  const other = profiles.find((p) => (owner === null || profileKey(p.name) !== profileKey(owner)) && p.gatewayFolder !== null && sameFolder(p.gatewayFolder, folder));
  return other ? `The folder ${folder} is already the gateway of the profile "${other.name}": one gateway folder serves one login, so give each profile its own copy of the gateway.` : null;
}

/**
 * A profile's state folder as one spelling: inside `configDir` (null: the settings folder itself),
 * links resolved as far as the folder exists, and without case (macOS and Windows see one folder in
 * "profiles/Paper" and "profiles/paper").
 */
function stateFolderKey(configDir: string, stateFolder: string | null): string {
  let probe = path.resolve(configDir, stateFolder ?? '.');
  const rest: string[] = [];
  // The deepest part that exists, resolved; the rest as written (a folder not made yet).
  for (let n = 0; n < 64; n++) {
    try {
      return path.join(fs.realpathSync(probe), ...rest).toLowerCase();
    } catch {
      const parent = path.dirname(probe);
      if (parent === probe) break;
      rest.unshift(path.basename(probe));
      probe = parent;
    }
  }
  return path.resolve(configDir, stateFolder ?? '.').toLowerCase();
}

/**
 * Why `owner` cannot have its state folder: another of `profiles` has the same one (they would share
 * one record of the gateway started, so one profile's `gateway stop` stops the other's gateway). Null
 * when it is its own. Beside folderTakenReason: the two rules of "which profiles conflict".
 */
export function stateFolderTakenReason(profiles: readonly Profile[], configDir: string, owner: Pick<Profile, 'name' | 'stateFolder'>): string | null {
  const mine = stateFolderKey(configDir, owner.stateFolder);
  const other = profiles.find((p) => profileKey(p.name) !== profileKey(owner.name) && stateFolderKey(configDir, p.stateFolder) === mine);
  return other
    ? `Its stateFolder "${owner.stateFolder ?? '(the settings folder)'}" is already the state folder of the profile "${other.name}": two profiles would share one record of their gateway, so give each its own (remove this profile and add it again).`
    : null;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 160);
}

/** The names of the profiles in the settings of `configDir` (default as createEngine's), in display order. */
export function profileNames(options: { readonly configDir?: string; readonly settingsBackend?: SettingsBackend } = {}): readonly string[] {
  const backend = options.settingsBackend ?? confSettingsBackend(options.configDir ?? defaultConfigDir());
  // Read, never moved aside: a damaged file must reach the store that reports it (the command's
  // engine, and so `doctor`), not vanish here without a word. Damaged: the defaults' one profile.
  try {
    const parsed = SettingsFileSchema.safeParse(migrateSettings(backend.read()));
    if (parsed.success) return parsed.data.profiles.map((p) => p.name);
  } catch {
    // Unreadable: as damaged.
  }
  return defaultSettingsFile().profiles.map((p) => p.name);
}
