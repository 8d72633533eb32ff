#!/usr/bin/env node
// `npm run demo` (after `npm run build`): IBKR Tray without an IBKR account. A temporary copy of the
// simulator's fake gateway folder (test/sim/clientportal.gw) becomes the app's gateway folder, with
// settings in a temporary folder too, so nothing of a real setup is touched. The app starts that
// "gateway" the way it starts IBKR's: the tray app when Electron's binary is installed, else the web
// dashboard (`ibkr-tray serve`), whose address is printed. Ctrl-C stops everything and removes the copies.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'ibkr-tray.js');
/** The simulator's login form accepts these (test/sim/README.md). */
const CREDENTIALS = { username: 'user123', password: 'password123' };

/** The Electron executable when its binary is installed (without require('electron'), which would try to download it). */
function electronBinary() {
  const pkg = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkg, 'dist'), readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

/** `port` when nothing listens there on loopback, else a free one. */
function portNear(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => {
      const any = net.createServer();
      any.listen(0, '127.0.0.1', () => {
        const free = any.address().port;
        any.close(() => resolve(free));
      });
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
  });
}

function javaOnPath() {
  if (process.env.JAVA_HOME && existsSync(path.join(process.env.JAVA_HOME, 'bin', 'java'))) return true;
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, 'java')));
}

/** Processes whose working directory is inside `folder` (Linux: /proc), i.e. the demo gateway's tree. */
function processesIn(folder) {
  if (process.platform !== 'linux') return [];
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === folder || cwd.startsWith(folder + path.sep)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

const { makeGatewayFolder } = await tsImport('../test/sim/gateway-folder.ts', import.meta.url);
// Two accounts with aliases, so the account picker has something to pick (test/sim/demo.ts).
const { demoSimulatorEnv } = await tsImport('../test/sim/demo.ts', import.meta.url);
const gatewayCopy = await makeGatewayFolder();
const folder = gatewayCopy.dir;
const temp = mkdtempSync(path.join(os.tmpdir(), 'ibkr-tray-demo-'));
const configDir = path.join(temp, 'settings');
mkdirSync(configDir);

// The copy listens on 5000 like IBKR's, unless a real gateway (or macOS AirPlay) already has it.
const gatewayPort = await portNear(5000);
const confFile = path.join(folder, 'root', 'conf.yaml');
writeFileSync(confFile, readFileSync(confFile, 'utf8').replace(/listenPort: \d+/, `listenPort: ${gatewayPort}`));

const env = { ...process.env, ...demoSimulatorEnv(), IBKR_TRAY_CONFIG_DIR: configDir };
delete env.ELECTRON_RUN_AS_NODE;
// The fake gateway's run.sh checks for `java` like the real one but runs the simulator with Node:
// without Java installed, a stand-in on PATH lets the demo run anyway.
if (process.platform !== 'win32' && !javaOnPath()) {
  const bin = path.join(temp, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'java'), '#!/bin/sh\necho "IBKR Tray demo: stand-in for Java (the fake gateway runs on Node)"\n');
  chmodSync(path.join(bin, 'java'), 0o755);
  env.PATH = [bin, env.PATH].filter(Boolean).join(path.delimiter);
}

const electron = electronBinary();
const line = (label, value) => console.log(`  ${label.padEnd(16)}${value}`);
console.log('IBKR Tray demo: a simulated Client Portal Gateway, no IBKR account needed.');
line('gateway folder', `${folder} (a temporary copy of test/sim/clientportal.gw)`);
line('gateway', `https://localhost:${gatewayPort} (its certificate is self-signed, like IBKR's: the browser warns)`);
line('log in with', `${CREDENTIALS.username} / ${CREDENTIALS.password} (two paper accounts: pick one on the page)`);
line('settings', `${configDir} (temporary)`);

let child;
if (electron) {
  line('app', 'the tray app; in its window, choose the gateway folder above in the setup step');
  child = spawn(electron, [root, `--user-data-dir=${path.join(temp, 'electron')}`], { cwd: root, env, stdio: 'inherit' });
} else {
  const dashboardPort = await portNear(5050); // `ibkr-tray serve`'s default
  line('app', 'the web dashboard (no Electron binary here): open the address it prints below');
  console.log('');
  child = spawn(process.execPath, [cli, 'serve', '--dir', folder, '--config-dir', configDir, '--port', String(dashboardPort)], { cwd: root, env, stdio: 'inherit' });
}

let cleaning = false;
/** Stop the app, then the gateway it started, then remove every temporary file; exit with `code`. */
async function cleanUp(code) {
  if (cleaning) return;
  cleaning = true;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await new Promise((resolve) => child.once('exit', resolve));
    clearTimeout(killer);
  }
  // The app leaves a gateway running on quit by default (a user's preference): stop this one.
  spawnSync(process.execPath, [cli, 'gateway', 'stop', '--dir', folder, '--config-dir', configDir, '--timeout', '15'], { cwd: root, env, stdio: 'ignore', timeout: 20_000 });
  for (const signal of ['SIGTERM', 'SIGKILL']) {
    const left = processesIn(path.dirname(folder));
    for (const pid of left) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
    for (let i = 0; i < 30 && processesIn(path.dirname(folder)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  }
  await gatewayCopy.cleanup();
  rmSync(temp, { recursive: true, force: true });
  console.log('\nIBKR Tray demo: stopped; the temporary gateway folder and settings are removed.');
  process.exit(code);
}

// Ctrl-C reaches the app too (same terminal); wait for it to finish, then clean up.
process.on('SIGINT', () => void cleanUp(0));
process.on('SIGTERM', () => void cleanUp(0));
child.on('exit', (code) => void cleanUp(code ?? 0));
