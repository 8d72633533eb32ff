/**
 * The packaged app, checked here where Electron's zip cannot be downloaded: electron-builder runs on
 * the project's own electron-builder.yml (Linux `dir` target, a stand-in Electron distribution), then
 * resources/app.asar is opened and checked against what the app loads at run time. Needs `npm run
 * build` first (npm test builds before it runs the tests).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import asar from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ICON_FILE, ASSETS_FOLDER, PRELOAD_FILE, RENDERER_FOLDER } from '../../src/main/electron/app-layout.js';
import { trayIconFile, type TrayPlatform } from '../../src/main/electron/tray-icon.js';
import { SESSION_KINDS } from '../../src/shared/snapshot.js';
import { importsOf, walkImports } from './archive-imports.js';
import { makeStandInElectron, packLinuxDir, type PackedApp } from './pack-linux-dir.js';
import { snapshotOf } from '../fixtures/snapshots.js';

const projectDir = path.resolve(import.meta.dirname, '../..');
const projectManifest = JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as Manifest;
const PLATFORMS: readonly TrayPlatform[] = ['darwin', 'win32', 'linux'];
/** What the build makes and the app starts from; the check is meaningless without them. */
const BUILT = [projectManifest.main, PRELOAD_FILE, `${RENDERER_FOLDER}/index.html`];

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly main: string;
  readonly type?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

function readManifest(file: string): Manifest {
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

/**
 * The production dependencies as installed: package.json `dependencies`, then theirs, each found the
 * way Node finds it (the nearest node_modules up from the package that needs it). Optional ones that
 * are not installed are skipped: they are not installed for the user either. Keys are name@version.
 */
function productionPackages(root: string): Map<string, string> {
  const found = new Map<string, string>();
  const pending: Array<{ from: string; name: string; optional: boolean }> = Object.keys(projectManifest.dependencies ?? {}).map((name) => ({ from: root, name, optional: false }));
  for (let budget = 10_000; pending.length > 0; budget--) {
    if (budget === 0) throw new Error('more than 10000 dependencies: is the walk looping?');
    const { from, name, optional } = pending.pop() ?? { from: root, name: '', optional: true };
    const dir = installedPackage(from, name, root);
    if (dir === null) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${path.relative(root, from) || 'the app'}) is not installed: run npm ci`);
    }
    const manifest = readManifest(path.join(dir, 'package.json'));
    const key = `${manifest.name}@${manifest.version}`;
    if (found.has(key)) continue;
    found.set(key, dir);
    for (const dependency of Object.keys(manifest.dependencies ?? {})) pending.push({ from: dir, name: dependency, optional: false });
    for (const dependency of Object.keys(manifest.optionalDependencies ?? {})) pending.push({ from: dir, name: dependency, optional: true });
  }
  return found;
}

function installedPackage(from: string, name: string, root: string): string | null {
  for (let dir = from; dir.startsWith(root); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root) break;
  }
  return null;
}

/** Every package inside an extracted tree, as name@version. */
function packagesIn(root: string): Set<string> {
  const found = new Set<string>();
  const visit = (modulesDir: string): void => {
    if (!existsSync(modulesDir)) return;
    for (const entry of readdirSync(modulesDir)) {
      const names = entry.startsWith('@') ? readdirSync(path.join(modulesDir, entry)).map((inner) => path.join(entry, inner)) : [entry];
      for (const name of names) {
        const dir = path.join(modulesDir, name);
        if (!existsSync(path.join(dir, 'package.json'))) continue;
        const manifest = readManifest(path.join(dir, 'package.json'));
        found.add(`${manifest.name}@${manifest.version}`);
        visit(path.join(dir, 'node_modules'));
      }
    }
  };
  visit(path.join(root, 'node_modules'));
  return found;
}

let work = '';
let packed: PackedApp;
let extracted = '';
/** Every file in the archive, relative, with forward slashes. */
let files: string[] = [];
let inArchive: (file: string) => boolean = () => false;

beforeAll(async () => {
  const missing = BUILT.filter((file) => !existsSync(path.join(projectDir, file)));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} not built: run \`npm run build\` first`);
  work = await mkdtemp(path.join(os.tmpdir(), 'ibkr-tray-pack-'));
  await makeStandInElectron(path.join(work, 'electron-dist'));
  packed = await packLinuxDir({
    projectDir,
    electronDist: path.join(work, 'electron-dist'),
    outputDir: path.join(work, 'release'),
    cacheDir: path.join(work, 'cache'),
  });
  extracted = path.join(work, 'app');
  asar.extractAll(packed.archive, extracted);
  files = asar
    .listPackage(packed.archive, { isPack: false })
    .map((entry) => entry.replace(/^[\\/]/, '').split(path.sep).join('/'))
    .filter((entry) => !('files' in asar.statFile(packed.archive, entry)));
  const set = new Set(files);
  inArchive = (file) => set.has(file);
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('electron-builder --linux dir with a stand-in Electron', () => {
  it('packs from the local distribution and downloads nothing', () => {
    const cache = path.join(work, 'cache');
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);
    // The stand-in's executable, renamed to the app's: the one the .desktop entry and the deb run.
    expect(readFileSync(path.join(packed.appOutDir, 'ibkr-tray'), 'utf8')).toContain('stand-in Electron');
    expect(existsSync(path.join(packed.appOutDir, 'electron'))).toBe(false);
  });
});

describe('resources/app.asar', () => {
  it('starts Electron at the main entry, as an ES module', () => {
    const manifest = readManifest(path.join(extracted, 'package.json'));
    expect(manifest.main).toBe('out/main/electron/main.js');
    expect(manifest.type).toBe('module');
    expect(manifest.name).toBe(projectManifest.name);
    expect(manifest.version).toBe(projectManifest.version);
    expect(manifest.devDependencies).toBeUndefined();
    expect(inArchive(manifest.main)).toBe(true);
  });

  it('holds the preload and the page with every file the page loads', () => {
    expect(inArchive(PRELOAD_FILE)).toBe(true);
    const html = readFileSync(path.join(extracted, RENDERER_FOLDER, 'index.html'), 'utf8');
    const local = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)]
      .map((match) => match[1] ?? '')
      .filter((url) => !/^[a-z][a-z0-9+.-]*:|^#|^\/\//i.test(url));
    expect(local.some((url) => url.endsWith('.js'))).toBe(true);
    expect(local.some((url) => url.endsWith('.css'))).toBe(true);
    const pageFiles = local.map((url) => path.posix.join(RENDERER_FOLDER, url.replace(/^\.?\//, '')));
    // The page's scripts may load chunks of their own.
    for (const script of pageFiles.filter((file) => file.endsWith('.js'))) {
      for (const site of importsOf(readFileSync(path.join(extracted, script), 'utf8'), script)) {
        if (site.specifier.startsWith('.')) pageFiles.push(path.posix.join(path.posix.dirname(script), site.specifier));
      }
    }
    expect(pageFiles.filter((file) => !inArchive(file))).toEqual([]);
  });

  it('holds every tray icon of every state on every platform, their @2x, and the app icon', () => {
    const icons = new Set<string>([`${ASSETS_FOLDER}/${APP_ICON_FILE}`]);
    for (const state of SESSION_KINDS) {
      for (const platform of PLATFORMS) {
        // Every state's icon, and the first run's (no gateway chosen yet).
        for (const folder of ['/opt/clientportal.gw', null]) {
          const icon = `${ASSETS_FOLDER}/${trayIconFile({ state, gateway: { ...snapshotOf(state).gateway, folder, running: false } }, platform)}`;
          icons.add(icon);
          // Electron loads the @2x sibling of a PNG by itself on high-density screens.
          if (icon.endsWith('.png')) icons.add(icon.replace(/\.png$/, '@2x.png'));
        }
      }
    }
    expect(icons.size).toBeGreaterThan(20);
    expect([...icons].filter((icon) => !inArchive(icon))).toEqual([]);
  });

  it('holds exactly the production dependencies: no dev dependency, nothing else', () => {
    const production = productionPackages(projectDir);
    const shipped = packagesIn(extracted);
    expect([...production.keys()].filter((key) => !shipped.has(key)), 'production packages missing').toEqual([]);
    expect([...shipped].filter((key) => !production.has(key)), 'packages shipped that the app does not depend on').toEqual([]);
    const productionNames = new Set([...production.keys()].map((key) => key.slice(0, key.lastIndexOf('@'))));
    const devOnly = Object.keys(projectManifest.devDependencies ?? {}).filter((name) => !productionNames.has(name));
    expect(devOnly).toContain('electron');
    expect(files.filter((file) => devOnly.some((name) => file.includes(`node_modules/${name}/`)))).toEqual([]);
  });

  it('ships no tests, sources, source maps or TypeScript', () => {
    const ours = files.filter((file) => !file.startsWith('node_modules/'));
    expect(ours.filter((file) => !/^(out|assets|bin)\//.test(file) && file !== 'package.json')).toEqual([]);
    expect(files.filter((file) => /\.map$|\.(c|m)?ts$/.test(file))).toEqual([]);
    expect(files.filter((file) => /(^|\/)(test|src)\//.test(file) && !file.startsWith('node_modules/'))).toEqual([]);
  });

  it('resolves every runtime import of the main process and the preload inside the archive', async () => {
    const manifest = readManifest(path.join(extracted, 'package.json'));
    const walk = await walkImports(extracted, [manifest.main, PRELOAD_FILE]);
    expect(walk.broken).toEqual([]);
    expect(walk.files).toContain('out/main/electron/main.js');
    expect(walk.files).toContain(PRELOAD_FILE);
    expect(walk.files.some((file) => file.startsWith('node_modules/zod/'))).toBe(true);
  });

  it('reports an import that would fail: a deleted module, and one found only outside the archive', async () => {
    // A damaged copy of the app whose parent folder has its own node_modules/ws, as a checkout would.
    const outer = path.join(work, 'outer');
    const damaged = path.join(outer, 'app');
    await cp(extracted, damaged, { recursive: true });
    await mkdir(path.join(outer, 'node_modules'), { recursive: true });
    await cp(path.join(extracted, 'node_modules', 'ws'), path.join(outer, 'node_modules', 'ws'), { recursive: true });
    await rm(path.join(damaged, 'node_modules', 'ws'), { recursive: true });
    await rm(path.join(damaged, 'out', 'shared', 'session.js'));
    const walk = await walkImports(damaged, [readManifest(path.join(damaged, 'package.json')).main, PRELOAD_FILE]);
    expect(walk.broken).toContainEqual(expect.objectContaining({ specifier: 'ws', reason: 'outside the archive' }));
    expect(walk.broken).toContainEqual(expect.objectContaining({ target: 'out/shared/session.js', reason: 'not found' }));
  });
});
