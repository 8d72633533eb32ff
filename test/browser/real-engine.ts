/**
 * A real engine against a simulator, as the dashboard's browser tests run it: no supervisor (the
 * simulator is the gateway), short request timeouts and fast polls so that a page sees each change
 * within a second or two, and no login page of its own (the page opens the gateway's login tab, as
 * `ibkr-tray serve` does).
 */
import { createEngine, type Engine } from '../../src/main/core/engine.js';
import type { Simulator } from '../sim/index.js';

export function engineOn(sim: Simulator, configDir: string, profile?: string): Promise<Engine> {
  return createEngine({
    configDir,
    ...(profile === undefined ? {} : { profile }),
    gatewayUrl: sim.url,
    createSupervisor: null,
    requestTimeoutMs: 1500,
    openLoginPage: () => undefined,
    timing: { monitor: { fastPollMs: 500, slowPollMs: 1000, brokerageGraceMs: 500, brokerageRetryMs: 1000, backoffInitialMs: 500, backoffMaxMs: 2000 } },
  });
}
