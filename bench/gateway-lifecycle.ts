/**
 * Figure 3: starting and stopping the gateway through the fake gateway folder (a real process tree:
 * bash bin/run.sh → the "java"), with the supervisor's default settings.
 * - start: from the port accepting connections to the supervisor saying "running"; reference: the
 *   port's own listen time (launch → accept), the same moment measured on the same launch.
 * - stop: from stop() to the last process of the group gone; reference: the same tree started by
 *   hand and sent SIGTERM directly (the gateway's own exit time).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ProcessGatewaySupervisor } from '../src/main/core/gateway/process.js';
import { freePort } from '../src/main/core/gateway/port.js';
import { copyGatewayFolder, groupPids } from '../test/integration/core/gateway-folder.js';
import type { FigureResult } from './figure.js';
import { round, summarize } from './statistics.js';

const RUNS = 5;
const POLL_MS = 5;

/** Resolve with performance.now() at the first TCP connection the port accepts (checked every 5 ms). */
function firstAccept(port: number, limitMs = 20_000): { at: Promise<number>; cancel: () => void } {
  let cancelled = false;
  const deadline = performance.now() + limitMs;
  const at = new Promise<number>((resolve, reject) => {
    const attempt = (): void => {
      if (cancelled) return reject(new Error('cancelled'));
      if (performance.now() > deadline) return reject(new Error(`port ${port} never accepted`));
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        const t = performance.now();
        socket.destroy();
        resolve(t);
      });
      socket.once('error', () => {
        socket.destroy();
        setTimeout(attempt, POLL_MS);
      });
    };
    attempt();
  });
  at.catch(() => undefined);
  return { at, cancel: () => (cancelled = true) };
}

/** Resolve with performance.now() once no live process is left in group `pgid`. */
async function groupGone(pgid: number, limitMs = 20_000): Promise<number> {
  const deadline = performance.now() + limitMs;
  while (groupPids(pgid).length > 0) {
    if (performance.now() > deadline) throw new Error(`process group ${pgid} still alive`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return performance.now();
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone
  }
}

interface Sample {
  launchToAccept: number;
  acceptToReady: number;
  stopToGone: number;
}

async function throughSupervisor(): Promise<Sample> {
  const port = await freePort();
  const { folder, cleanup } = await copyGatewayFolder(port);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-bench-state-'));
  const supervisor = new ProcessGatewaySupervisor({ folder, stateDir });
  let launchedAt: number | null = null;
  let pgid: number | null = null;
  supervisor.on((event) => {
    if (event.type === 'state' && event.state.kind === 'starting' && event.state.pid !== null) {
      launchedAt ??= performance.now();
      pgid = event.state.pid;
    }
  });
  const accept = firstAccept(port);
  try {
    await supervisor.start();
    const readyAt = performance.now();
    const acceptedAt = await accept.at;
    if (launchedAt === null || pgid === null) throw new Error('the supervisor never said which process it launched');
    const stopAt = performance.now();
    await supervisor.stop();
    const goneAt = await groupGone(pgid);
    return { launchToAccept: acceptedAt - launchedAt, acceptToReady: readyAt - acceptedAt, stopToGone: goneAt - stopAt };
  } finally {
    accept.cancel();
    await supervisor.dispose();
    if (pgid !== null) killGroup(pgid);
    await cleanup();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/** The same folder started by hand (bash bin/run.sh root/conf.yaml, its own group) and sent SIGTERM. */
async function byHand(): Promise<{ launchToAccept: number; stopToGone: number }> {
  const port = await freePort();
  const { folder, cleanup } = await copyGatewayFolder(port);
  const launchedAt = performance.now();
  const child = spawn('bash', ['bin/run.sh', 'root/conf.yaml'], { cwd: folder, detached: true, stdio: 'ignore' });
  const pgid = child.pid!;
  const accept = firstAccept(port);
  try {
    const acceptedAt = await accept.at;
    const stopAt = performance.now();
    process.kill(-pgid, 'SIGTERM');
    const goneAt = await groupGone(pgid);
    return { launchToAccept: acceptedAt - launchedAt, stopToGone: goneAt - stopAt };
  } finally {
    accept.cancel();
    killGroup(pgid);
    await cleanup();
  }
}

export async function gatewayLifecycle(): Promise<FigureResult> {
  const supervised: Sample[] = [];
  const manual: { launchToAccept: number; stopToGone: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    supervised.push(await throughSupervisor());
    manual.push(await byHand());
  }
  const acceptToReady = summarize(supervised.map((s) => s.acceptToReady));
  const listen = summarize(supervised.map((s) => s.launchToAccept));
  const listenByHand = summarize(manual.map((s) => s.launchToAccept));
  const stop = summarize(supervised.map((s) => s.stopToGone));
  const stopByHand = summarize(manual.map((s) => s.stopToGone));
  const ms = (v: number): string => `${round(v)} ms`;
  return {
    id: 'gateway-lifecycle',
    title: '3. Gateway start and stop (fake gateway folder, real process tree)',
    method: `${RUNS} supervised starts/stops (default supervisor settings: readiness probed every 200 ms) and ${RUNS} by hand, alternating; medians. The fake gateway, like the real one, listens ~1.2 s after launch and exits a moment after SIGTERM (facts §1).`,
    rows: [
      { measure: 'start: port accepts → supervisor says running', value: ms(acceptToReady.median), reference: `port's own listen time (launch → accept) ${ms(listen.median)}`, ratio: round(acceptToReady.median / listen.median) },
      { measure: 'start: launch → accept, supervised vs by hand', value: ms(listen.median), reference: ms(listenByHand.median), ratio: round(listen.median / listenByHand.median) },
      { measure: 'stop: stop() → last process gone', value: ms(stop.median), reference: `SIGTERM by hand → gone ${ms(stopByHand.median)}`, ratio: round(stop.median / stopByHand.median) },
    ],
    targets: [],
    data: { supervised, byHand: manual, acceptToReady, listen, listenByHand, stop, stopByHand },
  };
}
