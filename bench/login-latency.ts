/**
 * Figure: a login the app started, from the moment the gateway's session is ready to the moment the
 * engine's snapshot says ready — what keeps the login window (or `ibkr-tray login --wait`) open.
 *
 * On a ManualClock shared by the simulator and the engine (simulated time, real loopback TLS), with
 * the gateway's real login chain: "Client login succeeds", then the brokerage session AUTH_DELAY_MS
 * later (gateway-facts §6). Two runs with the engine's default timing: with the login window's hint
 * (the success page calls loginPageDone()), and without it (only the 1 s checks of a login in
 * progress). The seed library's 3 s auth/status poller watches the same logins in the same run: the
 * reference. The user finishes typing at a random moment against the schedules.
 */
import { createGatewayClient } from '../src/main/core/gateway/client.js';
import type { AuthStatus } from '../src/main/core/gateway/schemas.js';
import { SimulatedTime, whilePending } from '../test/fault/simulated-time.js';
import { startRig, type Rig } from '../test/integration/engine/harness.js';
import { ManualClock } from '../test/sim/manual-clock.js';
import type { FigureResult } from './figure.js';
import { seededRandom } from '../test/sim/seeded-random.js';
import { round, summarize, type Summary } from './statistics.js';

/** The gateway's authDelay (its shipped conf.yaml): success page → brokerage session up. */
const AUTH_DELAY_MS = 3_000;
const SEED_POLL_MS = 3_000;
/** The engine's log line of a request that checks the session (what the pace is about). */
const CHECK_LINE = /^(GET|POST) \S*(\/iserver\/auth\/status|\/tickle) /;

interface Run {
  /** Gateway ready → snapshot ready, per login. */
  readonly engine: number[];
  /** Gateway ready → the seed's poller sees it, per login. */
  readonly seed: number[];
  /** The most checks in any one second while the engine waited (success page → ready seen), per login. */
  readonly checksInASecond: number[];
  /** 429 answers seen. */
  tooMany: number;
}

async function measure(logins: number, hint: boolean, random: () => number): Promise<Run> {
  const clock = new ManualClock();
  let activity = 0;
  let rig: Rig | null = null;
  const time = new SimulatedTime(() => rig?.sim ?? null, clock, { activity: () => activity + (rig?.engine.snapshot().seq ?? 0) });
  // When the engine itself checked (its log has a line per request; the seed's poller shares the simulator).
  const engineChecks: number[] = [];
  rig = await startRig(
    { clock, authDelayMs: AUTH_DELAY_MS, autoLogoutDelayMs: 120_000 },
    {
      clock,
      useWebSocket: false,
      timing: {},
      requestTimeoutMs: 5_000,
      log: (line) => {
        activity++;
        if (CHECK_LINE.test(line)) engineChecks.push(clock.now());
      },
    },
  );
  const { engine, sim } = rig;
  // The seed library's way: GET auth/status every 3 s, at its own phase.
  const seedClient = createGatewayClient({ baseUrl: sim.url, pin: sim.fingerprint256, clock, timeoutMs: 5_000 });
  let seen: AuthStatus | null = null;
  let seedTimer: unknown = null;
  const poll = (delay: number): void => {
    seedTimer = clock.setTimeout(() => {
      seedClient.authStatus().then(
        (a) => (seen = a),
        () => (seen = null),
      );
      poll(SEED_POLL_MS);
    }, delay);
  };
  const seedSeesReady = (): boolean => seen !== null && seen.authenticated && seen.connected && !seen.competing;

  const run: Run = { engine: [], seed: [], checksInASecond: [], tooMany: 0 };
  try {
    await time.until(() => engine.snapshot().state === 'login-required', 60_000, 'login required');
    poll(1 + Math.round(random() * (SEED_POLL_MS - 2)));
    for (let i = 0; i < logins; i++) {
      if (i > 0) {
        await sim.control.expireSso();
        await time.until(() => engine.snapshot().state === 'login-required' && !seedSeesReady(), 180_000, 'logged out again');
      }
      await whilePending(time, engine.dispatch({ type: 'log-in' }));
      // The user types for a while and submits at any moment against the schedules.
      await time.advance(2_000 + Math.round(random() * SEED_POLL_MS));
      const from = engineChecks.length;
      const succeededAt = clock.now();
      await sim.control.login();
      // The window learns of the success page a moment later (its load, then the navigation event).
      if (hint) {
        await time.advance(Math.round(random() * 200));
        engine.loginPageDone();
      }
      const readyAt = succeededAt + AUTH_DELAY_MS;
      let engineAt: number | null = null;
      let seedAt: number | null = null;
      await time.until(
        () => {
          engineAt ??= engine.snapshot().state === 'ready' ? clock.now() : null;
          seedAt ??= seedSeesReady() ? clock.now() : null;
          return engineAt !== null && seedAt !== null;
        },
        60_000,
        'ready seen',
      );
      run.engine.push(Math.max(0, engineAt! - readyAt));
      run.seed.push(Math.max(0, seedAt! - readyAt));
      const waited = engineChecks.slice(from).filter((at) => at <= engineAt!);
      run.checksInASecond.push(Math.max(0, ...waited.map((at) => waited.filter((o) => o >= at && o < at + 1_000).length)));
    }
    run.tooMany = sim.requests.filter((r) => r.status === 429).length;
  } finally {
    if (seedTimer !== null) clock.clearTimeout(seedTimer);
    seedClient.dispose();
    await rig.close();
  }
  return run;
}

export async function loginLatency(options: { logins?: number } = {}): Promise<FigureResult> {
  const logins = options.logins ?? 21;
  const random = seededRandom(7);
  const hinted = await measure(logins, true, random);
  const polled = await measure(logins, false, random);
  const h: Summary = summarize(hinted.engine);
  const p: Summary = summarize(polled.engine);
  const seed: Summary = summarize([...hinted.seed, ...polled.seed]);
  const rate: Summary = summarize(polled.checksInASecond);
  const ms = (v: number): string => `${round(v)} ms`;
  return {
    id: 'login-latency',
    title: '1b. A login the app started: gateway session ready → snapshot ready',
    method: `${logins} logins per mode in simulated time (ManualClock shared by simulator and engine, default engine timing), the gateway's ${AUTH_DELAY_MS / 1000} s login chain, the seed's 3 s poller in the same runs (expected median 1.5 s).`,
    rows: [
      { measure: `with the login window's hint: median / p95 (n=${h.n})`, value: `${ms(h.median)} / ${ms(h.p95)}`, reference: `seed 3 s poll: ${ms(seed.median)} / ${ms(seed.p95)}`, ratio: round(h.median / seed.median) },
      { measure: `without a hint (checks during the login): median / p95 (n=${p.n})`, value: `${ms(p.median)} / ${ms(p.p95)}`, reference: `seed 3 s poll: ${ms(seed.median)} / ${ms(seed.p95)}`, ratio: round(p.median / seed.median) },
      { measure: 'without a hint: most checks in any one second while waiting, median / max', value: `${round(rate.median)} / ${round(rate.max)}`, reference: 'target ≤ 1', ratio: null },
      { measure: '429 answers (both modes)', value: String(hinted.tooMany + polled.tooMany), reference: '0', ratio: null },
    ],
    targets: [
      { name: 'login → ready with the hint', target: 'median ≤ 300 ms', measured: ms(h.median), met: h.median <= 300 },
      { name: 'login → ready without a hint', target: 'median ≤ 1 s', measured: ms(p.median), met: p.median <= 1_000 },
      { name: 'checks while a login is waited for', target: '≤ 1 request/s', measured: `at most ${round(rate.max)} in any second`, met: rate.max <= 1 },
      { name: 'no 429 while logging in', target: '0', measured: String(hinted.tooMany + polled.tooMany), met: hinted.tooMany + polled.tooMany === 0 },
    ],
    data: { hinted, polled, seed },
  };
}
