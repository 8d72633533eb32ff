/**
 * The pinned agent is the one trust decision for WSS too: the engine hands it to `ws`, which then
 * opens its TLS socket through the agent's createConnection.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayClient } from '../../../src/main/core/gateway/client.js';
import { createPinnedAgent, fixedPin } from '../../../src/main/core/gateway/tls.js';
import { startSimulator, type Simulator } from '../../sim/index.js';

let sim: Simulator | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

function connect(url: string, pin: string): Promise<string> {
  const socket = new WebSocket(url, { agent: createPinnedAgent({ pins: fixedPin(pin), keepAlive: false }), handshakeTimeout: 3000 });
  return new Promise<string>((resolve) => {
    socket.once('open', () => resolve('open'));
    socket.once('error', (error) => resolve(`error: ${error.message}`));
  }).finally(() => socket.terminate());
}

describe('pinned WebSocket', () => {
  it('opens with the pinned certificate and is refused with another, before the upgrade request', async () => {
    sim = await startSimulator();
    const url = `${sim.url.replace(/^https/, 'wss')}/v1/api/ws`;
    await expect(connect(url, sim.fingerprint256)).resolves.toBe('open');
    const upgrades = sim.requests.length;
    expect(upgrades).toBeGreaterThan(0); // the upgrade that opened is in the log
    const refused = await connect(url, 'AB'.repeat(32));
    expect(refused).toMatch(/different certificate/);
    expect(sim.requests.length).toBe(upgrades);
  });
});

describe('plain HTTP gateway (listenSsl: false)', () => {
  it('needs no pin', async () => {
    sim = await startSimulator({ tls: false });
    const client = createGatewayClient({ baseUrl: sim.url, timeoutMs: 2000 });
    try {
      await expect(client.probe()).resolves.toBe(true);
      await expect(client.reauthenticate()).resolves.toEqual({ error: 'not logged in' });
    } finally {
      client.dispose();
    }
  });
});
