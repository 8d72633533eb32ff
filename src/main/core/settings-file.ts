/**
 * The settings file on disk, whatever its content: where it is (the settings folder), how it is
 * read, written (atomically, readable by the user only) and changed by one process at a time (the
 * lock beside it, file-lock.ts). The schema, the migration and the store are in settings.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SettingsBusyError } from './errors.js';
import { readSmallFile } from './small-file.js';
import { DEFAULT_LOCK_TIMING, FileLockTimeout, withFileLock, type LockTiming } from './file-lock.js';

/** The app's folder name in the OS app-data folder (electron's userData for productName "IBKR Tray"). */
export const APP_FOLDER_NAME = 'IBKR Tray';
/** The settings file's base name (electron-store and conf default: config.json). */
export const SETTINGS_FILE_NAME = 'config';

/** Where settings are read and written: `conf` in plain Node, electron-store in the app (same file format). */
export interface SettingsBackend {
  /** The whole stored object, or undefined when there is none yet. Throws on an unreadable file. */
  read(): unknown;
  /** Replace the stored object atomically, readable by the user only (it holds account ids and URLs). */
  write(data: unknown): void;
  /**
   * Run `work` (a read, a change, a write) as the file's only writer across processes (a lock file
   * beside it: file-lock.ts). Absent: one process only (a store in memory).
   */
  exclusive?<T>(work: () => T): T;
  /** The file's path, for messages. */
  readonly path: string;
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
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    // The user's only: what the app writes this way holds account ids or notify URLs. The new file
    // replaces the old one, so a wider mode the old one had goes with it.
    const fd = fs.openSync(temp, 'w', 0o600);
    try {
      fs.fchmodSync(fd, 0o600);
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
export function confSettingsBackend(configDir: string, lockTiming: LockTiming = DEFAULT_LOCK_TIMING): Required<SettingsBackend> {
  const file = path.join(configDir, `${SETTINGS_FILE_NAME}.json`);
  return {
    path: file,
    read(): unknown {
      // Never a plain read: a FIFO in the file's place would block this synchronous read forever.
      const found = readSmallFile(file);
      if (found.kind === 'missing') {
        // A link to nothing is not "no settings yet": writing would replace the user's link.
        if (fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) throw new Error(`it is a link to ${fs.readlinkSync(file)}, which does not exist`);
        return undefined;
      }
      if (found.kind === 'not-a-file') throw new Error(`it is ${found.what}, not a file`);
      if (found.kind === 'too-big') throw new Error(`it is ${found.size} bytes, far more than settings ever take`);
      const text = found.text;
      // A byte-order mark (Notepad's) is not damage: JSON.parse alone would call it that.
      return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
    },
    write(data: unknown): void {
      writeFileAtomic(file, JSON.stringify(data, undefined, '\t'));
    },
    exclusive: (work) => settingsLocked(file, work, lockTiming),
  };
}

/** `work` under the settings file's lock; a lock that cannot be had is a SettingsBusyError (one line). */
function settingsLocked<T>(file: string, work: () => T, timing: LockTiming): T {
  let started = false;
  try {
    return withFileLock(
      file,
      () => {
        started = true;
        return work();
      },
      timing,
    );
  } catch (error) {
    // What work throws is its own (a refused profile change): only the lock's failures are mapped.
    if (started) throw error;
    if (error instanceof FileLockTimeout) {
      const who = error.holderPid === null ? 'another process' : `process ${error.holderPid}`;
      throw new SettingsBusyError(
        `The settings file ${file} is being changed by ${who} and stayed locked for ${Math.round(timing.waitMs / 1000)} s: try again (if no IBKR Tray or ibkr-tray runs, remove ${error.lock}).`,
      );
    }
    throw new SettingsBusyError(`Cannot lock the settings file ${file} to change it (${(error as Error).message}).`);
  }
}

/** The file name a damaged settings file is moved to (kept beside it). */
export function asideName(file: string, at: number): string {
  return `${file}.corrupt-${new Date(at).toISOString().replace(/[:.]/g, '-')}`;
}
