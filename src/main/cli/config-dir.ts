/**
 * The settings folder named by --config-dir (or IBKR_TRAY_CONFIG_DIR) must be a folder, or not
 * exist yet (it is made on first use). A file there, or a file on the way to it, is refused up front
 * in one line: otherwise every later step fails with ENOTDIR, and the settings read reports the
 * file as "damaged" when it was never a settings file at all.
 */
import { statSync } from 'node:fs';
import path from 'node:path';

/** One line saying what is wrong with `dir` as the settings folder, or null when it is fine. */
export function configDirProblem(dir: string, from: '--config-dir' | 'IBKR_TRAY_CONFIG_DIR'): string | null {
  let at = path.resolve(dir);
  for (let steps = 0; steps < 256; steps++) {
    let isFolder: boolean;
    try {
      isFolder = statSync(at).isDirectory();
    } catch {
      const up = path.dirname(at);
      if (up === at) return null;
      at = up;
      continue;
    }
    if (isFolder) return null;
    const what = at === path.resolve(dir) ? `${dir} is a file, not a folder` : `${dir} cannot be a folder: ${at} is a file`;
    return `${from} ${what}: give the settings folder (it holds config.json; it is made if missing)`;
  }
  return null;
}
