/**
 * 24 simulated hours of a keepalive: SSO expiries and nightly /iserver resets, with a user who logs
 * in again when asked. The engine and the simulator share one ManualClock (coarse one-minute steps);
 * requests and WebSocket frames travel over real loopback TLS. The keepalive must never stop, and
 * nothing may grow: timers on the clock, real handles, listeners, live heap.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../integration/engine/harness.js';
import { ManualClock } from '../sim/manual-clock.js';
import { liveHeapBytes, settledResources } from './heap.js';
import { openClientRequests, SimulatedTime, whilePending } from './simulated-time.js';

const HOUR = 3_600_000;
const TICKLE = '/v1/api/tickle';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('24 simulated hours', () => {
  it('SSO expiries and nightly resets: the keepalive never stops and nothing grows', async () => {
    const clock = new ManualClock();
    let activity = 0;
    const time = new SimulatedTime(() => rig?.sim ?? null, clock, { activity: () => activity + (rig?.engine.snapshot().seq ?? 0) });
    // One-minute steps: the socket's watchdog must outlast a step, so the heartbeat is once a minute too.
    rig = await startRig(
      { clock, authDelayMs: 3_000, heartbeatMs: 60_000, autoLogoutDelayMs: 30_000 },
      { clock, timing: { socket: { heartbeatTimeoutMs: 150_000 } }, requestTimeoutMs: 2_000, log: () => activity++ },
    );
    const { engine, sim } = rig;
    let logins = 0;
    let seenReady = 0;
    /** What a user does: log in when the app asks for it, retry when it says the brokerage start gave up. */
    const user = async (): Promise<void> => {
      const s = engine.snapshot();
      if (s.state === 'ready') seenReady++;
      if (s.state === 'login-required' && s.actions.logIn) {
        await whilePending(time, engine.dispatch({ type: 'log-in' }));
        await sim.control.login();
        logins++;
      } else if (s.actions.retry && s.state !== 'not-responding') {
        await whilePending(time, engine.dispatch({ type: 'retry' }));
      }
    };
    await time.until(() => engine.snapshot().state === 'login-required', 60_000, 'login required');
    await user();
    await time.until(() => engine.snapshot().state === 'ready', 120_000, 'ready');

    const checkpoints: { hour: number; timers: number; heap: number; resources: Record<string, number>; listeners: number }[] = [];
    const listeners = (): number => ['exit', 'SIGINT', 'SIGTERM', 'unhandledRejection', 'uncaughtException', 'warning'].reduce((n, e) => n + process.listenerCount(e), 0);
    const tickles: number[] = [];
    for (let hour = 1; hour <= 24; hour++) {
      const from = sim.requests.length;
      // Through the day: the SSO session ends every 3 hours, /iserver resets every 4 (nightly, and more).
      if (hour % 3 === 0) await sim.control.expireSso();
      else if (hour % 4 === 0) await sim.control.nightlyReset();
      await time.advanceCoarsely(HOUR, 60_000, user);
      const ready = engine.snapshot();
      expect(ready.state, `hour ${hour}: ${ready.reason}`).toBe('ready');
      tickles.push(sim.requests.slice(from).filter((r) => r.path === TICKLE).length);
      if (hour === 2 || hour === 24) checkpoints.push({ hour, timers: clock.pending(), heap: liveHeapBytes(), resources: await settledResources(), listeners: listeners() });
    }
    // The keepalive never stopped: about one tickle a minute in every hour (a re-login hour loses a few).
    for (const [i, n] of tickles.entries()) expect(n, `tickles in hour ${i + 1}`).toBeGreaterThanOrEqual(45);
    expect(logins).toBeGreaterThanOrEqual(8);
    expect(seenReady).toBeGreaterThan(24 * 50);
    expect(sim.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(openClientRequests()).toBe(0);
    const [early, late] = checkpoints;
    expect(late!.timers).toBeLessThanOrEqual(early!.timers + 2);
    expect(late!.listeners).toBe(early!.listeners);
    for (const type of ['TLSWrap', 'TCPSocketWrap', 'Timeout']) {
      expect(late!.resources[type] ?? 0, type).toBeLessThanOrEqual((early!.resources[type] ?? 0) + 3);
    }
    // 22 hours later, after full collections: less than 8 MB more live heap.
    expect(late!.heap - early!.heap).toBeLessThan(8 * 1024 * 1024);
  }, 120_000);
});
