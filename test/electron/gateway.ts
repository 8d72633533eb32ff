/**
 * The simulator's fake gateway folder for the tray app's scenarios: a fresh copy whose conf.yaml
 * listens on a free port (parallel test files never meet on 5000), its control API, and its removal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { controlClient } from '../sim/control-http.js';
import type { SimControl } from '../sim/api.js';
import { freePort, makeGatewayFolder } from '../sim/gateway-folder.js';
import { startGatewayFolder, type RunningGatewayFolder } from '../sim/gateway-folder.js';
import { launchApp, tempDir, watchFolder, type LaunchOptions, type RunningApp, type trayOf } from './harness.js';

export interface FakeGateway {
  readonly dir: string;
  readonly port: number;
  readonly url: string;
  /** The simulator inside the running gateway (read from its log's control line). */
  control(): SimControl;
  remove(): Promise<void>;
}

/** A copy of test/sim/clientportal.gw listening on its own port; processes in it are ended after the test. */
export async function fakeGatewayFolder(): Promise<FakeGateway> {
  const copy = await makeGatewayFolder();
  const port = await freePort();
  const conf = path.join(copy.dir, 'root', 'conf.yaml');
  fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/listenPort: \d+/, `listenPort: ${port}`));
  watchFolder(copy.dir);
  return {
    dir: copy.dir,
    port,
    url: `https://localhost:${port}`,
    control: () => controlClient(controlUrlOf(copy.dir)),
    remove: () => copy.cleanup(),
  };
}

/** Accounts of the fake gateway's IBKR user (passed to it through the app's environment). */
export const TWO_ACCOUNTS = [
  { id: 'DU1234567', alias: 'Paper main' },
  { id: 'DU7654321', alias: 'Paper hedge' },
];

/** The app's environment for a fake gateway it starts itself: a quick login chain, two accounts. */
export function fakeGatewayEnv(): Record<string, string> {
  return { IBKR_SIM_AUTH_DELAY_MS: '300', IBKR_SIM_ACCOUNTS: JSON.stringify(TWO_ACCOUNTS), IBKR_SIM_CONTROL_LINE_DELAY_MS: '0', IBKR_SIM_EXIT_DELAY_MS: '200' };
}

/** Settings as a returning user has them (config.json in userData, the engine's own format). */
export function writeAppSettings(userData: string, settings: Record<string, unknown>): void {
  fs.mkdirSync(userData, { recursive: true });
  fs.writeFileSync(path.join(userData, 'config.json'), JSON.stringify(settings, null, 2));
}

/** Settings with one profile per fake gateway folder, in order (the settings file's own shape since profiles). */
export function writeProfiles(userData: string, profiles: readonly (readonly [string, FakeGateway])[]): void {
  writeAppSettings(userData, {
    stopGatewayOnQuit: true,
    profiles: profiles.map(([name, folder], index) => ({ name, stateFolder: index === 0 ? null : path.join('profiles', name.toLowerCase()), gatewayFolder: folder.dir })),
  });
}

/** The tray of "Live" and "Paper" (writeProfiles), both logged out: where every two-profile scenario starts. */
export const bothLoggedOut = (state: Parameters<typeof trayOf>[0]): boolean => state.trays[0]?.tooltip === 'IBKR Tray\nLive: Logged out\nPaper: Logged out';

/** Two profiles as most scenarios start: the app running on "Live" and "Paper", both logged out. */
export interface LiveAndPaper {
  readonly app: RunningApp;
  readonly live: FakeGateway;
  readonly paper: FakeGateway;
  readonly userData: string;
  /** Live's gateway, started outside the app before it launched (so the app adopted it), when asked for. */
  readonly outside: RunningGatewayFolder | null;
}

export interface LiveAndPaperOptions {
  /** More options for the app's launch. */
  readonly launch?: Omit<LaunchOptions, 'userData' | 'env'>;
  readonly liveStartedOutside?: boolean;
}

/**
 * Two fake gateway folders as the profiles "Live" and "Paper", the app launched on them (`launch`:
 * more options), and both logged out. `liveStartedOutside`: Live's gateway is running before the app
 * starts (a script's, say), so the app adopts it rather than start it.
 */
/** Two fake gateway folders and a settings folder naming them Live and Paper, for a test to change before launch. */
export async function liveAndPaperFolders(): Promise<{ live: FakeGateway; paper: FakeGateway; userData: string }> {
  const live = await fakeGatewayFolder();
  const paper = await fakeGatewayFolder();
  const userData = tempDir('ibkr-tray-userdata-');
  writeProfiles(userData, [
    ['Live', live],
    ['Paper', paper],
  ]);
  return { live, paper, userData };
}

export async function launchLiveAndPaper(options: LiveAndPaperOptions & { readonly liveStartedOutside: true }): Promise<LiveAndPaper & { readonly outside: RunningGatewayFolder }>;
export async function launchLiveAndPaper(options?: LiveAndPaperOptions): Promise<LiveAndPaper>;
export async function launchLiveAndPaper(options: LiveAndPaperOptions = {}): Promise<LiveAndPaper> {
  const { live, paper, userData } = await liveAndPaperFolders();
  const outside = options.liveStartedOutside === true ? await startGatewayFolder({ dir: live.dir, port: live.port }) : null;
  const app = await launchApp({ ...options.launch, userData, env: fakeGatewayEnv() });
  await app.until(bothLoggedOut, 'both profiles logged out', 30_000);
  return { app, live, paper, userData, outside };
}

/** The control API's address, from the line the fake gateway prints into its log. */
function controlUrlOf(dir: string): string {
  const logs = path.join(dir, 'logs');
  const files = fs.existsSync(logs) ? fs.readdirSync(logs) : [];
  for (const file of files.sort().reverse()) {
    const match = /control: (http:\/\/127\.0\.0\.1:\d+)/.exec(fs.readFileSync(path.join(logs, file), 'utf8'));
    if (match?.[1]) return match[1];
  }
  throw new Error(`the fake gateway in ${dir} has not printed its control address (logs: ${files.join(', ') || 'none'})`);
}
