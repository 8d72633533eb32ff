/**
 * A login nobody finishes (issue 21: the dashboard's Log in clicked, IBKR's login tab closed): the
 * card said "Logging in…" 4 min 43 s later while auth/status went out once a second. On the manual
 * clock shared by the engine and the simulator, with the engine's own login pacing and timeout.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedTime, whilePending } from '../../fault/simulated-time.js';
import { ManualClock } from '../../sim/manual-clock.js';
import { requestsTo, startRig, type Rig } from './harness.js';

const MINUTE = 60_000;
const STATUS = '/v1/api/iserver/auth/status';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('a login nobody finishes', () => {
  it('slows its checks after the first minute and ends after 3 min, back to "Logged out" with the reason', async () => {
    const clock = new ManualClock();
    let activity = 0;
    const time = new SimulatedTime(() => rig?.sim ?? null, clock, { activity: () => activity + (rig?.engine.snapshot().seq ?? 0) });
    rig = await startRig({ clock }, { clock, log: () => activity++ });
    const { engine, sim } = rig;
    await time.until(() => engine.snapshot().actions.logIn, MINUTE, 'Log in offered');

    const result = await whilePending(time, engine.dispatch({ type: 'log-in' }));
    expect(result.ok).toBe(true);
    expect(engine.snapshot().state).toBe('logging-in');
    const from = sim.requests.length;
    const checksIn = async (ms: number): Promise<number> => {
      const before = requestsTo(sim, STATUS, from).length;
      await time.advance(ms);
      return requestsTo(sim, STATUS, from).length - before;
    };

    // Nobody logs in. The first minute: about one check a second (a person types in seconds).
    const first = await checksIn(MINUTE);
    expect(first).toBeGreaterThanOrEqual(55);
    expect(first).toBeLessThanOrEqual(61);
    // The second minute, still waiting: one check every 5 s or so.
    const second = await checksIn(MINUTE);
    expect(second).toBeLessThanOrEqual(13);
    expect(engine.snapshot().state).toBe('logging-in');
    // Just before 3 min it still waits; at 3 min it ends by itself.
    await checksIn(MINUTE - 1_000);
    expect(engine.snapshot().state).toBe('logging-in');
    await time.advance(1_000);
    const ended = engine.snapshot();
    expect(ended.state).toBe('login-required');
    expect(ended.reason).toBe('The login was not completed within 3 min: Log in again.');
    expect(ended.actions.logIn).toBe(true);
    expect(sim.requests.filter((r) => r.status === 429)).toEqual([]);
  }, 60_000);
});
