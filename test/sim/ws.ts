/**
 * The WebSocket /v1/api/ws exactly as facts §9 describes it through the gateway:
 * `{"message":"waiting for session"}` until the client sends `{"session":"<tickle token>"}`, then
 * within ~250 ms `system`, `act` and `sts`; `sts` again on every status change (the short form
 * `{"competing":…}` when only that changed); a heartbeat every heartbeatMs; `tic` answered. EVERY
 * server frame is binary (UTF-8 JSON inside), though IBKR sends text. The upstream session ending
 * reaches the client as close code 1000; with IBKR unreachable the upgrade succeeds, then silence.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SimClock } from './api.js';
import type { Faults } from './faults.js';
import { wsAccountsArgs, wsStatusArgs } from './ibkr-bodies.js';
import type { BrokerageFlags, IbkrSession } from './ibkr-session.js';

/** How long after `{"session":…}` the first messages arrive (facts §9: within about 250 ms). */
const FIRST_MESSAGES_DELAY_MS = 50;

export interface SocketParts {
  session: IbkrSession;
  faults: Faults;
  clock: SimClock;
  heartbeatMs: number;
}

function sendBinary(ws: WebSocket, message: unknown): void {
  if (ws.readyState === ws.OPEN) ws.send(Buffer.from(JSON.stringify(message), 'utf8'), { binary: true });
}

/** All WebSockets of one simulator. */
export class GatewaySockets {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly cleanups = new Set<() => void>();

  constructor(private readonly parts: SocketParts) {}

  /** Take over an HTTP upgrade for /v1/api/ws (or /v1/portal/ws). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws));
  }

  /** Close every socket (simulator stopping). */
  closeAll(): void {
    for (const cleanup of [...this.cleanups]) cleanup();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private serve(ws: WebSocket): void {
    const { session, faults, clock } = this.parts;
    // Upstream never answered the gateway's connect: the client sees an open socket and nothing else.
    const startedUnreachable = faults.unreachable;
    const silent = (): boolean => startedUnreachable || faults.unreachable;
    let token: string | null = null;
    let timers: unknown[] = [];
    let last: BrokerageFlags = session.flags;
    let unsubscribe: (() => void) | null = null;

    const later = (fn: () => void, ms: number): void => {
      const handle = clock.setTimeout(() => {
        timers = timers.filter((t) => t !== handle);
        fn();
      }, ms);
      timers.push(handle);
    };
    const cleanup = (): void => {
      for (const t of timers) clock.clearTimeout(t);
      timers = [];
      unsubscribe?.();
      this.cleanups.delete(cleanup);
    };
    this.cleanups.add(cleanup);
    ws.on('close', cleanup);
    ws.on('error', cleanup);

    const heartbeat = (): void => {
      later(() => {
        if (!silent()) sendBinary(ws, { topic: 'system', hb: clock.now() });
        heartbeat();
      }, this.parts.heartbeatMs);
    };

    const start = (): void => {
      last = session.flags;
      sendBinary(ws, { topic: 'system', success: session.settings.username, isFT: true, isPaper: session.settings.paper });
      sendBinary(ws, { topic: 'act', args: wsAccountsArgs(session) });
      sendBinary(ws, { topic: 'sts', args: wsStatusArgs(session) });
      heartbeat();
      unsubscribe = session.onChange((change) => {
        if (silent()) return;
        if (change.kind === 'session-ended') {
          ws.close(1000);
          return;
        }
        const onlyCompeting = change.flags.competing !== last.competing && change.flags.authenticated === last.authenticated && change.flags.connected === last.connected;
        last = change.flags;
        sendBinary(ws, { topic: 'sts', args: onlyCompeting ? { competing: change.flags.competing } : wsStatusArgs(session) });
      });
    };

    if (!silent()) sendBinary(ws, { message: 'waiting for session' });
    ws.on('message', (data) => {
      if (silent()) return;
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      if (text.trim() === 'tic') {
        if (token !== null) sendBinary(ws, { topic: 'tic', alive: true, id: token, lastAccessed: clock.now() });
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        return;
      }
      const claimed = message !== null && typeof message === 'object' ? (message as Record<string, unknown>)['session'] : undefined;
      if (typeof claimed !== 'string' || token !== null) return;
      if (!session.ssoValid || claimed !== session.session) {
        // IBKR refuses an unknown session: the gateway's upstream socket closes, and so does ours.
        ws.close(1000);
        return;
      }
      token = claimed;
      later(start, FIRST_MESSAGES_DELAY_MS);
    });
  }
}
