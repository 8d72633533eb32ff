/**
 * The gateway's lifecycle across processes, with real processes against the fake gateway folder:
 * a `gateway stop` from another process while `serve` or `keepalive` watches the gateway (the
 * user's stop, never restarted), a crash under keepalive (said in a line; the restarted gateway is
 * this run's, stopped on Ctrl-C), and two `gateway start`s at once (one gateway, one pid reported).
 * Liveness by /proc state (processesIn): pid 1 here does not reap orphans.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { restartDelayMs } from '../../../src/main/core/gateway/restart-budget.js';
import { WebRoutes } from '../../../src/shared/routes.js';
import { freePort, makeGatewayFolder, type GatewayFolder } from '../../sim/gateway-folder.js';
import { processesIn } from '../../sim/processes.js';
import { until } from '../../sim/until.js';
import { run } from './command.js';
import { cliFixtures } from './fixtures.js';

const fixtures = cliFixtures();
const folders: GatewayFolder[] = [];

afterEach(async () => {
  // Whatever the test's outcome: end every process still running in the folders (by pid), then remove them.
  for (const folder of folders) {
    for (const pid of processesIn(folder.dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await Promise.all(folders.splice(0).map((f) => f.cleanup()));
});

async function gatewayFolder(): Promise<string> {
  const folder = await makeGatewayFolder();
  folders.push(folder);
  const port = await freePort();
  const conf = path.join(folder.dir, 'root', 'conf.yaml');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(/listenPort: \d+/, `listenPort: ${port}`));
  return folder.dir;
}

function record(config: string): { pid: number; listenerPid?: number } {
  return JSON.parse(readFileSync(path.join(config, 'gateway.pid.json'), 'utf8')) as { pid: number; listenerPid?: number };
}

/**
 * The longest the supervisor waits before its first automatic restart (restart-budget.ts: the delay
 * with the most jitter), plus what a restart then takes to show a process on a busy machine.
 */
const PAST_FIRST_RESTART_MS = restartDelayMs(1, () => 1) + 3_000;

/** Past the first restart's delay, with no process in `dir` at any check on the way (a restart would show one). */
async function staysStopped(dir: string, what: () => void = () => undefined): Promise<void> {
  const deadline = Date.now() + PAST_FIRST_RESTART_MS;
  await until(
    'the first restart delay to pass with nothing running',
    () => {
      expect(processesIn(dir)).toEqual([]);
      what();
      return Date.now() > deadline;
    },
    PAST_FIRST_RESTART_MS + 5_000,
    100,
  );
}

describe('a gateway stopped from another process', () => {
  it('is not restarted by keepalive, which shows it stopped by the user', async () => {
    const dir = await gatewayFolder();
    const config = fixtures.configDir();
    const keepalive = fixtures.start(['--dir', dir, 'keepalive'], { configDir: config });
    await keepalive.waitForOutput(/login required/, 20_000);
    expect(processesIn(dir).length).toBeGreaterThan(0);

    const stopped = await run(['--dir', dir, 'gateway', 'stop'], { configDir: config });
    expect(stopped.code).toBe(0);
    await keepalive.waitForOutput(/gateway stopped: You stopped the gateway/, 10_000);
    const linesAtStop = keepalive.stdout();
    await staysStopped(dir, () => expect(keepalive.stdout()).toBe(linesAtStop));

    keepalive.signal('SIGINT');
    const result = await keepalive.done;
    expect(result.code).toBe(0);
    // Nothing after the user's stop: no crash line, no restart.
    expect(result.stdout.slice(result.stdout.indexOf('You stopped the gateway'))).not.toMatch(/unexpectedly|starting/);
    expect(processesIn(dir)).toEqual([]);
  });

  it('is not restarted by serve, whose dashboard shows it stopped', async () => {
    const dir = await gatewayFolder();
    const config = fixtures.configDir();
    const serve = fixtures.start(['--dir', dir, 'serve', '--port', String(await freePort())], { configDir: config });
    const [, url] = (await serve.waitForOutput(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\S*)\n/, 20_000)) as unknown as [string, string];
    const token = new URL(url).searchParams.get('token') ?? '';
    const snapshotUrl = new URL(WebRoutes.getSnapshot.path, url);
    const read = async (): Promise<{ state: string; reason: string; gateway: { running: boolean } }> =>
      (await (await fetch(snapshotUrl, { headers: { authorization: `Bearer ${token}` } })).json()) as { state: string; reason: string; gateway: { running: boolean } };
    await until('serve to start the gateway', async () => (await read()).state === 'login-required', 20_000, 100);
    expect(processesIn(dir).length).toBeGreaterThan(0);

    expect((await run(['--dir', dir, 'gateway', 'stop'], { configDir: config })).code).toBe(0);
    await until('the dashboard to show the user\'s stop', async () => {
      const now = await read();
      return now.state === 'stopped' && /You stopped the gateway/.test(now.reason) && !now.gateway.running;
    }, 10_000, 100);
    await staysStopped(dir);
    expect(await read()).toMatchObject({ state: 'stopped', gateway: { running: false } });

    serve.signal('SIGINT');
    expect((await serve.done).code).toBe(0);
  });
});

describe('keepalive and a gateway that crashed', () => {
  it('says so in one line, restarts it, and on Ctrl-C stops the gateway it restarted', async () => {
    const dir = await gatewayFolder();
    const config = fixtures.configDir();
    // Running before keepalive: not this run's to stop, until keepalive restarts it after a crash.
    expect((await run(['--dir', dir, 'gateway', 'start'], { configDir: config })).code).toBe(0);
    const first = record(config);
    const keepalive = fixtures.start(['--dir', dir, 'keepalive'], { configDir: config });
    await keepalive.waitForOutput(/login required/, 20_000);

    process.kill(first.listenerPid ?? first.pid, 'SIGKILL');
    await keepalive.waitForOutput(/the gateway stopped unexpectedly \([^)]+\); starting it again \(restart 1 of 3\)\n/, 10_000);
    const second = await until('the restarted gateway\'s record', () => {
      try {
        const now = record(config);
        return now.pid !== first.pid && now.listenerPid !== undefined ? now : null;
      } catch {
        return null;
      }
    }, 20_000, 100);
    await keepalive.waitForOutput(/login required[^\n]*\n[\s\S]*login required/, 20_000);
    expect(keepalive.stdout().match(/stopped unexpectedly/g)).toHaveLength(1);

    keepalive.signal('SIGINT');
    const result = await keepalive.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/stopped; the gateway this run started was stopped too\n$/);
    await until(`the restarted gateway (pid ${second.pid}) to end`, () => processesIn(dir).length === 0, 10_000);
  });
});

describe('two gateway starts at once on one folder', () => {
  it('start one gateway: one says started, the other "already running", with the pid gateway stop then reports', async () => {
    const dir = await gatewayFolder();
    const config = fixtures.configDir();
    const starts = await Promise.all([0, 1].map(() => run(['--dir', dir, 'gateway', 'start'], { configDir: config })));
    expect(starts.map((s) => s.code)).toEqual([0, 0]);
    const lines = starts.map((s) => s.stdout).sort();
    const pid = record(config).pid;
    expect(lines[0]).toMatch(new RegExp(`^already running: gateway running \\(pid ${pid}, started by ibkr-tray\\)`));
    expect(lines[1]).toMatch(new RegExp(`^gateway running \\(pid ${pid}, started by ibkr-tray\\)`));
    // One tree: run.sh and its "java" (the simulator), nothing of a second start left.
    const tree = processesIn(dir);
    expect(tree).toContain(pid);
    expect(tree).toHaveLength(2);

    const stopped = await run(['--dir', dir, 'gateway', 'stop'], { configDir: config });
    expect(stopped).toMatchObject({ code: 0, stdout: `Gateway process ${pid} stopped.\n` });
    await until('the gateway to end', () => processesIn(dir).length === 0, 10_000);
  });
});
