/**
 * Issue 21 §3: a gateway folder whose port (root/conf.yaml listenPort) is held by another program.
 * `gateway start` then runs the gateway on a port it picks; every later command — a new process each,
 * as a user types them — must reach the gateway there, and the program on the folder's port must
 * never pass for "a gateway started elsewhere". The foreign programs are generated from a seed: a
 * TCP server that says nothing, one that hangs up at once, an HTTP(S) server that answers every
 * path, one with another certificate that redirects to its own login page; none is the gateway.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, makeGatewayFolder, type GatewayFolder } from '../sim/gateway-folder.js';
import { loadCertificate, tlsServerOptions } from '../sim/tls.js';
import { until } from '../sim/until.js';
import { onlyJson, run } from '../integration/cli/command.js';
import { cliFixtures } from '../integration/cli/fixtures.js';
import { isProcessAlive as alive } from '../../src/main/core/gateway/process-tree.js';
import { seededRandom } from '../sim/seeded-random.js';

const fixtures = cliFixtures();
const folders: GatewayFolder[] = [];
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
/** Process groups the command started: ended (by pid) whatever the test's outcome. */
const groups: number[] = [];

afterEach(async () => {
  for (const pid of groups.splice(0)) {
    // Never kill(-0): that is this test's own process group.
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          (server as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
          server.close(() => resolve());
        }),
    ),
  );
  await Promise.all(folders.splice(0).map((f) => f.cleanup()));
});

type ForeignKind = 'tcp-silent' | 'tcp-hangup' | 'https-other-cert' | 'https-redirect' | 'http-404';
const KINDS: readonly ForeignKind[] = ['tcp-silent', 'tcp-hangup', 'https-other-cert', 'https-redirect', 'http-404'];

const SEED = Number(process.env['PICKED_PORT_SEED'] ?? 2112);
const random = seededRandom(SEED);
/** `count` different kinds, in a seeded order. */
function pickKinds(count: number): ForeignKind[] {
  const pool = [...KINDS];
  const picked: ForeignKind[] = [];
  while (picked.length < count && pool.length > 0) picked.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return picked;
}

/** Another program on 127.0.0.1:port (where the fake gateway would listen too). */
async function occupy(port: number, kind: ForeignKind): Promise<void> {
  let server: net.Server;
  if (kind === 'tcp-silent') {
    server = net.createServer(() => undefined);
  } else if (kind === 'tcp-hangup') {
    server = net.createServer((socket) => socket.destroy());
  } else if (kind === 'http-404') {
    server = http.createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('not here'));
  } else {
    // Another program's certificate; the redirecting one sends GET / to its own login page, as web apps do.
    const options = tlsServerOptions(loadCertificate('other'));
    server = https.createServer(options, (req, res) => {
      if (kind === 'https-redirect' && req.url === '/') res.writeHead(302, { location: '/login?next=%2F' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"I am not a gateway"}');
    });
  }
  servers.push(server);
  // Connections the commands left open would hold close() until the test's hook times out.
  server.on('connection', (socket: net.Socket) => sockets.add(socket).size && socket.once('close', () => sockets.delete(socket)));
  server.on('secureConnection', (socket: net.Socket) => sockets.add(socket).size && socket.once('close', () => sockets.delete(socket)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

/** A copy of the fake gateway folder whose conf.yaml listens on `port`. */
async function gatewayFolder(port: number): Promise<string> {
  const folder = await makeGatewayFolder();
  folders.push(folder);
  const conf = path.join(folder.dir, 'root', 'conf.yaml');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(/listenPort: \d+/, `listenPort: ${port}`));
  return folder.dir;
}

const portOf = (url: string): number => Number(new URL(url).port);

describe('a gateway folder whose port another program holds', () => {
  for (const kind of pickKinds(2)) {
    it(`gateway start picks another port, and status, gateway status, doctor and login reach the gateway there (foreign: ${kind}, seed ${SEED})`, async () => {
      const taken = await freePort();
      await occupy(taken, kind);
      const dir = await gatewayFolder(taken);
      const config = fixtures.configDir();
      const cli = (...args: string[]) => run(['--dir', dir, '--timeout', '2', ...args], { configDir: config });

      const started = await cli('--json', 'gateway', 'start');
      expect(started.stderr).toBe('');
      expect(started.code).toBe(0);
      const doc = onlyJson(started) as { started: boolean; gateway: { running: boolean; pid: number; startedByUs: boolean; url: string } };
      groups.push(doc.gateway.pid);
      expect(doc).toMatchObject({ started: true, gateway: { running: true, startedByUs: true } });
      const picked = portOf(doc.gateway.url);
      expect(picked).not.toBe(taken);
      const url = `https://localhost:${picked}`;

      // New processes, as a user would type them after the first has exited.
      const status = await cli('status');
      expect(status.stdout).toContain(url);
      expect(status.code).toBe(2); // login required: the gateway answered, nobody logged in

      const gatewayStatus = await cli('gateway', 'status');
      expect(gatewayStatus.stdout).toBe(`gateway running (pid ${doc.gateway.pid}, started by ibkr-tray) — ${url}\n`);
      expect(gatewayStatus.code).toBe(0);

      const doctor = await cli('doctor');
      expect(doctor.stdout).toMatch(new RegExp(`port:\\s+port ${picked}: the gateway answers`));
      expect(doctor.stdout).toMatch(/session:\s+login required/i);

      const login = await cli('login', '--no-browser');
      expect(login.stdout).toContain(url);
      expect(login.code).toBe(0);

      const stopped = await cli('gateway', 'stop');
      expect(stopped.code).toBe(0);
      await until(`the gateway (pid ${doc.gateway.pid}) to end`, () => !alive(doc.gateway.pid), 10_000);
      // Stopped: the folder's gateway is not running, and the foreign program is still not it.
      const after = await cli('gateway', 'status');
      expect(after.stdout).toMatch(/^gateway not running/);
      expect(after.code).toBe(3);
    }, 90_000);
  }

  it(`with no gateway started, no foreign program passes for a gateway, and gateway start moves away from it (seed ${SEED})`, async () => {
    const kinds = pickKinds(KINDS.length);
    for (const kind of kinds) {
      const taken = await freePort();
      await occupy(taken, kind);
      const dir = await gatewayFolder(taken);
      const config = fixtures.configDir();
      const cli = (...args: string[]) => run(['--dir', dir, '--timeout', '2', ...args], { configDir: config });

      const gatewayStatus = await cli('--json', 'gateway', 'status');
      expect(onlyJson(gatewayStatus), kind).toMatchObject({ gateway: { running: false, heldByOther: true } });
      expect(gatewayStatus.code, kind).toBe(3);

      const status = await cli('--json', 'status');
      const state = (onlyJson(status) as { state?: string }).state;
      // Not a gateway's session state: nothing answered as the gateway.
      expect(['stopped', 'failed', undefined], `${kind}: ${status.stdout}`).toContain(state);
      expect(status.code, kind).toBe(3);

      if (kind !== kinds.at(-1)) continue;
      const started = await cli('--json', 'gateway', 'start');
      expect(started.code, started.stderr).toBe(0);
      const doc = onlyJson(started) as { started: boolean; gateway: { pid: number; startedByUs: boolean; url: string } };
      groups.push(doc.gateway.pid);
      expect(doc, kind).toMatchObject({ started: true, gateway: { startedByUs: true } });
      expect(portOf(doc.gateway.url)).not.toBe(taken);
      expect((await cli('gateway', 'stop')).code).toBe(0);
    }
  }, 120_000);
});
