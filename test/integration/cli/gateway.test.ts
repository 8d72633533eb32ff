/**
 * `ibkr-tray gateway …` and `keepalive` with a gateway folder: the fake folder
 * (test/sim/clientportal.gw) run by the command itself as a real process tree, on a free port.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, makeGatewayFolder, type GatewayFolder } from '../../sim/gateway-folder.js';
import { onlyJson, run } from './command.js';
import { cliFixtures } from './fixtures.js';
import { until } from '../../sim/until.js';
import { isProcessAlive as alive } from '../../../src/main/core/gateway/process-tree.js';

const fixtures = cliFixtures();
const configDir = fixtures.configDir;
const start = fixtures.start;
const folders: GatewayFolder[] = [];
/** Process groups a test started through the command: ended (by pid) whatever the test's outcome. */
const groups: number[] = [];

afterEach(async () => {
  for (const pid of groups.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await Promise.all(folders.splice(0).map((f) => f.cleanup()));
});

/** A copy of the fake gateway folder whose conf.yaml listens on a free port. */
async function gatewayFolder(): Promise<{ dir: string; port: number }> {
  const folder = await makeGatewayFolder();
  folders.push(folder);
  const port = await freePort();
  const conf = path.join(folder.dir, 'root', 'conf.yaml');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(/listenPort: \d+/, `listenPort: ${port}`));
  return { dir: folder.dir, port };
}

describe('gateway start | status | logs | stop', () => {
  it('starts the folder gateway, which outlives the command; status and logs see it; stop ends the whole tree', async () => {
    const { dir, port } = await gatewayFolder();
    const config = configDir();
    const cli = (...args: string[]) => run(['--dir', dir, '--timeout', '2', ...args], { configDir: config });

    const before = await cli('gateway', 'status');
    expect(before.code).toBe(3);
    expect(before.stdout).toMatch(/^gateway not running/);

    const started = await cli('--json', 'gateway', 'start');
    expect(started.code).toBe(0);
    const doc = onlyJson(started) as { started: boolean; gateway: { running: boolean; pid: number; startedByUs: boolean; url: string } };
    expect(doc).toMatchObject({ started: true, gateway: { running: true, startedByUs: true, url: `https://localhost:${port}` } });
    const pid = doc.gateway.pid;
    groups.push(pid);
    expect(alive(pid)).toBe(true);

    // The command has exited; the gateway keeps serving, and the URL follows the folder's conf.
    const status = await cli('status');
    expect(status.code).toBe(2);
    expect(status.stdout).toContain(`https://localhost:${port}`);
    const gatewayStatus = await cli('gateway', 'status');
    expect(gatewayStatus).toMatchObject({ code: 0 });
    expect(gatewayStatus.stdout).toBe(`gateway running (pid ${pid}, started by ibkr-tray) — https://localhost:${port}\n`);

    const again = await cli('gateway', 'start');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^already running/);

    const logs = await cli('gateway', 'logs');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/Server listening on port/);

    const stopped = await cli('gateway', 'stop');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/stopped/);
    await until(`the gateway (pid ${pid}) to end`, () => !alive(pid), 5_000);
    const after = await cli('gateway', 'status');
    expect(after.code).toBe(3);
  });

  it('gateway logs --follow prints what the gateway appends until Ctrl-C', async () => {
    const { dir, port } = await gatewayFolder();
    const config = configDir();
    const started = await run(['--dir', dir, '--json', 'gateway', 'start'], { configDir: config });
    expect(started.code).toBe(0);
    groups.push((onlyJson(started) as { gateway: { pid: number } }).gateway.pid);
    const follow = start(['--dir', dir, 'gateway', 'logs', '--follow'], { configDir: config });
    await follow.waitForOutput(/Server listening on port/);
    // A request to the gateway appends a line to its log.
    expect((await run(['--dir', dir, 'status'], { configDir: config })).code).toBe(2);
    await follow.waitForOutput(/GET \/v1\/api\/iserver\/auth\/status 401/);
    follow.signal('SIGINT');
    expect(await follow.done).toMatchObject({ code: 0 });
    expect((await run(['--dir', dir, 'gateway', 'stop'], { configDir: config })).code).toBe(0);
    expect(port).toBeGreaterThan(0);
  });

  it('needs a gateway folder to start (1) and says so in one line', async () => {
    const result = await run(['gateway', 'start'], { configDir: configDir() });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('ibkr-tray: no gateway folder yet: run `ibkr-tray gateway install`, or pass --dir FOLDER (the folder that contains bin/ and root/)\n');
  });

  it('refuses a folder that is not a gateway folder', async () => {
    const empty = configDir();
    const result = await run(['--dir', empty, 'gateway', 'start'], { configDir: configDir() });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^ibkr-tray: cannot start the gateway: .*bin/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a folder that is not a gateway folder even while a gateway serves the port its conf names', async () => {
    // A gateway already serving there is not this folder's: "already running" would adopt it.
    const sim = await fixtures.simulator();
    const port = Number(new URL(sim.url).port);
    const notAGateway = configDir();
    mkdirSync(path.join(notAGateway, 'root'));
    writeFileSync(path.join(notAGateway, 'root', 'conf.yaml'), `    listenPort: ${port}\n    listenSsl: true\n`);
    const result = await run(['--dir', notAGateway, 'gateway', 'start'], { configDir: configDir() });
    expect(result.stderr).toMatch(/^ibkr-tray: cannot start the gateway: .*bin/);
    expect(result.code).toBe(1);
  });

  it('gateway stop with nothing running is a no-op (0)', async () => {
    const { dir } = await gatewayFolder();
    const result = await run(['--dir', dir, 'gateway', 'stop'], { configDir: configDir() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^gateway not running/);
  });
});

describe('keepalive', () => {
  it('starts the gateway, prints a line per change, and on SIGTERM stops the gateway it started', async () => {
    const { dir, port } = await gatewayFolder();
    const config = configDir();
    const keepalive = start(['--dir', dir, 'keepalive'], { configDir: config });
    await keepalive.waitForOutput(/login required: .* — https:\/\/localhost:\d+/, 20_000);
    const pid = JSON.parse(readFileSync(path.join(config, 'gateway.pid.json'), 'utf8')) as { pid: number };
    groups.push(pid.pid);
    expect(alive(pid.pid)).toBe(true);
    // Each line is stamped: "YYYY-MM-DD HH:MM:SS <status line>".
    expect(keepalive.stdout()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /m);
    keepalive.signal('SIGTERM');
    const result = await keepalive.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/the gateway this run started was stopped too/);
    await until(`the gateway (pid ${pid.pid}) to end`, () => !alive(pid.pid), 5_000);
    expect(port).toBeGreaterThan(0);
  });

  it('leaves a gateway it did not start running', async () => {
    const { dir } = await gatewayFolder();
    const config = configDir();
    const started = await run(['--dir', dir, '--json', 'gateway', 'start'], { configDir: config });
    const pid = (onlyJson(started) as { gateway: { pid: number } }).gateway.pid;
    groups.push(pid);
    const keepalive = start(['--dir', dir, 'keepalive'], { configDir: config });
    await keepalive.waitForOutput(/login required/, 20_000);
    keepalive.signal('SIGINT');
    const result = await keepalive.done;
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/stopped too/);
    expect(alive(pid)).toBe(true);
    expect((await run(['--dir', dir, 'gateway', 'stop'], { configDir: config })).code).toBe(0);
  });
});
