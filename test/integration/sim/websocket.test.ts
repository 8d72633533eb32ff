/**
 * The WebSocket /v1/api/ws through the gateway (gateway-facts.md §9), over real WSS with a pinned
 * certificate.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  TickleSchema,
  WsAccountsSchema,
  WsMessageSchema,
  WsStatusSchema,
  WsSystemSchema,
  WsTicSchema,
  WsWaitingSchema,
} from '../../../src/main/core/gateway/schemas.js';
import type { SimOptions, Simulator } from '../../sim/index.js';
import { startAuthenticated } from './authenticated-simulator.js';
import { callJson, pinnedSocket } from './pinned-client.js';

let sim: Simulator | null = null;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await sim?.stop();
  sim = null;
});

interface Frame {
  binary: boolean;
  message: unknown;
}

/** A pinned WSS connection that queues every frame with its type. */
async function connect(s: Simulator, path = '/v1/api/ws') {
  const tlsSocket = await pinnedSocket(s);
  const ws = new WebSocket(`wss://localhost:${s.port}${path}`, { createConnection: () => tlsSocket });
  sockets.push(ws);
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data, isBinary) => {
    frames.push({ binary: isBinary, message: JSON.parse((data as Buffer).toString('utf8')) as unknown });
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  /** Wait until `count` frames arrived (bounded). */
  const frameCount = async (count: number, timeoutMs = 2000): Promise<Frame[]> => {
    const deadline = Date.now() + timeoutMs;
    while (frames.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${frames.length} of ${count} frames arrived`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return frames;
  };
  return { ws, frames, frameCount, closed };
}

async function ready(options: SimOptions = {}): Promise<{ s: Simulator; token: string }> {
  const s = await startAuthenticated(options);
  sim = s;
  const token = TickleSchema.parse((await callJson(s, '/v1/api/tickle')).json).session;
  return { s, token };
}

describe('WebSocket (facts §9)', () => {
  it('waits for the session, then sends system, act, sts within 250 ms, every frame binary', async () => {
    const { s, token } = await ready();
    const c = await connect(s);
    await c.frameCount(1);
    expect(WsWaitingSchema.parse(c.frames[0]?.message)).toEqual({ message: 'waiting for session' });
    await new Promise((r) => setTimeout(r, 150));
    expect(c.frames).toHaveLength(1);
    const sent = Date.now();
    c.ws.send(JSON.stringify({ session: token }));
    await c.frameCount(4);
    expect(Date.now() - sent).toBeLessThan(250);
    expect(WsSystemSchema.parse(c.frames[1]?.message)).toMatchObject({ topic: 'system', success: 'user123', isPaper: true });
    expect(WsAccountsSchema.parse(c.frames[2]?.message).args.accounts).toEqual(['DU1234567']);
    expect(WsStatusSchema.parse(c.frames[3]?.message).args).toMatchObject({ authenticated: true, connected: true, competing: false, username: 'user123' });
    expect(c.frames.every((f) => f.binary)).toBe(true);
    for (const f of c.frames) WsMessageSchema.parse(f.message);
  });

  it('sends a heartbeat every heartbeatMs and answers tic', async () => {
    const { s, token } = await ready({ heartbeatMs: 100 });
    const c = await connect(s);
    c.ws.send(JSON.stringify({ session: token }));
    await c.frameCount(6, 3000);
    const heartbeats = c.frames.filter((f) => WsSystemSchema.safeParse(f.message).success && (f.message as { hb?: number }).hb !== undefined);
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
    c.ws.send('tic');
    const before = c.frames.length;
    await c.frameCount(before + 1);
    const tic = c.frames.map((f) => WsTicSchema.safeParse(f.message)).find((r) => r.success);
    expect(tic?.data).toMatchObject({ topic: 'tic', alive: true, id: token });
    expect(c.frames.every((f) => f.binary)).toBe(true);
  });

  it('sends sts again on each status change (short form when only competing changed)', async () => {
    const { s, token } = await ready();
    const c = await connect(s);
    c.ws.send(JSON.stringify({ session: token }));
    await c.frameCount(4);
    await s.control.competeFromElsewhere();
    await c.frameCount(5);
    expect(c.frames[4]?.message).toEqual({ topic: 'sts', args: { competing: true } });
    await s.control.dropBrokerage();
    await c.frameCount(6);
    expect(WsStatusSchema.parse(c.frames[5]?.message).args).toMatchObject({ authenticated: false, connected: true, competing: false });
  });

  it('closes with code 1000 when the session ends upstream (logout)', async () => {
    const { s, token } = await ready();
    const c = await connect(s);
    c.ws.send(JSON.stringify({ session: token }));
    await c.frameCount(4);
    await callJson(s, '/v1/api/logout', { method: 'POST' });
    expect(await c.closed).toBe(1000);
  });

  it('closes with 1000 on a wrong session token', async () => {
    const { s } = await ready();
    const c = await connect(s);
    c.ws.send(JSON.stringify({ session: '0'.repeat(32) }));
    expect(await c.closed).toBe(1000);
  });

  it('with IBKR unreachable: the upgrade succeeds, then nothing ever arrives', async () => {
    const { s, token } = await ready({ heartbeatMs: 50 });
    await s.control.setUnreachable(true);
    const c = await connect(s, '/v1/portal/ws');
    c.ws.send(JSON.stringify({ session: token }));
    c.ws.send('tic');
    await new Promise((r) => setTimeout(r, 300));
    expect(c.frames).toEqual([]);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });
});
