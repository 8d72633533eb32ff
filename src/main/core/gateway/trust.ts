/**
 * The one certificate check, pure, used by the HTTPS agent, the WebSocket and the Electron login
 * window alike. The real gateway's certificate is self-signed and expired (gateway-facts.md §3), so
 * trust comes from pinning its SHA-256 fingerprint for the gateway's own origin, never from turning
 * verification off.
 */
import { portOf } from './location.js';

/** Normalise a fingerprint to upper-case hex pairs joined by ':' (what Node and Electron print). */
export function normalizeFingerprint(fingerprint: string): string | null {
  const hex = fingerprint.replace(/^sha256\//i, '').replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

/** The origin (scheme://host:port, port always explicit) of a URL, or null when it is not a URL. */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'wss:' && parsed.protocol !== 'http:' && parsed.protocol !== 'ws:') return null;
  const secure = parsed.protocol === 'https:' || parsed.protocol === 'wss:';
  const port = portOf(parsed);
  // wss is the same server as https: compare them as one origin.
  const scheme = secure ? 'https' : 'http';
  return `${scheme}://${parsed.hostname.toLowerCase()}:${port}`;
}

/** Loopback names that all reach the same local gateway. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1', '[::1]'];

/** Is `host` this machine (one gateway under every loopback name; trust on first use is acceptable)? */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host.toLowerCase());
}

/** `https://host:port` for a host as TLS and Chromium report it (an IPv6 literal gets its brackets). */
export function httpsOrigin(host: string, port: number): string {
  const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `https://${name}:${port}`;
}

function sameGateway(a: string, b: string): boolean {
  if (a === b) return true;
  const ua = new URL(a);
  const ub = new URL(b);
  return ua.protocol === ub.protocol && ua.port === ub.port && isLoopbackHost(ua.hostname) && isLoopbackHost(ub.hostname);
}

export interface Pin {
  /** The gateway's origin, e.g. https://localhost:5000. */
  readonly origin: string;
  /** The pinned SHA-256 fingerprint (any case, with or without colons). */
  readonly fingerprint: string;
}

/**
 * May a TLS connection to `url` that presented a certificate with `fingerprint` be trusted?
 * True only for the pinned gateway's origin (localhost and 127.0.0.1 count as one) and exactly the
 * pinned fingerprint. A malformed URL or fingerprint is never trusted.
 */
export function isTrustedCertificate(url: string, fingerprint: string, pin: Pin): boolean {
  const origin = originOf(url);
  const pinnedOrigin = originOf(pin.origin);
  const got = normalizeFingerprint(fingerprint);
  const want = normalizeFingerprint(pin.fingerprint);
  if (!origin || !pinnedOrigin || !got || !want) return false;
  if (!origin.startsWith('https://')) return false;
  return sameGateway(origin, pinnedOrigin) && got === want;
}
