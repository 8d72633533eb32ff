/**
 * Runs electron-builder on the project's own electron-builder.yml, Linux `dir` target, with a stand-in
 * Electron distribution, so the packaging can be checked where Electron's zip cannot be downloaded.
 * electron-builder copies an unpacked `electronDist` folder as it is and renames its `electron`
 * executable to the app's (app-builder-lib ElectronFramework: "using custom unpacked Electron
 * distribution"); nothing else of the folder is read for the `dir` target.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The stand-in's executable says what it is if anyone runs it. */
const STAND_IN_EXECUTABLE = '#!/bin/sh\necho "stand-in Electron from test/packaging: not runnable" >&2\nexit 1\n';

/** Makes the smallest folder electron-builder accepts as an unpacked Linux Electron distribution. */
export async function makeStandInElectron(folder: string): Promise<void> {
  await mkdir(path.join(folder, 'resources'), { recursive: true });
  await mkdir(path.join(folder, 'locales'), { recursive: true });
  await writeFile(path.join(folder, 'electron'), STAND_IN_EXECUTABLE);
  await chmod(path.join(folder, 'electron'), 0o755);
  await writeFile(path.join(folder, 'LICENSE'), 'stand-in for Electron\'s LICENSE\n');
  await writeFile(path.join(folder, 'locales', 'en-US.pak'), '');
}

/** Where electron-builder put the unpacked app. */
export interface PackedApp {
  /** release/linux-unpacked: the executable, resources/, locales/. */
  readonly appOutDir: string;
  /** resources/app.asar inside it. */
  readonly archive: string;
}

/** electron-builder takes about 10 s here; a hung one fails the test instead of hanging it. */
const PACK_TIMEOUT_MS = 120_000;

/**
 * `electron-builder --linux dir` with only what this machine needs overridden: the stand-in
 * distribution, the output folder, and no native-module rebuild (it would fetch Electron's headers;
 * the app has no native module). ELECTRON_BUILDER_CACHE points at `cacheDir`, so anything
 * electron-builder downloaded would be found there.
 */
export async function packLinuxDir(options: {
  readonly projectDir: string;
  readonly electronDist: string;
  readonly outputDir: string;
  readonly cacheDir: string;
}): Promise<PackedApp> {
  const cli = createRequire(import.meta.url).resolve('electron-builder/cli.js');
  const args = [
    cli,
    '--linux',
    'dir',
    // Always x64, so the output folder is always linux-unpacked (the stand-in has no architecture).
    '--x64',
    '--publish',
    'never',
    '--config',
    'electron-builder.yml',
    `-c.electronDist=${options.electronDist}`,
    `-c.directories.output=${options.outputDir}`,
    '-c.npmRebuild=false',
  ];
  const env = { ...process.env, ELECTRON_BUILDER_CACHE: options.cacheDir, CSC_IDENTITY_AUTO_DISCOVERY: 'false' };
  // Under vitest (VITEST set) electron-builder prints errors only: its output is for the failure message.
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, args, { cwd: options.projectDir, env, timeout: PACK_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`electron-builder failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve();
    });
  });
  const appOutDir = path.join(options.outputDir, 'linux-unpacked');
  return { appOutDir, archive: path.join(appOutDir, 'resources', 'app.asar') };
}
