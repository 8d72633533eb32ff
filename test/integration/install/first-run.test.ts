/**
 * The first run end to end, as the README tells a new user: an empty settings folder, `gateway
 * install` from the (local) download server, `gateway start`, and `status` says login required.
 * An update while it runs stops it for the swap and starts it again.
 * The gateway is the simulator's fake folder, zipped with its .sim-home so the copy runs; it is
 * stopped at the end through the command, and its process group killed whatever the outcome.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isProcessAlive } from '../../../src/main/core/gateway/process-tree.js';
import { withListenPort } from '../../../src/main/core/gateway/conf.js';
import { freePort, makeGatewayFolder } from '../../sim/gateway-folder.js';
import { onlyJson, run } from '../cli/command.js';
import { cliFixtures } from '../cli/fixtures.js';
import { startDownloadServer, zipFolder, type DownloadServer } from './download-server.js';

const fixtures = cliFixtures();
let server: DownloadServer;
const groups: number[] = [];

beforeAll(async () => {
  server = await startDownloadServer();
}, 60_000);
afterAll(async () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await server.close();
});

/** The fake folder's zip with conf.yaml on a free port (5000 may be taken on a developer's machine). */
async function zipOnFreePort(port: number): Promise<Buffer> {
  const folder = await makeGatewayFolder();
  try {
    const conf = path.join(folder.dir, 'root', 'conf.yaml');
    writeFileSync(conf, withListenPort(readFileSync(conf, 'utf8'), port));
    return await zipFolder(folder.dir);
  } finally {
    await folder.cleanup();
  }
}

it('empty settings folder → gateway install → gateway start → status: login required', async () => {
  const config = fixtures.configDir();
  const port = await freePort();
  server.serve('clientportal.gw.zip', await zipOnFreePort(port));
  const cli = (...args: string[]) =>
    run(['--timeout', '3', ...args], { configDir: config, env: { NODE_EXTRA_CA_CERTS: server.caFile, HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '' } });

  // Before anything: doctor names the missing gateway folder first, with what to run.
  const empty = await cli('--json', 'doctor');
  expect(empty.code).toBe(1);
  expect(onlyJson(empty)).toMatchObject({ ok: false, exitCode: 1, checks: expect.arrayContaining([expect.objectContaining({ check: 'gateway folder', status: 'fail', fix: expect.stringMatching(/ibkr-tray gateway install/) })]) });

  const installed = await cli('gateway', 'install', '--from', `${server.origin}/file/clientportal.gw.zip`);
  expect(installed.code, installed.stderr).toBe(0);
  expect(installed.stdout).toMatch(/installed the gateway in .*clientportal\.gw.*\nnext: `ibkr-tray gateway start`\n$/);

  const started = await cli('--json', 'gateway', 'start');
  expect(started.code, started.stderr).toBe(0);
  const pid = (onlyJson(started).gateway as { pid: number }).pid;
  groups.push(pid);
  expect(isProcessAlive(pid)).toBe(true);

  const status = await cli('status');
  expect(status.code).toBe(2);
  expect(status.stdout).toMatch(/login required/);

  // All is well but the login: doctor's exit code is the session's (2), one line per check.
  const doctor = await cli('doctor');
  expect(doctor.code, doctor.stdout).toBe(2);
  const lines = doctor.stdout.trim().split('\n');
  expect(lines.map((l) => /^\S+\s+([a-z ]+):/.exec(l)?.[1])).toEqual(['settings', 'gateway folder', 'java', 'port', 'certificate', 'session']);
  expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([expect.stringMatching(/^FAIL {2}session: .*run `ibkr-tray login`/)]);
  expect(lines[3]).toMatch(new RegExp(`port ${port}: the gateway answers`));

  // An update while it runs (this file has no ETag, so it is new each time): stopped for the swap, started again.
  // Its words tell the truth: running again, so no "next: gateway start", and the session is gone (facts §4).
  const updated = await cli('gateway', 'install', '--from', `${server.origin}/file/clientportal.gw.zip`);
  expect(updated.code, updated.stderr).toBe(0);
  // The gateway's logs are not the app's to delete: they come along too.
  expect(updated.stdout).toMatch(/^updated the gateway in .*\(kept root\/conf\.yaml[^\n]*; the gateway was restarted: log in again \(`ibkr-tray login`\)\n$/);
  expect(isProcessAlive(pid)).toBe(false);
  const again = await cli('--json', 'gateway', 'status');
  expect(again.code, again.stderr).toBe(0);
  const newPid = (onlyJson(again).gateway as { pid: number }).pid;
  groups.push(newPid);
  expect(newPid).not.toBe(pid);

  const stopped = await cli('gateway', 'stop');
  expect(stopped.code, stopped.stderr).toBe(0);
  expect(isProcessAlive(newPid)).toBe(false);
}, 90_000);
