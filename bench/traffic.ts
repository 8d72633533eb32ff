/**
 * Figure 2: what the engine costs the gateway (and IBKR behind it).
 * - Idle and ready: requests per minute over 15 simulated minutes, on a ManualClock shared by the
 *   simulator and the engine (default intervals), with the WebSocket and polling only.
 * - A storm of 200 concurrent intents (refresh, select-account, take-over, retry) in real time
 *   against a simulator enforcing IBKR's limits: the most requests in any one-second window, the
 *   closest two tickles, sso/validate count, and the 429s.
 * Reference: IBKR's published limits (10 requests/s, tickle 1/s, sso/validate 1/min).
 */
import type { Intent } from '../src/shared/intents.js';
import { SimulatedTime, whilePending } from '../test/fault/simulated-time.js';
import { inState, startRig, waitForSnapshot, type Rig } from '../test/integration/engine/harness.js';
import type { RequestRecord } from '../test/sim/api.js';
import { ManualClock } from '../test/sim/manual-clock.js';
import type { FigureResult } from './figure.js';
import { maxInWindow, round } from './statistics.js';

const IDLE_MINUTES = 15;
const WEBSOCKET = /\/ws$/;
const TICKLE = '/v1/api/tickle';
const SSO_VALIDATE = '/v1/api/sso/validate';

function countByPath(records: readonly RequestRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[`${r.method} ${r.path}`] = (out[`${r.method} ${r.path}`] ?? 0) + 1;
  return out;
}

/** Idle and ready for IDLE_MINUTES simulated minutes: HTTP requests per minute (WebSocket upgrades apart). */
async function idle(useWebSocket: boolean): Promise<{ perMinute: number; upgrades: number; byPath: Record<string, number>; tooMany: number }> {
  const clock = new ManualClock();
  let activity = 0;
  let rig: Rig | null = null;
  const time = new SimulatedTime(() => rig?.sim ?? null, clock, { activity: () => activity + (rig?.engine.snapshot().seq ?? 0) });
  rig = await startRig({ clock, authDelayMs: 3_000 }, { clock, useWebSocket, timing: {}, requestTimeoutMs: 5_000, log: () => activity++ });
  try {
    const { engine, sim } = rig;
    await time.until(() => engine.snapshot().state === 'login-required', 60_000, 'login required');
    await whilePending(time, engine.dispatch({ type: 'log-in' }));
    await sim.control.login();
    await time.until(() => engine.snapshot().state === 'ready' && engine.snapshot().selectedAccount !== null, 120_000, 'ready');
    // Let the login's follow-ups (accounts, the socket's first frames) finish before counting.
    await time.advance(120_000);
    const from = sim.requests.length;
    const start = clock.now();
    await time.advance(IDLE_MINUTES * 60_000);
    const minutes = (clock.now() - start) / 60_000;
    const records = sim.requests.slice(from);
    const http = records.filter((r) => !WEBSOCKET.test(r.path));
    if (engine.snapshot().state !== 'ready') throw new Error(`idle run left ready: ${engine.snapshot().state} — ${engine.snapshot().reason}`);
    return {
      perMinute: http.length / minutes,
      upgrades: records.length - http.length,
      byPath: countByPath(http),
      tooMany: records.filter((r) => r.status === 429).length,
    };
  } finally {
    await rig.close();
  }
}

/** 200 intents at once, real time, the simulator enforcing IBKR's limits (a 429 and a penalty box when broken). */
async function storm(): Promise<{ intents: number; requests: number; maxPerSecond: number; closestTicklesMs: number | null; ssoValidates: number; tooMany: number; refused: number; seconds: number }> {
  const rig = await startRig(
    { authDelayMs: 0, accounts: [{ id: 'DU1111111' }, { id: 'DU2222222' }], pacing: true },
    { timing: {}, requestTimeoutMs: 5_000 },
  );
  try {
    await inState(rig.engine, 'login-required');
    await rig.engine.dispatch({ type: 'log-in' });
    await rig.sim.control.login();
    await waitForSnapshot(rig.engine, (s) => s.state === 'ready' && s.accounts.length === 2, 'ready with both accounts', 20_000);
    // Past the tickle's and sso/validate's own pacing windows of the login, so the storm starts clean.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const from = rig.sim.requests.length;
    const kinds: Intent[] = [
      { type: 'refresh' },
      { type: 'select-account', accountId: 'DU1111111' },
      { type: 'select-account', accountId: 'DU2222222' },
      { type: 'take-over' },
      { type: 'retry' },
    ];
    const intents = Array.from({ length: 200 }, (_, i) => kinds[i % kinds.length]!);
    const started = performance.now();
    const results = await Promise.all(intents.map((intent) => rig.engine.dispatch(intent)));
    const seconds = (performance.now() - started) / 1000;
    // Whatever the intents set off (a check after a selection, the socket) gets a moment to land too.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const records = rig.sim.requests.slice(from).filter((r) => !WEBSOCKET.test(r.path));
    const tickles = records.filter((r) => r.path === TICKLE).map((r) => r.at);
    let closest: number | null = null;
    for (let i = 1; i < tickles.length; i++) closest = Math.min(closest ?? Infinity, tickles[i]! - tickles[i - 1]!);
    return {
      intents: intents.length,
      requests: records.length,
      maxPerSecond: maxInWindow(
        records.map((r) => r.at),
        1_000,
      ),
      closestTicklesMs: closest,
      ssoValidates: records.filter((r) => r.path === SSO_VALIDATE).length,
      tooMany: rig.sim.requests.filter((r) => r.status === 429).length,
      refused: results.filter((r) => !r.ok).length,
      seconds,
    };
  } finally {
    await rig.close();
  }
}

export async function gatewayTraffic(): Promise<FigureResult> {
  const withSocket = await idle(true);
  const pollingOnly = await idle(false);
  const burst = await storm();
  const rows = [
    {
      measure: 'idle + ready, WebSocket: HTTP requests/min',
      value: `${round(withSocket.perMinute)}/min (+${withSocket.upgrades} socket upgrades)`,
      reference: 'IBKR: tickle ~1/min asked, 600/min allowed',
      ratio: round(withSocket.perMinute / 600),
    },
    {
      measure: 'idle + ready, polling only: HTTP requests/min',
      value: `${round(pollingOnly.perMinute)}/min`,
      reference: '600/min allowed',
      ratio: round(pollingOnly.perMinute / 600),
    },
    {
      measure: `storm of ${burst.intents} intents: most requests in any 1 s`,
      value: `${burst.maxPerSecond} (${burst.requests} requests in ${round(burst.seconds)} s)`,
      reference: 'IBKR: 10/s',
      ratio: round(burst.maxPerSecond / 10),
    },
    {
      measure: 'storm: closest two tickles',
      value: burst.closestTicklesMs === null ? 'fewer than 2 tickles' : `${burst.closestTicklesMs} ms`,
      reference: 'IBKR: 1/s (1000 ms)',
      ratio: burst.closestTicklesMs === null ? null : round(burst.closestTicklesMs / 1000),
    },
    { measure: 'storm: sso/validate requests', value: String(burst.ssoValidates), reference: 'IBKR: 1/min', ratio: null },
    { measure: 'storm: 429 answers', value: String(burst.tooMany), reference: 'must be 0', ratio: null },
  ];
  return {
    id: 'gateway-traffic',
    title: '2. Gateway traffic',
    method: `Idle: ${IDLE_MINUTES} simulated minutes after ready (ManualClock shared by simulator and engine, default intervals; counted per simulated minute). Storm: real time, simulator enforcing IBKR's limits; ${burst.refused} of ${burst.intents} intents were refused by the state (e.g. take-over while nothing competes).`,
    rows,
    targets: [
      { name: 'idle traffic (WebSocket)', target: '≤ 2 requests/min', measured: `${round(withSocket.perMinute)}/min`, met: withSocket.perMinute <= 2 },
      { name: 'storm within IBKR limits', target: '≤ 10 requests in any 1 s', measured: String(burst.maxPerSecond), met: burst.maxPerSecond <= 10 },
      {
        name: 'storm tickle pacing',
        target: 'tickles ≥ 1000 ms apart',
        measured: burst.closestTicklesMs === null ? 'n/a' : `${burst.closestTicklesMs} ms`,
        met: burst.closestTicklesMs === null || burst.closestTicklesMs >= 1000,
      },
      { name: 'storm sso/validate', target: '≤ 1 per minute', measured: String(burst.ssoValidates), met: burst.ssoValidates <= Math.ceil(burst.seconds / 60) },
      { name: 'storm 429s', target: '0', measured: String(burst.tooMany), met: burst.tooMany === 0 },
    ],
    data: { idleWebSocket: withSocket, idlePollingOnly: pollingOnly, storm: burst },
  };
}
