/**
 * A small TLS 1.2 server on a free loopback port with an expired self-signed certificate (like the
 * real gateway's, gateway-facts §3), recording every connection and every request it sees.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

export type CertName = 'a' | 'b';

export function certificate(name: CertName): { cert: string; key: string; fingerprint256: string } {
  const cert = fixture(`expired-${name}.cert.pem`);
  return { cert, key: fixture(`expired-${name}.key.pem`), fingerprint256: new X509Certificate(cert).fingerprint256 };
}

export interface LocalHttps {
  readonly url: string;
  readonly port: number;
  readonly fingerprint256: string;
  /** Requests that reached the HTTP layer (method and path). */
  readonly requests: string[];
  /** TCP connections accepted. */
  connections(): number;
  stop(): Promise<void>;
}

export async function startLocalHttps(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  cert: CertName = 'a',
): Promise<LocalHttps> {
  const { cert: pem, key, fingerprint256 } = certificate(cert);
  const requests: string[] = [];
  let connections = 0;
  const server = https.createServer({ cert: pem, key, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://localhost:${port}`,
    port,
    fingerprint256,
    requests,
    connections: () => connections,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answer with a status and a JSON (or raw string) body. */
export function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(text);
}
