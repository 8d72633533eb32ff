/**
 * Figure 7: `ibkr-tray wait`, the built command in a new process each run, against an in-process
 * simulator (IBKR's pacing on):
 * - how long after the session becomes ready (the simulated IBKR reports it authenticated) the
 *   command exits, with the default interval, the login placed at a seeded random phase of the
 *   wait's checks; beside it, in the same runs and against the same logins, the seed's way: an
 *   auth/status poll every 3 s (target: median ≤ 1 s);
 * - `wait --timeout 3` against a gateway whose every forwarded request hangs (IBKR unreachable):
 *   when it exits, from its spawn (target: within 3 s ± 0.5 s, every run).
 * Real time, medians of RUNS runs.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator } from '../test/sim/index.js';
import { BIN } from './command-startup.js';
import type { FigureResult } from './figure.js';
import { seededRandom } from '../test/sim/seeded-random.js';
import { round, summarize } from './statistics.js';

const RUNS = 7;
const TIMEOUT_RUNS = 5;
const TIMEOUT_S = 3;
const SEED_POLL_MS = 3_000;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Resolve once `condition` holds (checked every 5 ms: the figure's resolution), or reject after `ms`. */
async function when(what: string, condition: () => boolean | Promise<boolean>, ms = 30_000): Promise<number> {
  const deadline = performance.now() + ms;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`bench: no ${what} within ${ms} ms`);
    await pause(5);
  }
  return performance.now();
}

function command(args: readonly string[], configDir: string): { exited: Promise<{ code: number | null; at: number; stderr: string }>; spawnedAt: number } {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [BIN, '--config-dir', configDir, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; at: number; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, at: performance.now(), stderr })));
  return { exited, spawnedAt };
}

/** The seed library's way: GET auth/status every 3 s until it says authenticated; resolves with when it saw it. */
function seedPoller(sim: Simulator, stop: AbortSignal): Promise<number> {
  const ask = (): Promise<boolean> =>
    new Promise((resolve) => {
      const req = https.get(`${sim.url}/v1/api/iserver/auth/status`, { rejectUnauthorized: false, timeout: 5_000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => {
          try {
            const status = JSON.parse(body) as { authenticated?: boolean; connected?: boolean };
            resolve(status.authenticated === true && status.connected === true);
          } catch {
            resolve(false);
          }
        });
      });
      req.on('error', () => resolve(false));
    });
  return (async () => {
    for (;;) {
      if (await ask()) return performance.now();
      if (stop.aborted) return Number.NaN;
      await pause(SEED_POLL_MS);
    }
  })();
}

export async function waitLatency(): Promise<FigureResult> {
  const random = seededRandom(21);
  const afterReady: number[] = [];
  const seedAfterReady: number[] = [];
  const timeoutExits: number[] = [];
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-bench-wait-'));
  try {
    for (let i = 0; i < RUNS; i++) {
      const sim = await startSimulator({ authDelayMs: 0, emptyAccountsAnswers: 0 });
      const stop = new AbortController();
      try {
        const checks = (): number => sim.requests.filter((r) => r.path === '/v1/api/iserver/auth/status').length;
        const wait = command(['--gateway', sim.url, 'wait', '--timeout', '60'], configDir);
        const seed = seedPoller(sim, stop.signal);
        // Two checks in (both pollers running), then the login at a random phase of the next second.
        await when('second check of wait', () => checks() >= 3);
        await pause(random() * 1_000);
        await sim.control.login();
        const readyAt = await when('authenticated session', async () => (await sim.control.state()).authenticated);
        const exit = await wait.exited;
        if (exit.code !== 0) throw new Error(`bench: wait exited ${exit.code}: ${exit.stderr}`);
        afterReady.push(exit.at - readyAt);
        seedAfterReady.push((await seed) - readyAt);
      } finally {
        stop.abort();
        await sim.stop();
      }
    }
    for (let i = 0; i < TIMEOUT_RUNS; i++) {
      const sim = await startSimulator({ authDelayMs: 0 });
      try {
        await sim.control.setUnreachable(true);
        const wait = command(['--gateway', sim.url, 'wait', '--timeout', String(TIMEOUT_S)], configDir);
        const exit = await wait.exited;
        if (exit.code !== 4) throw new Error(`bench: wait --timeout exited ${exit.code}: ${exit.stderr}`);
        timeoutExits.push(exit.at - wait.spawnedAt);
      } finally {
        await sim.stop();
      }
    }
  } finally {
    fs.rmSync(configDir, { recursive: true, force: true });
  }
  const ours = summarize(afterReady);
  const seed = summarize(seedAfterReady);
  const deadline = summarize(timeoutExits);
  const worstMiss = Math.max(...timeoutExits.map((ms) => Math.abs(ms - TIMEOUT_S * 1000)));
  const ms = (v: number): string => `${round(v)} ms`;
  return {
    id: 'wait-latency',
    title: '7. `ibkr-tray wait`: exit after the session is ready, and `--timeout` against a hanging gateway',
    method: `${RUNS} runs of the built command (a new process each), login at a seeded random phase after its second check; the seed's 3 s auth/status poll watches the same logins. ${TIMEOUT_RUNS} runs of \`wait --timeout ${TIMEOUT_S}\` with every forwarded request hanging, timed from the spawn. Real time.`,
    rows: [
      { measure: 'wait: exit after the session is ready (median)', value: ms(ours.median), reference: `seed 3 s poll ${ms(seed.median)}`, ratio: round(ours.median / seed.median) },
      { measure: 'wait: exit after ready (p95 / max)', value: `${ms(ours.p95)} / ${ms(ours.max)}`, reference: `seed ${ms(seed.p95)} / ${ms(seed.max)}`, ratio: null },
      { measure: `wait --timeout ${TIMEOUT_S}, requests hang: exit (median / max)`, value: `${ms(deadline.median)} / ${ms(deadline.max)}`, reference: `${TIMEOUT_S * 1000} ms ± 500`, ratio: null },
    ],
    targets: [
      { name: 'wait: exit after ready', target: 'median ≤ 1 s', measured: ms(ours.median), met: ours.median <= 1_000 },
      { name: `wait --timeout ${TIMEOUT_S} with hanging requests`, target: `every run within ${TIMEOUT_S} s ± 0.5 s of its spawn`, measured: `worst ${ms(worstMiss)} off`, met: worstMiss <= 500 },
    ],
    data: { afterReadyMs: afterReady, seedAfterReadyMs: seedAfterReady, timeoutExitMs: timeoutExits },
  };
}
