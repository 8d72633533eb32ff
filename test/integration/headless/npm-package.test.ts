/**
 * The npm package as a server admin gets it: `npm pack` of the built project, installed with
 * `npm install -g` into an empty prefix (no clone, no build tools, no Electron), then the installed
 * `ibkr-tray` is run against the in-process simulator. Needs `npm run build` first (npm test builds
 * before it runs the tests). Runtime dependencies come from npm's cache or the registry.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { logIn } from '../cli/fixtures.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };

/** What `npm run build` makes and the package must carry. */
const BUILT = ['out/main/cli/main.js', 'out/renderer/index.html'];

/** The environment of a plain shell: npm's own variables (set when `npm test` runs us) would leak its config in. */
function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  // The installed command starts with `#!/usr/bin/env node`: the node running this test.
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

let work = '';
let prefix = '';
let packedFiles: string[] = [];
let installSeconds = 0;

beforeAll(async () => {
  const missing = BUILT.filter((file) => !existsSync(path.join(ROOT, file)));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} not built: run \`npm run build\` first`);
  work = mkdtempSync(path.join(os.tmpdir(), 'ibkr-tray-npm-'));
  prefix = path.join(work, 'prefix');
  mkdirSync(prefix);
  // --ignore-scripts: `prepare` would rebuild what `npm run build` just made (the test needs it built already).
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, env: plainEnv(), timeout: 60_000 });
  const [report] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (report === undefined) throw new Error(`npm pack reported nothing: ${packed.stdout}`);
  packedFiles = report.files.map((f) => f.path);
  const started = Date.now();
  // From the temp folder, so that nothing can resolve from the project's own node_modules.
  await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(work, report.filename)], {
    cwd: work,
    env: plainEnv(),
    timeout: 90_000,
  });
  installSeconds = (Date.now() - started) / 1000;
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const installedDir = (): string => path.join(prefix, 'lib', 'node_modules', manifest.name);
const command = (): string => path.join(prefix, 'bin', 'ibkr-tray');

describe('the npm package', () => {
  it('carries the built command, library and page, and no sources, tests, source maps or build state', () => {
    for (const file of ['package.json', 'README.md', 'bin/ibkr-tray.js', ...BUILT, 'out/main/core/engine.js', 'out/main/core/engine.d.ts']) expect(packedFiles).toContain(file);
    const stray = packedFiles.filter((f) => /^(src|test|bench|scripts|node_modules)\//.test(f) || f.endsWith('.map') || f.includes('tsbuildinfo') || f.startsWith('out/.types'));
    expect(stray).toEqual([]);
  });

  it('carries every file its manifest points at (main, bin, and types/exports when present)', () => {
    const pointers: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'string') pointers.push(value.replace(/^\.\//, ''));
      else if (value !== null && typeof value === 'object') for (const inner of Object.values(value)) collect(inner);
    };
    const full = manifest as unknown as Record<string, unknown>;
    for (const key of ['main', 'types', 'bin', 'exports']) collect(full[key]);
    expect(pointers.length).toBeGreaterThanOrEqual(2);
    expect(pointers.filter((file) => !packedFiles.includes(file))).toEqual([]);
  });

  it('installs with its runtime dependencies only: no Electron, no build tools', () => {
    console.info(`npm install -g of the tarball: ${installSeconds.toFixed(1)} s`);
    const modules = path.join(installedDir(), 'node_modules');
    for (const dependency of Object.keys(manifest.dependencies)) expect(existsSync(path.join(modules, dependency, 'package.json'))).toBe(true);
    for (const devOnly of ['electron', 'typescript', 'vite', 'vitest', 'electron-builder']) expect(existsSync(path.join(modules, devOnly))).toBe(false);
  });

  it('runs `ibkr-tray --help` and `--version` from the prefix', async () => {
    const help = await run(command(), ['--help'], { cwd: work, env: plainEnv(), timeout: 20_000 });
    expect(help.stdout).toMatch(/^Usage: ibkr-tray /);
    const version = await run(command(), ['--version'], { cwd: work, env: plainEnv(), timeout: 20_000 });
    expect(version.stdout.trim()).toBe(manifest.version);
  });

  describe('against the simulator', () => {
    let sim: Simulator | null = null;
    afterAll(async () => {
      await sim?.stop();
    });

    it('runs `ibkr-tray status`: ready after a login', async () => {
      sim = await startSimulator({ authDelayMs: 100, emptyAccountsAnswers: 0 });
      await logIn(sim);
      const configDir = path.join(work, 'settings');
      const status = await run(command(), ['--gateway', sim.url, '--timeout', '3', 'status'], {
        cwd: work,
        env: plainEnv({ IBKR_TRAY_CONFIG_DIR: configDir }),
        timeout: 20_000,
      });
      expect(status.stdout).toMatch(/^ready: .* — https:\/\/localhost:\d+\n$/);
      // First use pinned the simulator's certificate in the settings folder it was given.
      expect(readFileSync(path.join(configDir, 'config.json'), 'utf8')).toContain(sim.fingerprint256);
    });
  });
});
