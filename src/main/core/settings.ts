/**
 * The app's settings: one zod schema with defaults, stored in <configDir>/config.json (the file
 * electron-store uses in the app's userData folder; plain Node reads and writes the same file in the
 * same format). A damaged or invalid file never stops the app: it is moved aside (kept, not deleted),
 * the defaults are used, and the user gets a notice. Passwords are never stored here (or anywhere).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AccountIdSchema } from '../../shared/intents.js';
import type { Notice, Preferences } from '../../shared/snapshot.js';
import type { Clock } from './gateway/clock.js';
import { parseNotifyTarget } from './notify.js';
import { systemClock } from './gateway/clock.js';
import { originOf } from './gateway/trust.js';
import type { PinStore } from './gateway/tls.js';

/** The app's folder name in the OS app-data folder (electron's userData for productName "IBKR Tray"). */
export const APP_FOLDER_NAME = 'IBKR Tray';
/** The settings file's base name (electron-store and conf default: config.json). */
export const SETTINGS_FILE_NAME = 'config';

export const SettingsSchema = z.looseObject({
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
  /** What the user asked for last and auto-recovery must not undo ("log out", "stop"). */
  userIntent: z.enum(['logged-out', 'stopped']).nullable().default(null),
});
export type Settings = z.infer<typeof SettingsSchema>;
export type SettingsPatch = Partial<Omit<Settings, 'pins'>> & { readonly pins?: Record<string, string> };

/** Where settings are read and written: `conf` in plain Node, electron-store in the app (same file format). */
export interface SettingsBackend {
  /** The whole stored object, or undefined when there is none yet. Throws on an unreadable file. */
  read(): unknown;
  /** Replace the stored object atomically. */
  write(data: unknown): void;
  /** The file's path, for messages. */
  readonly path: string;
}

/** The defaults (what a missing or damaged file gives). */
export function defaultSettings(): Settings {
  return SettingsSchema.parse({});
}

/**
 * The settings folder: IBKR_TRAY_CONFIG_DIR when set, else the OS app-data folder of "IBKR Tray"
 * (Linux ~/.config/IBKR Tray, macOS ~/Library/Application Support/IBKR Tray, Windows %APPDATA%\IBKR Tray).
 */
export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const override = env['IBKR_TRAY_CONFIG_DIR'];
  if (override && override.trim()) return path.resolve(override);
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_FOLDER_NAME);
  if (platform === 'win32') return path.join(env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), APP_FOLDER_NAME);
  return path.join(env['XDG_CONFIG_HOME'] ?? path.join(home, '.config'), APP_FOLDER_NAME);
}

/**
 * Write `text` to `file` atomically: a temp file beside it, flushed to disk, then renamed over it, so
 * that a crash or Ctrl-C mid-write leaves the old file or the new one, never half of one.
 */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const fd = fs.openSync(temp, 'w', 0o666);
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Settings in <configDir>/config.json, written as `conf` (and so electron-store) writes it: JSON
 * indented with tabs, atomically. Not through `conf` itself: its schema compiler (ajv) costs a
 * one-shot command more start-up time than the rest of the engine, for a file that is rarely written.
 * Reads go straight to the file so that a top-level array or string is seen as the garbage it is.
 */
export function confSettingsBackend(configDir: string): SettingsBackend {
  const file = path.join(configDir, `${SETTINGS_FILE_NAME}.json`);
  return {
    path: file,
    read(): unknown {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      return JSON.parse(text) as unknown;
    },
    write(data: unknown): void {
      writeFileAtomic(file, JSON.stringify(data, undefined, '\t'));
    },
  };
}

/** The file name a damaged settings file is moved to (kept beside it). */
export function asideName(file: string, at: number): string {
  return `${file}.corrupt-${new Date(at).toISOString().replace(/[:.]/g, '-')}`;
}

/** Settings with validation, atomic persistence and change notification. */
export class SettingsStore {
  private current: Settings;
  private readonly listeners = new Set<(settings: Settings) => void>();
  private readonly noticeList: Notice[] = [];

  private constructor(
    private readonly backend: SettingsBackend,
    private readonly clock: Clock,
  ) {
    this.current = this.load();
  }

  /** Read the settings; a damaged file is moved aside and the defaults are used (with a notice). */
  static open(backend: SettingsBackend, clock: Clock = systemClock): SettingsStore {
    return new SettingsStore(backend, clock);
  }

  get(): Settings {
    return this.current;
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
    this.current = parsed.data;
    try {
      this.backend.write(this.current);
    } catch (error) {
      this.notice('error', `Could not save the settings to ${this.backend.path} (${(error as Error).message}); the change holds until the app quits.`);
    }
    for (const listener of this.listeners) listener(this.current);
    return this.current;
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
        this.update({ pins: { ...this.current.pins, [key]: fingerprint } });
      },
    };
  }

  private load(): Settings {
    let raw: unknown;
    try {
      raw = this.backend.read();
    } catch (error) {
      return this.moveAside(`it is not readable JSON (${oneLine((error as Error).message)})`);
    }
    if (raw === undefined) return defaultSettings();
    const parsed = SettingsSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? ` at "${issue.path.join('.')}"` : '';
    return this.moveAside(`it holds invalid values${where}: ${oneLine(issue?.message ?? 'not a settings object')}`);
  }

  private moveAside(why: string): Settings {
    const file = this.backend.path;
    const aside = asideName(file, this.clock.now());
    let kept = '';
    try {
      if (fs.existsSync(file)) {
        fs.renameSync(file, aside);
        kept = ` It was kept as ${aside}.`;
      }
    } catch (error) {
      kept = ` It could not be moved aside (${(error as Error).message}).`;
    }
    this.notice('warning', `The settings file ${file} was damaged (${why}), so the defaults are used.${kept} Choose your gateway folder and preferences again.`);
    return defaultSettings();
  }

  private notice(level: Notice['level'], text: string): void {
    this.noticeList.push({ level, text, at: this.clock.now() });
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 160);
}
