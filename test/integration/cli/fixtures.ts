/**
 * What every CLI test file sets up: simulators, settings folders and running commands, all ended
 * after each test whatever its outcome.
 */
import { rmSync } from 'node:fs';
import { afterEach, beforeAll } from 'vitest';
import { startSimulator, type SimOptions, type Simulator } from '../../sim/index.js';
import { until } from '../../sim/until.js';
import { ensureBuilt, start, tempConfigDir, type RunningCommand, type RunOptions } from './command.js';

export interface CliFixtures {
  /** A simulator (authDelay 100 ms), stopped after the test. */
  simulator(options?: SimOptions): Promise<Simulator>;
  /** A fresh settings folder, removed after the test. */
  configDir(): string;
  /** A command left running (keepalive, serve, wait…), killed after the test if still running. */
  start(args: readonly string[], options: RunOptions): RunningCommand;
  /** Forget a simulator the test stopped itself. */
  forget(sim: Simulator): void;
}

/** Register the build check and the clean-up for this test file. */
export function cliFixtures(): CliFixtures {
  const sims: Simulator[] = [];
  const dirs: string[] = [];
  const running: RunningCommand[] = [];
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    for (const command of running.splice(0)) command.signal('SIGKILL');
    await Promise.all(sims.splice(0).map((sim) => sim.stop()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return {
    async simulator(options = {}) {
      const sim = await startSimulator({ authDelayMs: 100, ...options });
      sims.push(sim);
      return sim;
    },
    configDir() {
      const dir = tempConfigDir();
      dirs.push(dir);
      return dir;
    },
    start(args, options) {
      const command = start(args, options);
      running.push(command);
      return command;
    },
    forget(sim) {
      sims.splice(sims.indexOf(sim), 1);
    },
  };
}

/** Log in through the simulator and wait (in the simulated IBKR) until the brokerage session is up. */
export async function logIn(sim: Simulator): Promise<void> {
  await sim.control.login();
  await until('the simulated IBKR to be authenticated', async () => (await sim.control.state()).authenticated, 5_000);
}
