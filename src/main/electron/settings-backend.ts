/**
 * The engine's settings, kept by electron-store in the app's userData folder (config.json, the same
 * file format `conf` writes for the command line, so both read the same settings).
 */
import fs from 'node:fs';
import path from 'node:path';
import Store from 'electron-store';
import type { SettingsBackend } from '../core/engine.js';

/** electron-store as the engine's SettingsBackend. `userData` is app.getPath('userData'). */
export function electronStoreBackend(userData: string): SettingsBackend {
  const file = path.join(userData, 'config.json');
  // Created on first write: electron-store reads the file in its constructor and throws on a damaged
  // one, which the engine handles itself (moves it aside) through read().
  let store: Store<Record<string, unknown>> | null = null;
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
      // Parsed here rather than through Store: a top-level array or string must reach the engine as
      // the garbage it is, not as an object of characters.
      return JSON.parse(text) as unknown;
    },
    write(data: unknown): void {
      try {
        store ??= new Store<Record<string, unknown>>({ name: 'config', cwd: userData, clearInvalidConfig: false });
        store.store = data as Record<string, unknown>;
      } catch (error) {
        store = null;
        throw error;
      }
    },
  };
}
