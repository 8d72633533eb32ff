/**
 * The engine's settings, kept by electron-store in the app's userData folder: config.json, the same
 * file `conf` writes for the command line (electron-store is conf with Electron's paths), so the app
 * and `ibkr-tray --config-dir <userData>` read the same settings.
 */
import Store from 'electron-store';
import { confSettingsBackend, type SettingsBackend } from '../core/settings-file.js';

/** electron-store as the engine's SettingsBackend. `userData` is app.getPath('userData'). */
export function electronStoreBackend(userData: string): SettingsBackend {
  // Reads go straight to the file, as the command line's backend does (a damaged or non-object file
  // must reach the engine as the garbage it is, to be moved aside).
  const file = confSettingsBackend(userData);
  // Created on first write: electron-store reads the file in its constructor and throws on a damaged one.
  let store: Store<Record<string, unknown>> | null = null;
  return {
    path: file.path,
    read: () => file.read(),
    // The same lock file as the command line's: the app, `serve` and `ibkr-tray profile` take turns.
    exclusive: (work) => file.exclusive(work),
    write(data: unknown): void {
      try {
        // 0600: the file holds account ids and the notify URL (conf's default is 0666 less the umask).
        store ??= new Store<Record<string, unknown>>({ name: 'config', cwd: userData, clearInvalidConfig: false, configFileMode: 0o600 });
        store.store = data as Record<string, unknown>;
      } catch (error) {
        store = null;
        throw error;
      }
    },
  };
}
