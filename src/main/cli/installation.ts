/**
 * Where this installation's files are. The command runs from out/main/cli (tsc's output, and the
 * library) or from out/main/command (the bundle bin/ibkr-tray.js loads, vite.cli.config.ts), and
 * from src/main/cli under the tests: the package folder is found from the last "out/main" in this
 * module's path, not by counting "..", which would differ between the layouts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package folder (holds package.json, bin/ and out/). */
export function packageFolder(moduleUrl: string = import.meta.url): string {
  const here = fileURLToPath(moduleUrl);
  const built = here.lastIndexOf(`${path.sep}out${path.sep}main${path.sep}`);
  if (built >= 0) return here.slice(0, built);
  const source = here.lastIndexOf(`${path.sep}src${path.sep}main${path.sep}`);
  return source >= 0 ? here.slice(0, source) : path.resolve(path.dirname(here), '..', '..', '..');
}
