/**
 * The ping against a real local receiver that is down, slow, failing with 500, or answering: each
 * change reaches it exactly once, and observing a snapshot never waits for the receiver.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Notifier, type NotifierOptions, type PingDocument } from '../../../src/main/core/notify.js';
import type { AppSnapshot, SessionKind } from '../../../src/shared/snapshot.js';
import { snapshotOf } from '../../fixtures/snapshots.js';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A webhook receiver; `answer` decides each reply (it may wait first). */
class Receiver {
  readonly requests: Received[] = [];
  readonly accepted: Received[] = [];
  private server: Server | null = null;
  answer: (n: number) => Promise<number> | number = () => 200;

  async listen(port = 0): Promise<number> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    this.requests.push(received);
    const status = await this.answer(this.requests.length);
    if (status >= 200 && status < 300) this.accepted.push(received);
    if (!res.destroyed) res.writeHead(status).end();
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  events(): string[] {
    return this.accepted.map((r) => (JSON.parse(r.body) as PingDocument).event);
  }
}

const receivers: Receiver[] = [];
const notifiers: Notifier[] = [];
afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.close()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function receiver(): Receiver {
  const r = new Receiver();
  receivers.push(r);
  return r;
}

/** A notifier with quick retries; its log lines are kept, and `onLog` lets a test wait for one. */
function notifier(port: number, options: Partial<NotifierOptions> = {}): { notifier: Notifier; log: string[]; nextLog(pattern: RegExp): Promise<string> } {
  const log: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const n = new Notifier({
    target: { style: 'webhook', url: `http://127.0.0.1:${port}/hook` },
    firstDelayMs: 20,
    maxDelayMs: 100,
    timeoutMs: 2_000,
    random: () => 0.5,
    log: (line) => {
      log.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.pattern.test(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    },
    ...options,
  });
  notifiers.push(n);
  return {
    notifier: n,
    log,
    nextLog: (pattern) => new Promise((resolve) => waiters.push({ pattern, resolve })),
  };
}

let seq = 0;
function snapshot(state: SessionKind): AppSnapshot {
  return snapshotOf(state, { seq: ++seq, reason: `why ${state}` });
}

/** A port nothing listens on (taken, then freed). */
async function freePort(): Promise<number> {
  const r = new Receiver();
  const port = await r.listen();
  await r.close();
  return port;
}

describe('Notifier against a local receiver', () => {
  it('that answers: one ping per change, in order, as JSON', async () => {
    const r = receiver();
    const { notifier: n, log } = notifier(await r.listen());
    for (const state of ['starting', 'login-required', 'login-required', 'logging-in', 'ready', 'ready'] as const) n.observe(snapshot(state));
    await n.idle();
    expect(r.events()).toEqual(['login-required', 'ready-again']);
    expect(r.requests).toHaveLength(2);
    const first = JSON.parse(r.accepted[0]?.body ?? '{}') as PingDocument;
    expect(Object.keys(first).sort()).toEqual(['account', 'event', 'id', 'reason', 'state', 'time', 'title']);
    expect(r.accepted[0]?.headers['idempotency-key']).toBe(first.id);
    expect(log).toEqual([]);
  });

  it('that is down at first: retried with back-off until it is up, then delivered once', async () => {
    const port = await freePort();
    const { notifier: n, nextLog } = notifier(port);
    const secondFailure = (async () => {
      await nextLog(/is unreachable/);
      await nextLog(/is unreachable/);
    })();
    n.observe(snapshot('ready'));
    n.observe(snapshot('competing'));
    await secondFailure;
    const r = receiver();
    await r.listen(port);
    await n.idle();
    expect(r.events()).toEqual(['session-taken']);
    expect(r.requests).toHaveLength(1);
  });

  it('that answers 500: sent again until it takes it, and taken once', async () => {
    const r = receiver();
    r.answer = (n) => (n <= 2 ? 500 : 204);
    const { notifier: n, log } = notifier(await r.listen());
    n.observe(snapshot('failed'));
    await n.idle();
    expect(r.requests).toHaveLength(3);
    expect(r.events()).toEqual(['gateway-failed']);
    expect(log.filter((line) => /answered 500; trying "IBKR gateway failed" again/.test(line))).toHaveLength(2);
  });

  it('that always answers 500: gives up after its budget, with one line saying so', async () => {
    const r = receiver();
    r.answer = () => 500;
    const { notifier: n, log } = notifier(await r.listen(), { attempts: 3 });
    n.observe(snapshot('login-required'));
    await n.idle();
    expect(r.requests).toHaveLength(3);
    expect(log.at(-1)).toMatch(/gave up on "IBKR login required" after 3 tries/);
  });

  it('that refuses the URL (404): not sent again, and the line says to check --notify', async () => {
    const r = receiver();
    r.answer = () => 404;
    const { notifier: n, log } = notifier(await r.listen());
    n.observe(snapshot('login-required'));
    await n.idle();
    expect(r.requests).toHaveLength(1);
    expect(log).toEqual([expect.stringMatching(/answered 404 to "IBKR login required": check the --notify URL; not sent again/)]);
  });

  it('that is slow but within the timeout: delivered once, and observing never waited for it', async () => {
    const r = receiver();
    let release: (status: number) => void = () => undefined;
    let arrive: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    r.answer = (count) => {
      if (count > 1) return 200;
      arrive();
      return new Promise<number>((resolve) => (release = resolve));
    };
    const { notifier: n } = notifier(await r.listen());
    n.observe(snapshot('login-required'));
    // observe() has returned while the receiver still holds the request unanswered.
    await arrived;
    expect(r.accepted).toHaveLength(0);
    n.observe(snapshot('ready'));
    release(200);
    await n.idle();
    expect(r.events()).toEqual(['login-required', 'ready-again']);
    expect(r.requests).toHaveLength(2);
  });

  it('that is slower than the timeout: not sent again (it may have it), one line saying so', async () => {
    const r = receiver();
    let release: (status: number) => void = () => undefined;
    r.answer = () => new Promise<number>((resolve) => (release = resolve));
    const { notifier: n, log } = notifier(await r.listen(), { timeoutMs: 200 });
    n.observe(snapshot('competing'));
    await n.idle();
    release(200);
    expect(r.requests).toHaveLength(1);
    expect(log).toEqual([expect.stringMatching(/did not answer "IBKR session taken by another platform" in time; not sent again/)]);
  });

  it('close ends an attempt in flight instead of waiting for its timeout', async () => {
    const r = receiver();
    let arrive: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    r.answer = () => {
      arrive();
      return new Promise<number>(() => undefined);
    };
    // A timeout far beyond the test's own: only an aborted request lets close() finish in time.
    const { notifier: n, log } = notifier(await r.listen(), { timeoutMs: 120_000 });
    n.observe(snapshot('login-required'));
    await arrived;
    await n.close();
    expect(r.requests).toHaveLength(1);
    expect(log).toEqual([]);
  });

  it('after close: nothing more is sent, and a back-off wait ends at once', async () => {
    const port = await freePort();
    const { notifier: n, nextLog } = notifier(port, { firstDelayMs: 60_000, maxDelayMs: 60_000 });
    const failed = nextLog(/is unreachable/);
    n.observe(snapshot('login-required'));
    await failed;
    await n.close();
    const r = receiver();
    await r.listen(port);
    n.observe(snapshot('ready'));
    await n.idle();
    expect(r.requests).toHaveLength(0);
  });
});
