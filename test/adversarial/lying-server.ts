/**
 * An HTTPS server that lies, written at the byte level (node:http would refuse to send most of these):
 * a Content-Length longer or shorter than the body, missing, huge, malformed or twice; a body that
 * stalls before the headers, after them or halfway; a connection closed before, during or instead of
 * an answer; redirects in a loop, to plain HTTP, to nowhere; HTML, error statuses, a 304 nobody asked
 * for, bytes that are no HTTP. Its CA is trusted through NODE_EXTRA_CA_CERTS, as download-server.ts's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { freePort } from '../sim/gateway-folder.js';
import { makeCertificates } from '../integration/install/download-server.js';

/** What the server does on one connection, given the request's path. */
export type Lie = (socket: tls.TLSSocket, origin: string) => void;

export interface LyingServer {
  readonly origin: string;
  readonly caFile: string;
  /** Answer `path` with `lie` (replaces an earlier one). */
  on(path: string, lie: Lie): void;
  /** Answer `path` with each lie of `lies` in turn, one per request (the last repeats). */
  inTurn(path: string, lies: readonly Lie[]): void;
  close(): Promise<void>;
}

const head = (status: string, headers: Record<string, string | string[]>): string =>
  `HTTP/1.1 ${status}\r\n${Object.entries(headers)
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${name}: ${v}\r\n`))
    .join('')}\r\n`;

/** The lies, each a function of its parameters. */
export const lies = {
  honest: (body: Buffer): Lie => (s) => s.end(Buffer.concat([Buffer.from(head('200 OK', { 'content-type': 'application/zip', 'content-length': String(body.length), connection: 'close' })), body])),
  /** Announce `announced` bytes, send `body`, close. */
  length: (body: Buffer, announced: string | string[]): Lie => (s) => s.end(Buffer.concat([Buffer.from(head('200 OK', { 'content-type': 'application/zip', 'content-length': announced, connection: 'close' })), body])),
  /** No Content-Length: the body ends when the connection does, after `body`. */
  noLength: (body: Buffer): Lie => (s) => s.end(Buffer.concat([Buffer.from(head('200 OK', { 'content-type': 'application/zip', connection: 'close' })), body])),
  /** Read the request, then say nothing. */
  silent: (): Lie => () => undefined,
  /** Headers (announcing all of `body`) and the first `sent` bytes, then nothing. */
  stall: (body: Buffer, sent: number): Lie => (s) => s.write(Buffer.concat([Buffer.from(head('200 OK', { 'content-type': 'application/zip', 'content-length': String(body.length) })), body.subarray(0, sent)])),
  /** Headers (announcing all of `body`) and the first `sent` bytes, then the connection is cut. */
  cut: (body: Buffer, sent: number): Lie => (s) => s.write(Buffer.concat([Buffer.from(head('200 OK', { 'content-type': 'application/zip', 'content-length': String(body.length) })), body.subarray(0, sent)]), () => s.destroy()),
  /** The connection cut before any answer. */
  hangUp: (): Lie => (s) => s.destroy(),
  redirect: (location: string | null, status = '302 Found'): Lie => (s) => s.end(head(status, { ...(location === null ? {} : { location }), 'content-length': '0', connection: 'close' })),
  status: (status: string, body = 'no'): Lie => (s) => s.end(head(status, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)), connection: 'close' }) + body),
  html: (): Lie => (s) => {
    const page = '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in</body></html>\n';
    s.end(head('200 OK', { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(page)), connection: 'close' }) + page);
  },
  raw: (bytes: string | Buffer): Lie => (s) => s.end(bytes),
  /** Chunked, with a chunk whose size line lies. */
  badChunks: (body: Buffer): Lie => (s) => s.end(Buffer.concat([Buffer.from(head('200 OK', { 'content-type': 'application/zip', 'transfer-encoding': 'chunked', connection: 'close' })), Buffer.from(`${(body.length + 50).toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')])),
};

export async function startLyingServer(): Promise<LyingServer> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'ibkr-lying-server-'));
  const certs = makeCertificates(work);
  const routes = new Map<string, Lie[]>();
  const sockets = new Set<tls.TLSSocket>();
  const port = await freePort();
  const origin = `https://localhost:${port}`;
  const server = tls.createServer({ key: certs.key, cert: certs.cert }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let request = '';
    const onData = (chunk: Buffer): void => {
      request += chunk.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const target = /^[A-Z]+ (\S+)/.exec(request)?.[1] ?? '/';
      const turn = routes.get(new URL(target, origin).pathname);
      const lie = turn && turn.length > 1 ? turn.shift()! : turn?.[0];
      if (lie) lie(socket, origin);
      else lies.status('404 Not Found')(socket, origin);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin,
    caFile: certs.ca,
    on: (at, lie) => routes.set(at, [lie]),
    inTurn: (at, list) => routes.set(at, [...list]),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(work, { recursive: true, force: true });
    },
  };
}
