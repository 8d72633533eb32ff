/**
 * Run the REAL `ibkr-tray` as a child process (`node bin/ibkr-tray.js …`), as a user or a script
 * would. `npm test` builds first; when a single file is run by hand and the command's bundle is
 * older than src/, the first call builds it (once, under a lock, since test files run in parallel).
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileSettingsOf } from '../../../src/main/core/settings.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'ibkr-tray.js');
/** The bundle bin/ibkr-tray.js runs (vite.cli.config.ts), built from src/ by `npm run build`. */
const ENTRY = path.join(ROOT, 'out', 'main', 'command', 'ibkr-tray.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  try {
    const built = statSync(ENTRY).mtimeMs;
    return newestMtime(path.join(ROOT, 'src', 'main')) > built || newestMtime(path.join(ROOT, 'src', 'shared')) > built;
  } catch {
    return true;
  }
}

/** Build out/ when it is missing or older than src/ (a no-op under `npm test`, which builds first). */
export function ensureBuilt(): void {
  if (!isStale()) return;
  const lock = path.join(ROOT, 'out', '.cli-test-build.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`could not take ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (isStale()) {
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.main.json'], { cwd: ROOT, stdio: 'pipe' });
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.cli.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'pipe' });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface RunOptions {
  readonly configDir: string;
  readonly env?: Record<string, string>;
  /** Kill the child after this long (a test safety net, far above the command's own deadlines). */
  readonly killAfterMs?: number;
}

/** A running command, for the ones that stay in the foreground (keepalive, serve, logs --follow). */
export interface RunningCommand {
  readonly pid: number;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolve once stdout (or `stream`) matches, or reject after `ms` with what was printed. */
  waitForOutput(pattern: RegExp, ms?: number, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
  signal(name: NodeJS.Signals): void;
  readonly done: Promise<CommandResult>;
}

export function start(args: readonly string[], options: RunOptions): RunningCommand {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, IBKR_TRAY_CONFIG_DIR: options.configDir, FORCE_COLOR: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    notify();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    notify();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 60_000);
  const done = new Promise<CommandResult>((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      notify();
      resolve({ code, signal, stdout: out, stderr: err, ms: Date.now() - started });
    });
  });
  let exited = false;
  void done.then(() => (exited = true));
  return {
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    signal: (name) => child.kill(name),
    done,
    waitForOutput(pattern, ms = 15_000, stream = 'stdout') {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(stream === 'stdout' ? out : err);
          if (match) {
            cleanup();
            resolve(match);
          } else if (exited) {
            cleanup();
            reject(new Error(`exited before printing ${pattern}; stdout: ${out}; stderr: ${err}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pattern} on ${stream} within ${ms} ms; stdout: ${out}; stderr: ${err}`));
        }, ms);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Run `ibkr-tray args…` to the end. */
export function run(args: readonly string[], options: RunOptions): Promise<CommandResult> {
  return start(args, options).done;
}

/** A fresh settings folder for one test; removed by the returned cleanup. */
export function tempConfigDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'ibkr-tray-cli-'));
}

/** Write settings the way the app stores them (<dir>/config.json). */
export function writeSettings(configDir: string, settings: Record<string, unknown>): void {
  writeFileSync(path.join(configDir, 'config.json'), JSON.stringify(settings, null, 2));
}

/** The first profile's settings and the app-wide ones, flat, as the engine sees them (the file holds profiles). */
export function readSettings(configDir: string, profile?: string): Record<string, unknown> {
  return profileSettingsOf(JSON.parse(readFileSync(path.join(configDir, 'config.json'), 'utf8')), profile);
}

/** Parse stdout as exactly one JSON document (fails the test otherwise). */
export function onlyJson(result: CommandResult): Record<string, unknown> {
  return JSON.parse(result.stdout) as Record<string, unknown>;
}
