/**
 * TLS trust for the gateway: its certificate is pinned by SHA-256 fingerprint for its own origin.
 *
 * Why it is done in `createConnection`: the real certificate is self-signed and expired
 * (gateway-facts.md §3). Ordinary verification fails with CERT_HAS_EXPIRED even when the certificate
 * is given as `ca`, and Node calls `checkServerIdentity` only after the chain verified, so a pin hung
 * there never runs. Instead the agent opens each TLS socket itself with verification off for THAT
 * socket only, and hands it to the HTTP request only after 'secureConnect' showed the pinned
 * fingerprint. A different certificate is refused before any request byte (or cookie) is written.
 */
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { GatewayError } from '../errors.js';
import { portOf } from './location.js';
import { probeGateway } from './port.js';
import { httpsOrigin, isLoopbackHost, isTrustedCertificate, LOOPBACK_HOSTS, normalizeFingerprint, originOf } from './trust.js';

/** Where pinned fingerprints live (settings in the app; memory in tests), keyed by origin. */
export interface PinStore {
  get(origin: string): string | null;
  set(origin: string, fingerprint: string): void;
}

/** A pin store holding one fingerprint for every origin, that learns nothing (an explicit `--pin`). */
export function fixedPin(fingerprint: string): PinStore {
  return { get: () => fingerprint, set: () => undefined };
}

/** A pin store in memory (tests, the CLI before settings exist). */
export function memoryPinStore(initial: Record<string, string> = {}): PinStore {
  const pins = new Map(Object.entries(initial));
  return {
    get: (origin) => pins.get(originOf(origin) ?? origin) ?? null,
    set: (origin, fingerprint) => {
      pins.set(originOf(origin) ?? origin, fingerprint);
    },
  };
}

/** The pin for an origin; for loopback any loopback name counts (localhost = 127.0.0.1). */
function lookupPin(pins: PinStore, host: string, port: number): string | null {
  const direct = pins.get(httpsOrigin(host, port));
  if (direct || !isLoopbackHost(host)) return direct;
  for (const alias of LOOPBACK_HOSTS) {
    const pin = pins.get(httpsOrigin(alias, port));
    if (pin) return pin;
  }
  return null;
}

export interface PinnedAgentOptions {
  readonly pins: PinStore;
  /**
   * When no fingerprint is stored for a loopback gateway, trust the one it presents and store it
   * (default true). Never applies to other hosts.
   */
  readonly trustOnFirstUse?: boolean;
  /** Give up on a TCP+TLS handshake after this long (default 5000 ms). */
  readonly handshakeTimeoutMs?: number;
  /** Keep sockets for reuse (default true); a reused socket was verified when it was opened. */
  readonly keepAlive?: boolean;
}

/** The message (and error) for a certificate that is not the pinned one. */
export function certificateChangedError(origin: string, expected: string | null, actual: string): GatewayError {
  const message = expected
    ? `The gateway at ${origin} presented a different certificate (SHA-256 ${actual}) than the trusted one (${expected}); nothing was sent. If you reinstalled or replaced the gateway, trust the new certificate with \`ibkr-tray trust\`.`
    : `No trusted certificate for the gateway at ${origin} (it presents SHA-256 ${actual}); nothing was sent. Trust it with \`ibkr-tray trust\`.`;
  return new GatewayError('certificate-changed', message, {
    ...(expected ? { expectedFingerprint: expected } : {}),
    actualFingerprint: actual,
  });
}

/** Another program holds the gateway's port: nothing was sent to it and nothing pinned. */
export function notTheGatewayError(origin: string, port: number): GatewayError {
  return new GatewayError(
    'unreachable',
    `Port ${port} (${origin}) is held by another program, not the gateway; nothing was sent to it. End that program, or start the gateway (it moves to another port).`,
  );
}

interface ConnectTarget {
  readonly host: string;
  readonly port: number;
}

function targetOf(options: https.RequestOptions): ConnectTarget {
  const host = options.host ?? options.hostname ?? 'localhost';
  const port = Number(options.port ?? 443);
  return { host: host.replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * Open a TLS socket to the gateway with verification off for this socket only, and report the
 * certificate it presented once the handshake is done. Nothing is written to the socket.
 */
function openTls(
  target: ConnectTarget,
  timeoutMs: number,
  done: (error: Error | null, socket: tls.TLSSocket | null, fingerprint: string | null) => void,
): tls.TLSSocket {
  let finished = false;
  const finish = (error: Error | null, fingerprint: string | null): void => {
    if (finished) return;
    finished = true;
    socket.setTimeout(0);
    done(error, error ? null : socket, fingerprint);
  };
  const socket = tls.connect({
    host: target.host,
    port: target.port,
    // SNI must not be an IP address.
    ...(/^[\d.]+$|:/.test(target.host) ? {} : { servername: target.host }),
    // The gateway's certificate is self-signed and expired (§3): the pin below is the check.
    rejectUnauthorized: false,
    // The gateway speaks TLS 1.2 only (§3).
    minVersion: 'TLSv1.2',
  });
  socket.setTimeout(timeoutMs, () => {
    // The gateway's own TLS listener answers a handshake at once, even when IBKR is unreachable (only
    // forwarded requests hang, gateway-facts §4): a silent port is another program's, not a gateway
    // that hangs, so this is "no gateway there", not "the gateway does not respond".
    const error = new GatewayError(
      'unreachable',
      `Port ${target.port} (${httpsOrigin(target.host, target.port)}) accepted the connection but did not complete a TLS handshake within ${timeoutMs} ms: another program holds it, not the gateway.`,
    );
    finish(error, null);
    socket.destroy(error);
  });
  socket.once('secureConnect', () => {
    const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? null;
    if (!fingerprint) {
      const error = new GatewayError('certificate-changed', `The gateway at ${httpsOrigin(target.host, target.port)} presented no certificate; nothing was sent.`);
      finish(error, null);
      socket.destroy();
      return;
    }
    finish(null, fingerprint);
  });
  socket.once('error', (error) => finish(error, null));
  socket.once('close', () => finish(new GatewayError('unreachable', `The connection to ${httpsOrigin(target.host, target.port)} closed during the TLS handshake.`), null));
  return socket;
}

/** An HTTPS agent that trusts exactly the pinned certificate of the gateway's origin. */
export class PinnedAgent extends https.Agent {
  private readonly pins: PinStore;
  private readonly trustOnFirstUse: boolean;
  private readonly handshakeTimeoutMs: number;

  constructor(options: PinnedAgentOptions) {
    super({ keepAlive: options.keepAlive ?? true, maxSockets: 8 });
    this.pins = options.pins;
    this.trustOnFirstUse = options.trustOnFirstUse ?? true;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
  }

  /** Node's Agent calls this with a callback; returning undefined makes it wait for the callback. */
  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const target = targetOf(options);
    const origin = httpsOrigin(target.host, target.port);
    openTls(target, this.handshakeTimeoutMs, (error, socket, fingerprint) => {
      if (error || !socket || !fingerprint) {
        callback?.(error ?? new GatewayError('unreachable', `Could not connect to ${origin}.`), undefined as unknown as Duplex);
        return;
      }
      const pinned = lookupPin(this.pins, target.host, target.port);
      if (!pinned && this.trustOnFirstUse && isLoopbackHost(target.host)) {
        // Trust on first use: a gateway on this machine, nobody in between (design: TOFU on loopback).
        // But only the gateway's certificate: another program on the port (a web server, a dev tool)
        // must never be pinned and talked to as the gateway, so first it must answer as only the
        // gateway does (GET / → 302 /sso/Login, gateway-facts §4), asked on a socket of its own.
        void probeGateway(target.port, true, this.handshakeTimeoutMs).then((answer) => {
          if (answer !== 'gateway') {
            socket.destroy();
            callback?.(notTheGatewayError(origin, target.port), undefined as unknown as Duplex);
            return;
          }
          this.pins.set(origin, normalizeFingerprint(fingerprint) ?? fingerprint);
          callback?.(null, socket);
        });
        return;
      }
      if (pinned && isTrustedCertificate(origin, fingerprint, { origin, fingerprint: pinned })) {
        callback?.(null, socket);
        return;
      }
      socket.destroy();
      callback?.(certificateChangedError(origin, pinned ? (normalizeFingerprint(pinned) ?? pinned) : null, fingerprint), undefined as unknown as Duplex);
    });
    return undefined;
  }
}

/** The agent factory for every HTTPS and WSS connection to the gateway (client, WebSocket, probes). */
export function createPinnedAgent(options: PinnedAgentOptions): PinnedAgent {
  return new PinnedAgent(options);
}

/**
 * Connect to `url` (https), complete the TLS handshake and return the SHA-256 fingerprint the
 * gateway presents, without sending any request: what `ibkr-tray trust` and first use store.
 */
export function readPresentedFingerprint(url: string, options: { readonly timeoutMs?: number } = {}): Promise<string> {
  const parsed = new URL(url);
  const target = { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: portOf(parsed) };
  return new Promise((resolve, reject) => {
    openTls(target, options.timeoutMs ?? 5000, (error, socket, fingerprint) => {
      socket?.destroy();
      if (error || !fingerprint) reject(error ?? new GatewayError('unreachable', `Could not read the certificate of ${url}.`));
      else resolve(normalizeFingerprint(fingerprint) ?? fingerprint);
    });
  });
}
