import { afterEach, describe, expect, it } from 'vitest';
import { logInAndWait, requestsTo, startRig, waitForSnapshot, type Rig } from './harness.js';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('engine against the simulator: IBKR-side trouble', () => {
  it('IBKR unreachable (requests hang): "not responding" with the reason, then back to ready when it returns', async () => {
    rig = await startRig();
    await logInAndWait(rig);
    await rig.sim.control.setUnreachable(true);
    // The socket goes silent (the watchdog drops it) and the checks time out.
    const stuck = await waitForSnapshot(rig.engine, (s) => s.state === 'not-responding', 'not responding', 15_000);
    expect(stuck.reason).toMatch(/not answer|did not answer|within|timed? ?out/i);
    expect(stuck.actions.retry).toBe(true);
    expect(stuck.gateway.running).toBe(true);
    await rig.sim.control.setUnreachable(false);
    await waitForSnapshot(rig.engine, (s) => s.state === 'ready', 'ready again', 15_000);
  });

  it('maintenance (500 on /iserver): not responding with IBKR\'s status, backing off, never a restart; ready after', async () => {
    rig = await startRig();
    await logInAndWait(rig);
    await rig.sim.control.setMaintenance(500);
    const s = await rig.engine.refresh();
    expect(s.state).toBe('not-responding');
    expect(s.reason).toMatch(/500/);
    await rig.sim.control.setMaintenance(null);
    await waitForSnapshot(rig.engine, (x) => x.state === 'ready', 'ready after maintenance', 10_000);
  });

  it.each(['html', 'truncated-json', 'wrong-types'] as const)(
    'a malformed tickle (%s) shows "Unexpected answer from /v1/api/tickle" and keeps the keepalive going',
    async (kind) => {
      rig = await startRig();
      await logInAndWait(rig);
      await rig.sim.control.setMalformed('/v1/api/tickle', kind);
      const s = await rig.engine.refresh();
      expect(s.state).toBe('not-responding');
      expect(s.reason).toMatch(/^Unexpected answer from \/v1\/api\/tickle: /);
      await rig.sim.control.setMalformed('/v1/api/tickle', null);
      // The next check (refresh, as after a wake) works again: the keepalive was never stopped.
      await waitForSnapshot(rig.engine, (x) => x.state === 'ready' && x.keepaliveFailingSince === null, 'ready', 10_000);
    },
  );

  it('a malformed auth/status shows the endpoint in the reason', async () => {
    rig = await startRig();
    await logInAndWait(rig);
    await rig.sim.control.setMalformed('/v1/api/iserver/auth/status', 'html');
    const s = await rig.engine.refresh();
    expect(s.state).toBe('not-responding');
    expect(s.reason).toContain('Unexpected answer from /v1/api/iserver/auth/status');
  });

  it('429: rate limited until the penalty ends, nothing sent meanwhile, then checks again', async () => {
    rig = await startRig({}, { pacing: { penaltyMs: 2_000 } });
    await logInAndWait(rig);
    await rig.sim.control.penalize(1_500);
    const limited = await rig.engine.refresh();
    expect(limited.state).toBe('rate-limited');
    expect(limited.rateLimitedUntil).toBeGreaterThan(Date.now());
    expect(limited.actions.refresh).toBe(false);
    expect((await rig.engine.dispatch({ type: 'refresh' })).ok).toBe(false);
    const mark = rig.sim.requests.length;
    const after = await waitForSnapshot(rig.engine, (s) => s.state !== 'rate-limited', 'the penalty to end', 10_000);
    const sentDuring = rig.sim.requests.slice(mark).filter((r) => r.at < limited.rateLimitedUntil!);
    expect(sentDuring).toEqual([]);
    expect(after.rateLimitedUntil).toBeNull();
    // Right after the penalty the engine checks again (a tickle that works).
    await waitForSnapshot(rig.engine, (s) => s.state === 'ready' && (s.lastTickleAt ?? 0) >= limited.rateLimitedUntil!, 'a tickle after the penalty');
    expect(requestsTo(rig.sim, '/v1/api/tickle', mark).length).toBeGreaterThan(0);
  });
});
