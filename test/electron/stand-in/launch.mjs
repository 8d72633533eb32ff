// The child process's entry: `node --import tsx test/electron/stand-in/launch.mjs` turns Node into the
// stand-in's Electron main process and then loads the app the way Electron does, from the "main" of
// the app folder's package.json (out/main/electron/main.js: the real, built shell).
import fs from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

register('./hooks.mjs', import.meta.url);

// Electron's main process says so (electron-store asks).
process.type = 'browser';

const { recordError, records, changed, options } = await import('./runtime.ts');
// Electron shows both in a modal "A JavaScript error occurred in the main process": a test fails on them.
process.on('uncaughtException', (error) => recordError('uncaughtException', error));
process.on('unhandledRejection', (reason) => recordError('unhandledRejection', reason));
for (const level of ['error', 'warn']) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    records.consoleErrors.push(args.map(String).join(' '));
    changed();
    original(...args);
  };
}
const { startApp } = await import('./electron.ts');
await import('./control.ts');

const main = JSON.parse(fs.readFileSync(path.join(options.appPath, 'package.json'), 'utf8')).main;
// The platform the shell believes it runs on, while main.js and its imports are evaluated (main.ts
// decides everything platform-specific there, once); the engine and Chromium keep the real one after.
const realPlatform = process.platform;
if (options.platform) Object.defineProperty(process, 'platform', { value: options.platform, configurable: true });
try {
  await import(pathToFileURL(path.join(options.appPath, main)).href);
} finally {
  Object.defineProperty(process, 'platform', { value: realPlatform, configurable: true });
}
startApp();
