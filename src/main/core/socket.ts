/**
 * The gateway's WebSocket (gateway-facts.md §9), followed so that a status change reaches the
 * snapshot at once instead of at the next poll. It answers `waiting for session` with the token
 * from /tickle, hands every parsed frame to its owner, sends `tic` at least once a minute, watches
 * the heartbeat, and reconnects with backoff and jitter.
 */
// Types only: the engine imports 'ws' itself, and only when a shell follows the socket.
import type WebSocket from 'ws';
import type { Clock } from './gateway/clock.js';
import { WsMessageSchema, type WsMessage } from './gateway/schemas.js';

export interface SocketTiming {
  /** No frame for this long = dead socket (the gateway sends a heartbeat every 10 s: ~3 missed). */
  readonly heartbeatTimeoutMs: number;
  /** How often `tic` is sent (the gateway wants one at least every minute). */
  readonly ticIntervalMs: number;
  /** First reconnect delay; doubles per failed attempt up to the cap, with ±50 % jitter. */
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  /** How long the upgrade may take. */
  readonly handshakeTimeoutMs: number;
}

export const DEFAULT_SOCKET_TIMING: SocketTiming = {
  heartbeatTimeoutMs: 35_000,
  ticIntervalMs: 50_000,
  reconnectInitialMs: 1_000,
  reconnectMaxMs: 60_000,
  handshakeTimeoutMs: 5_000,
};

/** Opens the socket (the composition passes the pinned agent for wss). */
export type WebSocketFactory = (url: string, options: { readonly handshakeTimeout: number }) => WebSocket;

export interface GatewaySocketOptions {
  /** The gateway origin (https://…); the socket goes to wss://…/v1/api/ws. */
  readonly baseUrl: string;
  readonly createWebSocket: WebSocketFactory;
  readonly clock: Clock;
  /** The session token from the latest /tickle (null when there is no session). */
  readonly sessionToken: () => Promise<string | null>;
  /** Every parsed frame, stamped with the time it arrived. */
  readonly onMessage: (message: WsMessage, at: number) => void;
  /** Called when the socket becomes healthy or stops being so. */
  readonly onHealth?: (healthy: boolean) => void;
  readonly timing?: Partial<SocketTiming>;
  readonly random?: () => number;
  readonly log?: (line: string) => void;
}

/** wss://host:port/v1/api/ws for an https origin (ws:// for http). */
export function socketUrl(baseUrl: string): string {
  const url = new URL('/v1/api/ws', baseUrl);
  url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
  return url.toString();
}

/** Frames arrive binary through the gateway (UTF-8 JSON inside), text from IBKR directly: accept both. */
function frameText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

export class GatewaySocket {
  private readonly timing: SocketTiming;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private ws: WebSocket | null = null;
  private wanted = false;
  private healthyNow = false;
  private failures = 0;
  private watchdog: unknown = null;
  private ticTimer: unknown = null;
  private reconnectTimer: unknown = null;

  constructor(private readonly options: GatewaySocketOptions) {
    this.timing = { ...DEFAULT_SOCKET_TIMING, ...options.timing };
    this.random = options.random ?? Math.random;
    this.log = options.log ?? (() => undefined);
  }

  /** Connected, past `waiting for session`, and hearing from the gateway. */
  healthy(): boolean {
    return this.healthyNow;
  }

  /** Is it meant to be connected (started and not stopped)? */
  running(): boolean {
    return this.wanted;
  }

  /** Connect (and keep reconnecting) until stop(). Idempotent. */
  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.failures = 0;
    this.connect();
  }

  /** Close and stop reconnecting. Idempotent. */
  stop(): void {
    this.wanted = false;
    this.clearTimer('reconnectTimer');
    this.teardown();
  }

  /** Drop the current connection and connect again now (after a wake from sleep). */
  restart(): void {
    if (!this.wanted) return;
    this.clearTimer('reconnectTimer');
    this.teardown();
    this.failures = 0;
    this.connect();
  }

  private connect(): void {
    if (!this.wanted || this.ws) return;
    let ws: WebSocket;
    try {
      ws = this.options.createWebSocket(socketUrl(this.options.baseUrl), { handshakeTimeout: this.timing.handshakeTimeoutMs });
    } catch (error) {
      this.log(`websocket: cannot open (${(error as Error).message})`);
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => {
      // With IBKR unreachable the upgrade still succeeds and then nothing comes (§9): the watchdog decides.
      this.armWatchdog();
    });
    ws.on('message', (data) => {
      if (this.ws !== ws) return;
      this.onFrame(ws, frameText(data));
    });
    ws.on('error', (error) => {
      this.log(`websocket: ${error.message}`);
    });
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      this.log(`websocket: closed (${code})`);
      this.teardown();
      this.scheduleReconnect();
    });
  }

  private onFrame(ws: WebSocket, text: string): void {
    const at = this.options.clock.now();
    this.armWatchdog();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.log(`websocket: frame is not JSON (${text.length} characters)`);
      return;
    }
    const parsed = WsMessageSchema.safeParse(json);
    if (!parsed.success) return; // topics we do not follow (smd, sor, …)
    const message = parsed.data;
    if ('message' in message && message.message === 'waiting for session') {
      void this.sendSession(ws);
      return;
    }
    if ('topic' in message && (message.topic === 'sts' || message.topic === 'system' || message.topic === 'act')) {
      this.failures = 0;
      this.setHealthy(true);
      this.armTic(ws);
    }
    this.options.onMessage(message, at);
  }

  private async sendSession(ws: WebSocket): Promise<void> {
    let token: string | null = null;
    try {
      token = await this.options.sessionToken();
    } catch {
      token = null;
    }
    if (this.ws !== ws) return;
    if (!token) {
      // No session to attach to: close and try again later (the monitor polls meanwhile).
      this.log('websocket: no session token yet');
      ws.close(1000);
      return;
    }
    ws.send(JSON.stringify({ session: token }));
  }

  private armTic(ws: WebSocket): void {
    if (this.ticTimer !== null) return;
    this.ticTimer = this.options.clock.setTimeout(() => {
      this.ticTimer = null;
      if (this.ws !== ws || ws.readyState !== ws.OPEN) return;
      ws.send('tic');
      this.armTic(ws);
    }, this.timing.ticIntervalMs);
  }

  private armWatchdog(): void {
    this.clearTimer('watchdog');
    this.watchdog = this.options.clock.setTimeout(() => {
      this.watchdog = null;
      this.log(`websocket: nothing heard for ${this.timing.heartbeatTimeoutMs} ms, reconnecting`);
      this.teardown();
      this.scheduleReconnect();
    }, this.timing.heartbeatTimeoutMs);
  }

  private scheduleReconnect(): void {
    if (!this.wanted || this.reconnectTimer !== null) return;
    const base = Math.min(this.timing.reconnectMaxMs, this.timing.reconnectInitialMs * 2 ** this.failures);
    const delay = Math.round(base * (0.5 + this.random() / 2));
    this.failures = Math.min(this.failures + 1, 30);
    this.reconnectTimer = this.options.clock.setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private teardown(): void {
    this.clearTimer('watchdog');
    this.clearTimer('ticTimer');
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.removeAllListeners('message');
      ws.on('error', () => undefined);
      try {
        ws.terminate();
      } catch {
        // already closed
      }
    }
    this.setHealthy(false);
  }

  private setHealthy(healthy: boolean): void {
    if (this.healthyNow === healthy) return;
    this.healthyNow = healthy;
    this.options.onHealth?.(healthy);
  }

  private clearTimer(name: 'watchdog' | 'ticTimer' | 'reconnectTimer'): void {
    const handle = this[name];
    if (handle !== null) this.options.clock.clearTimeout(handle);
    this[name] = null;
  }
}
