/**
 * keepalive prints one line per change of state, in order: no stale "gateway stopped" before its
 * first real check while the gateway runs, and one "ready" (not one per detail that fills in).
 * Against the fake gateway folder, as a real process tree: the case where the engine adopts it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, makeGatewayFolder, startGatewayFolder, type RunningGatewayFolder } from '../../sim/gateway-folder.js';
import { until } from '../../sim/until.js';
import { cliFixtures } from './fixtures.js';

const fixtures = cliFixtures();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The fake gateway running from a folder whose own root/conf.yaml names its port (so --dir finds it). */
async function runningFolder(): Promise<RunningGatewayFolder> {
  const folder = await makeGatewayFolder();
  cleanups.push(() => folder.cleanup());
  const port = await freePort();
  const conf = path.join(folder.dir, 'root', 'conf.yaml');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(/listenPort: \d+/, `listenPort: ${port}`));
  const gateway = await startGatewayFolder({ dir: folder.dir, port, authDelayMs: 100 });
  cleanups.push(() => gateway.stop());
  return gateway;
}

/** The lines without their time stamp. */
function lines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, ''));
}

describe('keepalive lines', () => {
  it('prints each change once, in order, starting from the first real check', async () => {
    const gateway = await runningFolder();
    await gateway.control.login();
    await until('the simulated session to be authenticated', async () => (await gateway.control.state()).authenticated, 10_000, 50);
    const keepalive = fixtures.start(['--dir', gateway.dir, 'keepalive'], { configDir: fixtures.configDir() });
    await keepalive.waitForOutput(/ ready: .*\n/, 20_000);
    await gateway.control.competeFromElsewhere();
    await keepalive.waitForOutput(/ competing session: .*\n/, 20_000);
    keepalive.signal('SIGINT');
    const result = await keepalive.done;
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      `ready: user123, paper, account DU1234567 — ${gateway.url}`,
      `competing session: Another IBKR platform (TWS, IBKR Mobile, Client Portal) is using this login. Take over to use it here. — ${gateway.url}`,
      'stopped',
    ]);
  }, 60_000);
});
