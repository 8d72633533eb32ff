/**
 * The gateway hangs for 10 minutes of simulated time (IBKR unreachable: every forwarded request
 * hangs forever and the WebSocket goes silent, facts §4 and §9). The engine and the simulator share
 * one ManualClock; requests still travel over real loopback TLS and hit their real timeouts.
 * No request may stay pending past its timeout, requests must back off rather than pile up, memory
 * and timers stay flat; once IBKR answers again the engine says the session ended (IBKR's idle
 * timeout ran out meanwhile) and a login brings it back to ready.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../integration/engine/harness.js';
import { ManualClock } from '../sim/manual-clock.js';
import { liveHeapBytes, settledResources } from './heap.js';
import { openClientRequests, SimulatedTime, whilePending } from './simulated-time.js';

const REQUEST_TIMEOUT_MS = 150;

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('the gateway hangs for 10 simulated minutes', () => {
  it('no request outlives its timeout, requests back off, memory and timers stay flat, and the session ending meanwhile is shown once IBKR is back', async () => {
    const clock = new ManualClock();
    let activity = 0;
    // The simulator's hung requests never close on its side: only the client's own open requests count.
    const time = new SimulatedTime(() => null, clock, { activity: () => activity + (rig?.engine.snapshot().seq ?? 0), maxSettleMs: 2_000 });
    rig = await startRig({ clock, authDelayMs: 0 }, { clock, timing: {}, requestTimeoutMs: REQUEST_TIMEOUT_MS, log: () => activity++ });
    const { engine, sim } = rig;
    await time.until(() => engine.snapshot().state === 'login-required', 60_000, 'login required');
    await whilePending(time, engine.dispatch({ type: 'log-in' }));
    await sim.control.login();
    await time.until(() => engine.snapshot().state === 'ready', 60_000, 'ready');
    await time.advance(60_000);

    await sim.control.setUnreachable(true);
    await time.until(() => engine.snapshot().state === 'not-responding', 180_000, 'not responding');
    expect(engine.snapshot().reason).toMatch(/did not answer .* within 150 ms/);
    // Two simulated minutes to settle into the backoff, then measure the next ten.
    await time.advance(120_000);
    const heapBefore = liveHeapBytes();
    const timersBefore = clock.pending();
    // Measured at quiet moments: no request of the client's in flight, closed sockets gone.
    await time.until(() => openClientRequests() === 0, 180_000, 'no request in flight');
    const resourcesBefore = await settledResources();
    const from = sim.requests.length;

    await time.advance(10 * 60_000);

    const hung = sim.requests.slice(from).filter((r) => r.status === null && !r.path.endsWith('/ws'));
    // Every request the engine sent hung at the gateway, and every one was given up on by the client.
    expect(hung.length).toBeGreaterThan(0);
    expect(openClientRequests()).toBe(0);
    // Backing off (5 s doubling to 2 min) plus the keepalive: far fewer than one request per poll interval.
    expect(hung.length).toBeLessThanOrEqual(40);
    expect(engine.snapshot().state).toBe('not-responding');
    expect(engine.snapshot().actions.retry).toBe(true);
    // No timers piling up on the clock, no sockets or handles left behind by the hung requests.
    expect(clock.pending()).toBeLessThanOrEqual(timersBefore + 2);
    const resourcesAfter = await settledResources();
    for (const type of ['TLSWrap', 'TCPSocketWrap', 'Timeout']) {
      expect(resourcesAfter[type] ?? 0, type).toBeLessThanOrEqual((resourcesBefore[type] ?? 0) + 3);
    }
    // Flat: less than 4 MB more live heap after ten minutes of hung requests (after a full GC).
    expect(liveHeapBytes() - heapBefore).toBeLessThan(4 * 1024 * 1024);

    // Ten minutes without a request reaching IBKR: its idle timeout ended the SSO session meanwhile.
    await sim.control.setUnreachable(false);
    expect((await sim.control.state()).ssoValid).toBe(false);
    const ended = await time.until(() => engine.snapshot().state === 'login-required', 300_000, 'login required after the outage');
    expect(ended).toBeLessThanOrEqual(125_000);
    expect(engine.snapshot().actions.logIn).toBe(true);
    await whilePending(time, engine.dispatch({ type: 'log-in' }));
    await sim.control.login();
    await time.until(() => engine.snapshot().state === 'ready', 60_000, 'ready again');
    expect(openClientRequests()).toBe(0);
  }, 90_000);
});
