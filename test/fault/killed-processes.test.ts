/**
 * Processes killed with SIGKILL, with the fake gateway folder as a real process tree
 * (bash bin/run.sh → the "java"):
 * - the gateway dies mid-session: the engine notices, the supervisor restarts it within its budget,
 *   and the snapshot says so;
 * - `ibkr-tray keepalive --dir …` dies and is started again: it adopts the gateway the first run
 *   started (same pid, same port, no second gateway).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/main/core/engine.js';
import { PidFile } from '../../src/main/core/gateway/pidfile.js';
import { probeGateway } from '../../src/main/core/gateway/port.js';
import { ProcessGatewaySupervisor } from '../../src/main/core/gateway/process.js';
import type { AppSnapshot } from '../../src/shared/snapshot.js';
import { ensureBuilt, start, tempConfigDir, type RunningCommand } from '../integration/cli/command.js';
import { childPids, copyGatewayFolder, groupPids } from '../integration/core/gateway-folder.js';
import { until } from '../sim/until.js';
import { FAST_TIMING, waitForSnapshot } from '../integration/engine/harness.js';
import { controlClient } from '../sim/control-http.js';
import { processesIn } from '../sim/processes.js';
import { freePort } from '../sim/gateway-folder.js';

/** The fake gateway prints its control address at once and exits soon after SIGTERM. */
const FAST_GATEWAY_ENV = { IBKR_SIM_CONTROL_LINE_DELAY_MS: '0', IBKR_SIM_EXIT_DELAY_MS: '200', IBKR_SIM_AUTH_DELAY_MS: '200' };

const cleanups: (() => Promise<void> | void)[] = [];
/** Every process group a test saw, killed outright at the end whatever happened. */
const groups = new Set<number>();

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  groups.clear();
});

async function gatewayFolder(): Promise<{ folder: string; port: number }> {
  const port = await freePort();
  const { folder, cleanup } = await copyGatewayFolder(port);
  cleanups.push(cleanup);
  return { folder, port };
}


describe('the gateway killed with SIGKILL mid-session', () => {
  it('the engine notices, the supervisor restarts it within its budget, and the snapshot says so', async () => {
    const { folder, port } = await gatewayFolder();
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-fault-kill-'));
    cleanups.push(() => fs.rmSync(configDir, { recursive: true, force: true }));
    const engine: Engine = await createEngine({
      configDir,
      gatewayFolder: folder,
      requestTimeoutMs: 1_000,
      timing: FAST_TIMING,
      openLoginPage: () => undefined,
      createSupervisor: (o) =>
        new ProcessGatewaySupervisor({
          folder: o.folder,
          stateDir: o.configDir,
          clock: o.clock,
          env: { ...process.env, ...FAST_GATEWAY_ENV },
          pollIntervalMs: 100,
          watchIntervalMs: 200,
          restartDelayMs: () => 200,
          stopGraceMs: 3_000,
        }),
    });
    cleanups.push(() => engine.dispose({ stopGateway: true }));
    const snapshots: AppSnapshot[] = [];
    engine.subscribe((s) => snapshots.push(s));
    await engine.start();
    const first = await waitForSnapshot(engine, (s) => s.state === 'login-required' && s.gateway.running, 'login required', 20_000);
    const pgid = first.gateway.pid!;
    groups.add(pgid);
    expect(first.gateway.startedByUs).toBe(true);

    await until('the control address in the log', () => engine.log().some((l) => /^control: http/.test(l.text)), 10_000);
    const controlUrl = /^control: (http:\S+)/.exec(engine.log().find((l) => /^control: http/.test(l.text))!.text)![1]!;
    await engine.dispatch({ type: 'log-in' });
    await controlClient(controlUrl).login();
    await waitForSnapshot(engine, (s) => s.state === 'ready', 'ready', 15_000);

    // SIGKILL the "java" (run.sh's child); bash then exits too.
    const [java] = childPids(pgid);
    expect(java).toBeDefined();
    const mark = snapshots.length;
    process.kill(java!, 'SIGKILL');

    // The snapshot shows the gateway restarting, then a new process asking for a new login.
    const restarting = await waitForSnapshot(engine, (s) => s.state === 'starting', 'starting again', 10_000);
    expect(restarting.reason).toMatch(/Starting the gateway|checking the session/);
    const back = await waitForSnapshot(engine, (s) => s.state === 'login-required' && s.gateway.running && s.gateway.pid !== pgid, 'login required on a new gateway', 20_000);
    groups.add(back.gateway.pid!);
    expect(snapshots.slice(mark).map((s) => s.state)).not.toContain('failed');
    expect(engine.log().some((l) => /stopped unexpectedly .*restart 1 of 3/.test(l.text))).toBe(true);
    expect(groupPids(pgid)).toEqual([]);
    await expect(probeGateway(port, true)).resolves.toBe('gateway');
    expect(processesIn(folder)).toHaveLength(groupPids(back.gateway.pid!).length);
  });
});

describe('the keepalive killed with SIGKILL and started again', () => {
  it('adopts the running gateway: same pid, same port, no second gateway', async () => {
    ensureBuilt();
    const { folder, port } = await gatewayFolder();
    const configDir = tempConfigDir();
    cleanups.push(() => fs.rmSync(configDir, { recursive: true, force: true }));
    const running: RunningCommand[] = [];
    cleanups.push(async () => {
      for (const c of running) c.signal('SIGKILL');
      await Promise.all(running.map((c) => c.done));
    });
    const keepalive = (): RunningCommand => {
      const c = start(['--dir', folder, 'keepalive'], { configDir, env: FAST_GATEWAY_ENV });
      running.push(c);
      return c;
    };

    const first = keepalive();
    await first.waitForOutput(/login required/, 20_000);
    const record = new PidFile(configDir).read();
    expect(record).toMatchObject({ port });
    const pgid = record!.pid;
    groups.add(pgid);
    const tree = groupPids(pgid);
    expect(tree.length).toBeGreaterThanOrEqual(2);

    first.signal('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    // The gateway lives on without its keepalive (its own process group).
    expect(groupPids(pgid).sort()).toEqual(tree.sort());
    await expect(probeGateway(port, true)).resolves.toBe('gateway');

    const second = keepalive();
    await second.waitForOutput(/login required/, 20_000);
    // Adopted, not started again: the same record, the same processes, nothing else in the folder.
    expect(new PidFile(configDir).read()).toMatchObject({ pid: pgid, port });
    expect(groupPids(pgid).sort()).toEqual(tree.sort());
    expect(processesIn(folder).sort()).toEqual(tree.sort());
    await expect(probeGateway(port, true)).resolves.toBe('gateway');

    // Ctrl-C: the second run did not start this gateway, so it leaves it running.
    second.signal('SIGINT');
    expect((await second.done).code).toBe(0);
    expect(groupPids(pgid).sort()).toEqual(tree.sort());
  });
});
