/**
 * The engine over the real supervisor and the simulator's fake gateway folder, started as a real
 * process tree: start with the app, "stop" remembered across an app restart, start again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/main/core/engine.js';
import { ProcessGatewaySupervisor } from '../../../src/main/core/gateway/process.js';
import { alive, copyGatewayFolder } from '../core/gateway-folder.js';
import { FAST_TIMING, inState, waitForSnapshot } from './harness.js';
import { freePort } from '../../sim/gateway-folder.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const port = await freePort();
  const { folder, cleanup: removeFolder } = await copyGatewayFolder(port);
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-engine-gw-'));
  const pids = new Set<number>();
  cleanups.push(() => {
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(configDir, { recursive: true, force: true });
    return removeFolder();
  });
  const make = async (): Promise<Engine> => {
    const engine = await createEngine({
      configDir,
      gatewayFolder: folder,
      requestTimeoutMs: 2_000,
      timing: FAST_TIMING,
      createSupervisor: ({ folder: f, clock, configDir: dir }) =>
        new ProcessGatewaySupervisor({
          folder: f,
          clock,
          stateDir: dir,
          env: { ...process.env, IBKR_SIM_EXIT_DELAY_MS: '200' },
          readyTimeoutMs: 15_000,
          stopGraceMs: 3_000,
          pollIntervalMs: 100,
          watchIntervalMs: 200,
        }),
    });
    engine.subscribe((s) => {
      if (s.gateway.pid) pids.add(s.gateway.pid);
    });
    cleanups.push(() => engine.dispose({ stopGateway: true }));
    return engine;
  };
  return { port, make };
}

describe('engine with the real supervisor and the fake gateway folder', () => {
  it('starts the gateway with the app, stops it on request, and a restarted app keeps it stopped', async () => {
    const { port, make } = await setup();
    const engine = await make();
    await engine.start();
    const up = await inState(engine, 'login-required', 20_000);
    expect(up.gateway.running).toBe(true);
    expect(up.gateway.port).toBe(port);
    expect(up.gateway.startedByUs).toBe(true);
    expect(up.actions.stopGateway).toBe(true);
    const pid = up.gateway.pid!;
    expect(alive(pid)).toBe(true);

    expect((await engine.dispatch({ type: 'stop-gateway' })).ok).toBe(true);
    const stopped = await inState(engine, 'stopped');
    expect(stopped.reason).toMatch(/You stopped the gateway/);
    expect(stopped.actions.startGateway).toBe(true);
    expect(alive(pid)).toBe(false);
    await engine.dispose();

    // The app restarts: "start gateway with the app" is on, but the user's "stop" wins.
    const again = await make();
    await again.start();
    const still = await again.refresh();
    expect(still.state).toBe('stopped');
    expect(still.gateway.running).toBe(false);

    expect((await again.dispatch({ type: 'start-gateway' })).ok).toBe(true);
    await waitForSnapshot(again, (s) => s.state === 'login-required' && s.gateway.running, 'the gateway up again', 20_000);
    expect(again.settings.get().userIntent).toBeNull();
  });

  it('an app restarted beside the gateway it started: running before it adopts, ours after, stopped on quit when asked', async () => {
    const { make } = await setup();
    const first = await make();
    await first.start();
    const pid = (await inState(first, 'login-required', 20_000)).gateway.pid!;
    await first.dispose(); // the app quits without stopping it (its pid record stays)
    expect(alive(pid)).toBe(true);

    const again = await make();
    // Before start() the supervisor has not looked: what answered is what the snapshot says.
    const before = await again.refresh();
    expect(before.gateway.running).toBe(true);
    await again.start();
    const adopted = await waitForSnapshot(again, (s) => s.gateway.running && s.gateway.pid === pid, 'the recorded gateway adopted', 20_000);
    expect(adopted.gateway.startedByUs).toBe(true);
    await again.dispose({ stopGateway: true });
    expect(alive(pid)).toBe(false);
  });
});
