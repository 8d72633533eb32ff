/**
 * Figure 1: status-change latency. The simulator changes the session (another platform competes, the
 * brokerage session drops, a browser login completes) and we time how long until the engine's
 * snapshot shows it.
 *
 * - With the WebSocket: real time, default engine timing (only the brokerage re-init after a drop is
 *   hurried, which is recovery between samples, not what is measured).
 * - Polling only (useWebSocket:false): on a ManualClock shared by the simulator and the engine, with
 *   the engine's default poll intervals, so the figure is what a user would wait, in simulated time.
 *   A naive 3-second auth/status poller (the seed library's way) watches the same changes in the
 *   same run: that is the reference.
 */
import { createGatewayClient } from '../src/main/core/gateway/client.js';
import type { AuthStatus } from '../src/main/core/gateway/schemas.js';
import type { AppSnapshot } from '../src/shared/snapshot.js';
import { SimulatedTime, whilePending } from '../test/fault/simulated-time.js';
import { inState, startRig, waitForSnapshot, type Rig } from '../test/integration/engine/harness.js';
import { ManualClock } from '../test/sim/manual-clock.js';
import type { FigureResult } from './figure.js';
import { seededRandom } from '../test/sim/seeded-random.js';
import { round, summarize, type Summary } from './statistics.js';

type ChangeKind = 'competing' | 'drop' | 'login';
const KINDS: readonly ChangeKind[] = ['competing', 'drop', 'login'];

/** What the snapshot must show after each change. */
const SHOWS: Record<ChangeKind, (s: AppSnapshot) => boolean> = {
  competing: (s) => s.state === 'competing',
  drop: (s) => s.state !== 'ready' && !s.authenticated,
  login: (s) => s.state === 'ready',
};

/** The seed's poller sees a change in auth/status (401 = nobody logged in). */
const POLLER_SEES: Record<ChangeKind, (a: AuthStatus | 'not-authenticated' | null) => boolean> = {
  competing: (a) => a !== null && a !== 'not-authenticated' && a.competing === true,
  drop: (a) => a === 'not-authenticated' || (a !== null && !a.authenticated),
  login: (a) => a !== null && a !== 'not-authenticated' && a.authenticated && a.connected && !a.competing,
};

/** The seed library's poll interval. */
const SEED_POLL_MS = 3_000;
const DEFAULT_SLOW_POLL_MS = 12_000;

function schedule(changes: number): ChangeKind[] {
  return Array.from({ length: changes }, (_, i) => KINDS[i % KINDS.length]!);
}

function byKind(samples: readonly { kind: ChangeKind; ms: number }[]): Record<string, Summary> {
  const out: Record<string, Summary> = { all: summarize(samples.map((s) => s.ms)) };
  for (const kind of KINDS) out[kind] = summarize(samples.filter((s) => s.kind === kind).map((s) => s.ms));
  return out;
}

/** With the WebSocket, real time: push-driven changes should show within a few frames. */
async function withWebSocket(changes: number, random: () => number): Promise<{ kind: ChangeKind; ms: number }[]> {
  const rig = await startRig(
    { authDelayMs: 0, heartbeatMs: 10_000, autoLogoutDelayMs: 120_000, idleTimeoutMs: 0 },
    { timing: { monitor: { brokerageGraceMs: 50, brokerageRetryMs: 200 } }, requestTimeoutMs: 5_000 },
  );
  const samples: { kind: ChangeKind; ms: number }[] = [];
  try {
    await logIn(rig);
    for (const kind of schedule(changes)) {
      await waitForSnapshot(rig.engine, (s) => s.state === 'ready' && s.lastTickleAt !== null, 'ready');
      let started: number;
      if (kind === 'login') {
        // Logged out first (not measured); the login page is open when the browser login completes.
        await rig.sim.control.expireSso();
        await rig.engine.refresh();
        await inState(rig.engine, 'login-required');
        await rig.engine.dispatch({ type: 'log-in' });
        // A random phase against the login poll, as a user would finish typing at any moment.
        await new Promise((resolve) => setTimeout(resolve, random() * 3_000));
        started = performance.now();
        await rig.sim.control.login();
      } else {
        // The socket must be following the session (healthy) when the change happens.
        await new Promise((resolve) => setTimeout(resolve, 50 + random() * 200));
        started = performance.now();
        await (kind === 'competing' ? rig.sim.control.competeFromElsewhere() : rig.sim.control.dropBrokerage());
      }
      await waitForSnapshot(rig.engine, SHOWS[kind], kind, 30_000);
      samples.push({ kind, ms: performance.now() - started });
      if (kind === 'competing') await rig.engine.dispatch({ type: 'take-over' });
    }
  } finally {
    await rig.close();
  }
  return samples;
}

async function logIn(rig: Rig): Promise<void> {
  await inState(rig.engine, 'login-required');
  await rig.engine.dispatch({ type: 'log-in' });
  await rig.sim.control.login();
  await inState(rig.engine, 'ready');
}

/** Polling only, on simulated time, with the seed's 3 s poller alongside. */
async function pollingOnly(changes: number, random: () => number): Promise<{ engine: { kind: ChangeKind; ms: number }[]; seed: { kind: ChangeKind; ms: number }[] }> {
  const clock = new ManualClock();
  let activity = 0;
  let rig: Rig | null = null;
  const time = new SimulatedTime(() => rig?.sim ?? null, clock, { activity: () => activity + (rig?.engine.snapshot().seq ?? 0) });
  rig = await startRig(
    { clock, authDelayMs: 0, autoLogoutDelayMs: 120_000 },
    { clock, useWebSocket: false, timing: {}, requestTimeoutMs: 5_000, log: () => activity++ },
  );
  const engine = rig.engine;
  const sim = rig.sim;
  // The seed library's way: GET auth/status every 3 s.
  const seedClient = createGatewayClient({ baseUrl: sim.url, pin: sim.fingerprint256, clock, timeoutMs: 5_000 });
  let seen: AuthStatus | 'not-authenticated' | null = null;
  let seedTimer: unknown = null;
  const poll = (delay: number): void => {
    seedTimer = clock.setTimeout(() => {
      seedClient.authStatus().then(
        (a) => (seen = a),
        () => (seen = 'not-authenticated'),
      );
      poll(SEED_POLL_MS);
    }, delay);
  };

  const engineSamples: { kind: ChangeKind; ms: number }[] = [];
  const seedSamples: { kind: ChangeKind; ms: number }[] = [];
  try {
    await time.until(() => engine.snapshot().state === 'login-required', 60_000, 'login required');
    // Its own phase, once the engine's schedule runs: otherwise the two 3 s schedules may tick in step.
    poll(1 + Math.round(random() * (SEED_POLL_MS - 2)));
    await whilePending(time, engine.dispatch({ type: 'log-in' }));
    await sim.control.login();
    await time.until(() => engine.snapshot().state === 'ready', 60_000, 'ready');
    for (const kind of schedule(changes)) {
      await time.until(() => engine.snapshot().state === 'ready', 180_000, 'ready before a change');
      if (kind === 'login') {
        await sim.control.expireSso();
        await time.until(() => engine.snapshot().state === 'login-required', 180_000, 'login required');
        await whilePending(time, engine.dispatch({ type: 'log-in' }));
      }
      // Any moment within the longest poll interval.
      await time.advance(Math.round(random() * DEFAULT_SLOW_POLL_MS));
      const started = clock.now();
      if (kind === 'competing') await sim.control.competeFromElsewhere();
      else if (kind === 'drop') await sim.control.dropBrokerage();
      else await sim.control.login();
      let engineAt: number | null = null;
      let seedAt: number | null = null;
      await time.until(
        () => {
          engineAt ??= SHOWS[kind](engine.snapshot()) ? clock.now() : null;
          seedAt ??= POLLER_SEES[kind](seen) ? clock.now() : null;
          return engineAt !== null && seedAt !== null;
        },
        180_000,
        `${kind} seen`,
      );
      engineSamples.push({ kind, ms: engineAt! - started });
      seedSamples.push({ kind, ms: seedAt! - started });
      if (kind === 'competing') await whilePending(time, engine.dispatch({ type: 'take-over' }));
    }
  } finally {
    if (seedTimer !== null) clock.clearTimeout(seedTimer);
    seedClient.dispose();
    await rig.close();
  }
  return { engine: engineSamples, seed: seedSamples };
}

export async function statusLatency(options: { changes?: number } = {}): Promise<FigureResult> {
  const changes = options.changes ?? 51;
  const random = seededRandom(1);
  const ws = byKind(await withWebSocket(changes, random));
  const polled = await pollingOnly(changes, random);
  const poll = byKind(polled.engine);
  const seed = byKind(polled.seed);
  const ms = (v: number): string => `${round(v)} ms`;
  const rows = [
    ...(['all', ...KINDS] as const).map((k) => ({
      measure: `WebSocket, ${k}: median / p95 (n=${ws[k]!.n})`,
      value: `${ms(ws[k]!.median)} / ${ms(ws[k]!.p95)}`,
      reference: `seed 3 s poll: ${ms(seed[k]!.median)} / ${ms(seed[k]!.p95)}`,
      ratio: round(ws[k]!.median / seed[k]!.median),
    })),
    ...(['all', ...KINDS] as const).map((k) => ({
      measure: `polling only, ${k}: median / p95 (n=${poll[k]!.n})`,
      value: `${ms(poll[k]!.median)} / ${ms(poll[k]!.p95)}`,
      reference: `seed 3 s poll: ${ms(seed[k]!.median)} / ${ms(seed[k]!.p95)}`,
      ratio: round(poll[k]!.median / seed[k]!.median),
    })),
  ];
  return {
    id: 'status-latency',
    title: '1. Status-change latency (change in the simulator → engine snapshot)',
    method: `${changes} changes per mode (competing, drop, login in turn). WebSocket: real time. Polling only: simulated time (ManualClock shared by simulator and engine, default intervals: auth/status every ${DEFAULT_SLOW_POLL_MS / 1000} s when ready, 1 s while a login the app started is awaited; tickle every 60 s), the seed's 3 s poller in the same run. Expected seed mean: 1.5 s.`,
    rows,
    targets: [
      { name: 'latency with the WebSocket', target: 'median < 250 ms', measured: ms(ws['all']!.median), met: ws['all']!.median < 250 },
      {
        name: 'latency polling only',
        target: `median < the poll interval (${DEFAULT_SLOW_POLL_MS} ms)`,
        measured: ms(poll['all']!.median),
        met: poll['all']!.median < DEFAULT_SLOW_POLL_MS,
      },
    ],
    data: { webSocket: ws, pollingOnly: poll, seedPoller: seed, seedExpectedMeanMs: SEED_POLL_MS / 2 },
  };
}
