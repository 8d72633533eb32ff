#!/usr/bin/env node
// `npm start` (after `npm run build`): launch the Electron app when its binary is installed; otherwise
// say so in one line and run the web dashboard (`ibkr-tray serve`) against the same engine, so the
// product still runs. Extra arguments go to whichever starts (e.g. `npm start -- --port 5051`).
//
// The binary is looked for without require('electron'): that module downloads the binary when it is
// missing, and on machines that cannot reach its host it would fail (or hang) instead of falling back.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronPackage = path.join(root, 'node_modules', 'electron');

/** The Electron executable, or null when it is not installed. */
function electronBinary() {
  const pathFile = path.join(electronPackage, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(electronPackage, 'dist');
  const binary = path.join(dist, relative);
  return relative && existsSync(binary) ? binary : null;
}

/** Run a child with our terminal, pass Ctrl-C and termination on, and exit with its code. */
function runChild(command, args) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
  const forward = (signal) => () => {
    if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('error', (error) => {
    process.stderr.write(`${path.basename(command)}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const args = process.argv.slice(2);
const binary = electronBinary();
if (binary) {
  // Electron's own flag for running as a plain Node process must not leak into the app.
  delete process.env.ELECTRON_RUN_AS_NODE;
  runChild(binary, [root, ...args]);
} else {
  process.stderr.write('IBKR Tray: the Electron binary is not installed (node node_modules/electron/install.js fetches it); starting the web dashboard instead.\n');
  runChild(process.execPath, [path.join(root, 'bin', 'ibkr-tray.js'), 'serve', ...args]);
}
