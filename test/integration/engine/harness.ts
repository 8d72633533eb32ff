/**
 * An engine wired to the in-process simulator with short intervals, and a way to wait for the
 * snapshot a user would see (subscribe + deadline, never a sleep).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, type Engine, type EngineOptions } from '../../../src/main/core/engine.js';
import type { AppSnapshot } from '../../../src/shared/snapshot.js';
import type { RequestRecord, SimOptions, Simulator } from '../../sim/api.js';
import { startSimulator } from '../../sim/index.js';

export const FAST_SIM: SimOptions = { authDelayMs: 200, heartbeatMs: 300, autoLogoutDelayMs: 300 };

export const FAST_TIMING: NonNullable<EngineOptions['timing']> = {
  monitor: { fastPollMs: 200, slowPollMs: 600, brokerageGraceMs: 400, brokerageRetryMs: 300, backoffInitialMs: 200, backoffMaxMs: 800 },
  socket: { heartbeatTimeoutMs: 1_200, reconnectInitialMs: 100, reconnectMaxMs: 800, ticIntervalMs: 1_000, handshakeTimeoutMs: 1_000 },
  accounts: { emptyRetryMs: 150 },
};

export interface Rig {
  readonly sim: Simulator;
  readonly engine: Engine;
  readonly configDir: string;
  readonly opened: string[];
  /** Another engine on the same simulator and settings folder (an app restart). */
  restart(): Promise<Engine>;
  close(): Promise<void>;
}

export async function startRig(simOptions: SimOptions = {}, engineOptions: Partial<EngineOptions> = {}, configDir?: string): Promise<Rig> {
  const sim = await startSimulator({ ...FAST_SIM, ...simOptions });
  const dir = configDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-engine-'));
  const opened: string[] = [];
  const engines: Engine[] = [];
  const make = async (): Promise<Engine> => {
    const engine = await createEngine({
      gatewayUrl: sim.url,
      configDir: dir,
      createSupervisor: null,
      // Above the tickle's 1.2 s pacing interval, so a refresh right after a tickle waits for its slot.
      requestTimeoutMs: 2_000,
      openLoginPage: (url) => {
        opened.push(url);
      },
      timing: FAST_TIMING,
      ...engineOptions,
    });
    engines.push(engine);
    await engine.start();
    return engine;
  };
  const engine = await make();
  return {
    sim,
    engine,
    configDir: dir,
    opened,
    restart: async () => {
      await engines.at(-1)?.dispose();
      return make();
    },
    close: async () => {
      for (const e of engines) await e.dispose();
      await sim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolve with the first snapshot (current or next) that satisfies `predicate`; reject at the deadline. */
export function waitForSnapshot(engine: Engine, predicate: (s: AppSnapshot) => boolean, what: string, timeoutMs = 10_000): Promise<AppSnapshot> {
  return new Promise((resolve, reject) => {
    const done = (s: AppSnapshot): boolean => {
      if (!predicate(s)) return false;
      clearTimeout(timer);
      unsubscribe();
      resolve(s);
      return true;
    };
    const timer = setTimeout(() => {
      unsubscribe();
      const s = engine.snapshot();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last snapshot: ${s.state} — ${s.reason}`));
    }, timeoutMs);
    const unsubscribe = engine.subscribe((s) => {
      done(s);
    });
    done(engine.snapshot());
  });
}

export const inState = (engine: Engine, state: AppSnapshot['state'], timeoutMs?: number): Promise<AppSnapshot> =>
  waitForSnapshot(engine, (s) => s.state === state, `state ${state}`, timeoutMs);

/** Requests to `path` (exact) since index `from` of the log. */
export function requestsTo(sim: Simulator, pathName: string, from = 0, method?: string): RequestRecord[] {
  return sim.requests.slice(from).filter((r) => r.path === pathName && (!method || r.method === method));
}

/** Log in through the simulator (what the user does on the login page) and wait for "ready". */
export async function logInAndWait(rig: Rig): Promise<AppSnapshot> {
  await waitForSnapshot(rig.engine, (s) => s.actions.logIn, 'Log in to be offered');
  const result = await rig.engine.dispatch({ type: 'log-in' });
  if (!result.ok) throw new Error(`log-in refused: ${result.reason}`);
  await rig.sim.control.login();
  return waitForSnapshot(rig.engine, (s) => s.state === 'ready' && s.selectedAccount !== null, 'ready with an account');
}

/** Resolve once the engine's WebSocket follows the session (a 101 in the log and polling stopped). */
export function socketOpened(sim: Simulator, from = 0): boolean {
  return requestsTo(sim, '/v1/api/ws', from).some((r) => r.status === 101);
}
