/**
 * The tests' HTTPS/WSS client for the simulator: trust comes from pinning the certificate's SHA-256
 * fingerprint (the certificate is expired on purpose, facts §3), checked on `secureConnect` before a
 * single request byte is written. Chain verification is off only on these test sockets.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type TLSSocket } from 'node:tls';
import { PassThrough, type Duplex } from 'node:stream';
import { connect as netConnect } from 'node:net';

export interface Target {
  url: string;
  port: number;
  fingerprint256: string;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Open a TLS socket to the simulator and resolve once its certificate matched the pin. */
export function pinnedSocket(target: Target): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: target.port, rejectUnauthorized: false });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const got = socket.getPeerX509Certificate()?.fingerprint256;
      if (got !== target.fingerprint256) {
        socket.destroy();
        reject(new Error(`certificate fingerprint ${String(got)} is not the pinned one`));
        return;
      }
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

export interface CallOptions {
  method?: string;
  body?: string | object;
  headers?: Record<string, string>;
  /** Give up after this long and resolve null (a hung request). Default 5000. */
  timeoutMs?: number;
}

/** One request over a fresh pinned connection; null when nothing was answered within timeoutMs. */
export async function call(target: Target, path: string, options: CallOptions = {}): Promise<Reply | null> {
  const tls = target.url.startsWith('https:');
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined && typeof options.body === 'object') headers['Content-Type'] ??= 'application/json';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      resolve(null);
    }, options.timeoutMs ?? 5000);
    const req = httpRequest(
      {
        host: 'localhost',
        port: target.port,
        path,
        method: options.method ?? 'GET',
        headers,
        createConnection: (_opts: unknown, done: (error: Error | null, socket: Duplex) => void) => {
          if (!tls) return netConnect(target.port, '127.0.0.1');
          pinnedSocket(target).then(
            (socket) => done(null, socket),
            (error: Error) => done(error, new PassThrough()),
          );
          return undefined;
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          res.socket.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

/** call() that insists on an answer, and parses its JSON body. */
export async function callJson(target: Target, path: string, options: CallOptions = {}): Promise<{ status: number; json: unknown; reply: Reply }> {
  const reply = await call(target, path, options);
  if (!reply) throw new Error(`${path} was not answered`);
  return { status: reply.status, json: reply.body === '' ? undefined : (JSON.parse(reply.body) as unknown), reply };
}
