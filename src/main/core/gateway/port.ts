/**
 * Questions about a TCP port: is it free for the gateway, does anything accept connections, does a
 * Client Portal Gateway answer there, and which process listens on it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/**
 * Could the gateway listen on `port`? It binds 0.0.0.0 whatever conf.yaml says (gateway-facts §2),
 * so bind there briefly: that fails for a listener on any address of this port.
 */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS says is free now (there is a small race until the gateway binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '0.0.0.0', exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Does anything accept a TCP connection on 127.0.0.1:port? */
export function isPortOpen(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export type ProbeResult =
  /** Nothing accepts connections. */
  | 'closed'
  /** GET / → 302 to /sso/Login…: a Client Portal Gateway (gateway-facts §4). */
  | 'gateway'
  /** Something else answers (or accepts and says nothing within the limit). */
  | 'other';

/**
 * Ask the port what it is with `GET /`. Readiness is this answer, never the banner (§1: the banner
 * comes before the server even tries to listen). The request carries no cookie or credential, so
 * it is made before the certificate is pinned, with verification off for this one socket only (the
 * certificate is self-signed and expired, §3); the pinned client is what talks to the API.
 */
export function probeGateway(port: number, tls: boolean, timeoutMs = 2000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      request.destroy();
      resolve(result);
    };
    const options = { host: '127.0.0.1', port, path: '/', method: 'GET', agent: false as const, timeout: timeoutMs };
    const request = tls
      ? https.request({ ...options, rejectUnauthorized: false, minVersion: 'TLSv1.2' as const })
      : http.request(options);
    request.on('response', (response) => {
      const location = String(response.headers.location ?? '');
      response.resume();
      finish(response.statusCode === 302 && /\/sso\/Login/i.test(location) ? 'gateway' : 'other');
    });
    request.on('timeout', () => finish('other'));
    request.on('error', (error: NodeJS.ErrnoException) => {
      finish(error.code === 'ECONNREFUSED' ? 'closed' : 'other');
    });
    request.end();
  });
}

function run(command: string, args: string[], timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, windowsHide: true }, (error, stdout) => resolve(error && !stdout ? '' : String(stdout)));
  });
}

/** Linux: the listening socket's inode from /proc/net/tcp{,6}, then the process holding it. */
function linuxListenerPid(port: number): number | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st … inode (index 9); st 0A = LISTEN
      if (cols.length > 9 && cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(cols[9]!);
    }
  }
  if (inodes.size === 0) return null;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (match && inodes.has(match[1]!)) return Number(entry);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return null;
}

/**
 * The pid listening on `port`, where the OS lets us find it (Linux /proc, macOS lsof, Windows
 * netstat); null when it cannot be found (e.g. another user's process).
 */
export async function findListenerPid(port: number, platform: NodeJS.Platform = process.platform): Promise<number | null> {
  if (platform === 'linux') {
    const pid = linuxListenerPid(port);
    if (pid !== null) return pid;
    const out = await run('ss', ['-ltnpH', `sport = :${port}`]);
    const match = /pid=(\d+)/.exec(out);
    return match ? Number(match[1]) : null;
  }
  if (platform === 'darwin') {
    const out = await run('lsof', ['-nP', '-ti', `tcp:${port}`, '-sTCP:LISTEN']);
    const pid = Number(out.trim().split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  }
  if (platform === 'win32') {
    const out = await run('netstat', ['-ano', '-p', 'TCP']);
    for (const line of out.split(/\r?\n/)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length >= 5 && cols[3] === 'LISTENING' && cols[1]?.endsWith(`:${port}`)) return Number(cols[4]);
    }
    return null;
  }
  return null;
}
