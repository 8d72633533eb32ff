/**
 * `--health HOST:PORT`: where the probes listen. Its own module, with no import, so the command's
 * argument parser reads it without loading the probe server (health.ts).
 */

export interface HealthAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `HOST:PORT`, `[IPv6]:PORT` or a bare `PORT` (loopback) → the address to listen on, or the reason it
 * is not one.
 */
export function parseHealthAddress(text: string): { readonly ok: true; readonly address: HealthAddress } | { readonly ok: false; readonly reason: string } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text.trim()) ?? /^()()(\d+)$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65_535) {
    return { ok: false, reason: `--health wants HOST:PORT (e.g. 127.0.0.1:8080) or a port, not "${text}"` };
  }
  const host = match[1] || match[2] || '127.0.0.1';
  return { ok: true, address: { host, port } };
}
