/**
 * The simulator as the fake gateway folder runs it (clientportal.gw/build/lib/runtime/gateway.mjs
 * has already printed the banner): listen about 1.2 s after launch like the real JVM (facts §1),
 * report a busy port the real way and keep running, write logs/ and .vertx/ into the folder, serve
 * the control API on a second loopback port, exit shortly after SIGTERM.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { serveControl } from './control-http.js';
import type { SimAccount } from './api.js';
import { prepareSimulator } from './index.js';

/** The conf.yaml keys the launcher read. */
export interface FolderConf {
  listenPort: number;
  listenSsl: boolean;
  proxyRemoteHost: string;
  authDelay: number;
  ips: { allow: string[]; deny: string[] };
}

export interface FolderLaunch {
  folder: string;
  conf: FolderConf;
  /** Epoch ms when the process started. */
  launchedAt: number;
  banner: string[];
}

const DEFAULT_REMOTE = 'https://api.ibkr.com';
/** The real gateway accepts connections 1.2-1.5 s after launch. */
const LISTEN_AFTER_MS = 1200;

function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && process.env[name] !== undefined && process.env[name] !== '' ? value : fallback;
}

/** Run the gateway until SIGTERM/SIGINT. */
export async function runFolderGateway({ folder, conf, launchedAt, banner }: FolderLaunch): Promise<void> {
  const logDir = join(folder, 'logs');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(join(folder, '.vertx', `file-cache-${randomUUID()}`), { recursive: true });
  const logFile = join(logDir, `gw.${new Date().toISOString().slice(0, 10)}.log`);
  const log = (line: string): void => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
  for (const line of banner) log(`INFO  ${line}`);

  const sim = prepareSimulator({
    tls: conf.listenSsl,
    ips: conf.ips,
    authDelayMs: envNumber('IBKR_SIM_AUTH_DELAY_MS', conf.authDelay),
    heartbeatMs: envNumber('IBKR_SIM_HEARTBEAT_MS', 10_000),
    pacing: process.env['IBKR_SIM_PACING'] !== 'off',
    proxyRemoteHost: conf.proxyRemoteHost,
    // Tests that start the folder through the product (the tray app) configure it by environment.
    ...(process.env['IBKR_SIM_ACCOUNTS'] ? { accounts: JSON.parse(process.env['IBKR_SIM_ACCOUNTS']) as SimAccount[] } : {}),
    ...(process.env['IBKR_SIM_CERTIFICATE'] === 'other' ? { certificate: 'other' as const } : {}),
  });
  // Any other upstream than IBKR's own is, here, a host nobody serves: every forwarded request hangs.
  if (conf.proxyRemoteHost !== DEFAULT_REMOTE) await sim.control.setUnreachable(true);
  sim.server.on('request', (req, res) => {
    res.on('finish', () => log(`INFO  ${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0] ?? '/'} ${res.statusCode}`));
  });
  const control = await serveControl(sim.control);
  // For tests that did not start the process themselves (the tray app did): the log file says where control is.
  log(`INFO  control: ${control.url}`);

  let exiting = false;
  const shutdown = (): void => {
    if (exiting) return;
    exiting = true;
    log('INFO  shutting down');
    control.server.close();
    void sim.stop();
    // The JVM takes about 2 s to exit after SIGTERM (facts §1).
    setTimeout(() => process.exit(0), envNumber('IBKR_SIM_EXIT_DELAY_MS', 1500)).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, launchedAt + LISTEN_AFTER_MS - Date.now())));
  if (exiting) return;
  try {
    // Loopback only (the real one binds 0.0.0.0; `ips` still applies to whoever connects).
    await sim.listen(conf.listenPort, '127.0.0.1');
    log(`INFO  Server listening on port ${conf.listenPort}`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'Address already in use' : String((error as Error).message);
    // The JVM reports it and keeps running without listening (facts §1).
    process.stderr.write(`Server listen failed ${reason}\n`);
    log(`ERROR Server listen failed ${reason}`);
  }
  // Printed a moment after readiness so that whoever sees the port open still counts the real 16
  // banner lines (probe-gateway.sh); IBKR_SIM_CONTROL_LINE_DELAY_MS=0 prints it at once.
  setTimeout(() => {
    if (!exiting) process.stdout.write(`control: ${control.url}\n`);
  }, envNumber('IBKR_SIM_CONTROL_LINE_DELAY_MS', 1000));
}
