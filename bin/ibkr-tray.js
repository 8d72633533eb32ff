#!/usr/bin/env node
// The `ibkr-tray` command. The code lives in out/main/command/, one bundle with a chunk per command
// (built by `npm run build`, run by `npm ci`'s prepare; see vite.cli.config.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../out/main/command/ibkr-tray.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('ibkr-tray: not built yet. Run `npm ci` (or `npm run build`) in the project folder first.\n');
  process.exit(1);
}
await import(pathToFileURL(entry).href);
