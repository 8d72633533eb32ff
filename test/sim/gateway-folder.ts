/**
 * Temporary copies of the fake gateway folder, and starting one the documented way
 * (`bash bin/run.sh root/<name>.yaml` from the folder, detached so its whole process group can be
 * stopped: run.sh does not exec its child, facts §1).
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimControl } from './api.js';
import { controlClient } from './control-http.js';
import { loadCertificate } from './tls.js';
import { until } from './until.js';

const simDir = fileURLToPath(new URL('.', import.meta.url)).replace(/\/$/, '');
const sourceFolder = join(simDir, 'clientportal.gw');

export interface GatewayFolder {
  /** The copy's clientportal.gw directory. */
  dir: string;
  /** Remove the copy (stop whatever runs in it first). */
  cleanup(): Promise<void>;
}

/**
 * Copy test/sim/clientportal.gw into a fresh temp dir and record where the simulator's code lives
 * (`.sim-home`), so the copy runs from anywhere.
 */
export async function makeGatewayFolder(options: { parent?: string } = {}): Promise<GatewayFolder> {
  const parent = await mkdtemp(join(options.parent ?? tmpdir(), 'ibkr-gateway-'));
  const dir = join(parent, 'clientportal.gw');
  await cp(sourceFolder, dir, { recursive: true, filter: (src) => !/\/(logs|\.vertx)$/.test(src) && !src.endsWith('.sim-home') });
  await writeFile(join(dir, '.sim-home'), `${simDir}\n`);
  return { dir, cleanup: () => rm(parent, { recursive: true, force: true }) };
}

/** Whether a loopback listener can bind `port` now (bound and released at once). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Below the range Linux takes outgoing connections' local ports from (32768–60999). */
const PORTS_FROM = 20_000;
const PORTS_TO = 32_000;

/**
 * A free loopback TCP port for a gateway a test starts later. Not listen(0): its port comes from the
 * range of outgoing connections' local ports, and a parallel test's connection could take it before
 * the gateway listens (seen in CI: "Address already in use"). A random port below that range instead.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = PORTS_FROM + Math.floor(Math.random() * (PORTS_TO - PORTS_FROM));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${PORTS_FROM} and ${PORTS_TO} after 50 tries`);
}

/** Write `root/<name>.yaml`: the shipped conf.yaml with another listenPort (the only way, facts §1). */
export async function writeConf(dir: string, name: string, port: number, changes: { listenSsl?: boolean; proxyRemoteHost?: string; authDelay?: number } = {}): Promise<string> {
  let text = await readFile(join(dir, 'root', 'conf.yaml'), 'utf8');
  text = text.replace(/listenPort: \d+/, `listenPort: ${port}`);
  if (changes.listenSsl !== undefined) text = text.replace(/listenSsl: \w+/, `listenSsl: ${changes.listenSsl}`);
  if (changes.proxyRemoteHost !== undefined) text = text.replace(/proxyRemoteHost: ".*"/, `proxyRemoteHost: "${changes.proxyRemoteHost}"`);
  if (changes.authDelay !== undefined) text = text.replace(/authDelay: \d+/, `authDelay: ${changes.authDelay}`);
  const relative = `root/${name}.yaml`;
  await writeFile(join(dir, relative), text);
  return relative;
}

export interface RunningGatewayFolder {
  dir: string;
  url: string;
  port: number;
  fingerprint256: string;
  controlUrl: string;
  control: SimControl;
  /** The bash pid (also the process group id). */
  pid: number;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM the whole process group, SIGKILL after 3 s; resolves when bash has exited. */
  stop(): Promise<void>;
}

export interface StartGatewayFolderOptions {
  /** An existing folder (e.g. from makeGatewayFolder); default: a fresh copy, removed on stop(). */
  dir?: string;
  /** Default: a free port. */
  port?: number;
  authDelayMs?: number;
  heartbeatMs?: number;
  pacing?: boolean;
  /** Serve the simulator's other certificate (a gateway whose certificate changed). */
  certificate?: 'other';
  /** IBKR accounts of the simulated user. */
  accounts?: { id: string; alias?: string }[];
  /** How long to wait for the control line. Default 20 s. */
  timeoutMs?: number;
  /** More environment for the gateway's processes (the demo's world: test/sim/demo.ts). */
  env?: Readonly<Record<string, string>>;
}

/** Start the fake gateway folder as a real process tree and wait until its control API answers. */
export async function startGatewayFolder(options: StartGatewayFolderOptions = {}): Promise<RunningGatewayFolder> {
  const copy = options.dir ? null : await makeGatewayFolder();
  const dir = options.dir ?? copy!.dir;
  const port = options.port ?? (await freePort());
  const conf = await writeConf(dir, `sim-${port}`, port, options.authDelayMs !== undefined ? { authDelay: options.authDelayMs } : {});
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, IBKR_SIM_CONTROL_LINE_DELAY_MS: '0', IBKR_SIM_EXIT_DELAY_MS: '200' };
  if (options.heartbeatMs !== undefined) env['IBKR_SIM_HEARTBEAT_MS'] = String(options.heartbeatMs);
  if (options.pacing === false) env['IBKR_SIM_PACING'] = 'off';
  if (options.certificate) env['IBKR_SIM_CERTIFICATE'] = options.certificate;
  if (options.accounts) env['IBKR_SIM_ACCOUNTS'] = JSON.stringify(options.accounts);
  const child = spawn('bash', ['bin/run.sh', conf], { cwd: dir, detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid ?? 0;
  const stop = async (): Promise<void> => {
    const signal = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-pid, sig);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const killer = setTimeout(() => signal('SIGKILL'), 3000);
    await exited;
    // bash may be gone before its child: wait for the group to empty (bounded).
    await until('the process group to empty', () => !groupAlive(pid), 5_000, 100).catch(() => undefined); // SIGKILL follows
    clearTimeout(killer);
    signal('SIGKILL');
    await copy?.cleanup();
  };
  // Wait for the control line itself (a stdout event), for the process to end, or for the limit.
  const controlUrl = await new Promise<string | null>((resolve) => {
    const look = (): void => {
      const found = /^control: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
      if (found !== undefined) finish(found);
    };
    const timer = setTimeout(() => finish(null), options.timeoutMs ?? 20_000);
    const finish = (url: string | null): void => {
      clearTimeout(timer);
      child.stdout.off('data', look);
      resolve(url);
    };
    child.stdout.on('data', look);
    void exited.then(() => finish(null));
    look();
  });
  if (controlUrl === null) {
    await stop();
    throw new Error(`fake gateway did not start: ${out}\n${err}`);
  }
  return {
    dir,
    url: `https://localhost:${port}`,
    port,
    fingerprint256: loadCertificate('gateway').fingerprint256,
    controlUrl,
    control: controlClient(controlUrl),
    pid,
    stdout: () => out,
    stderr: () => err,
    stop,
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
