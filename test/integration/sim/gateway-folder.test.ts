/**
 * The fake gateway folder as a real process tree (gateway-facts.md §1): started with
 * `bash bin/run.sh root/<conf>.yaml` from a temporary copy.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TickleSchema } from '../../../src/main/core/gateway/schemas.js';
import { freePort, makeGatewayFolder, startGatewayFolder, writeConf, type GatewayFolder } from '../../sim/gateway-folder.js';
import { until } from '../../sim/until.js';
import { call, callJson } from './pinned-client.js';
import { isProcessAlive as alive } from '../../../src/main/core/gateway/process-tree.js';

let folder: GatewayFolder;
beforeAll(async () => {
  folder = await makeGatewayFolder();
});
afterAll(async () => {
  await folder.cleanup();
});

function childrenOf(pid: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter(Boolean).map(Number);
}

describe('started the documented way', () => {
  it('prints the 16-line banner, serves HTTPS, obeys its control API and writes logs/', async () => {
    const gw = await startGatewayFolder({ dir: folder.dir, authDelayMs: 100, pacing: false });
    try {
      const lines = gw.stdout().split('\n');
      const controlLine = lines.findIndex((l) => l.startsWith('control: '));
      expect(controlLine).toBe(16);
      expect(lines[14]).toBe(`Open https://localhost:${gw.port} to login`);
      expect(lines[15]).toBe(`App demo is available after you login under: https://localhost:${gw.port}/demo#/`);
      expect((await call(gw, '/'))?.status).toBe(302);
      expect((await call(gw, '/v1/api/tickle', { method: 'POST' }))?.status).toBe(401);
      await gw.control.login();
      await until('the simulated IBKR to be authenticated', async () => (await gw.control.state()).authenticated, 3000);
      const tickle = TickleSchema.parse((await callJson(gw, '/v1/api/tickle', { method: 'POST' })).json);
      expect(tickle.iserver?.authStatus?.authenticated).toBe(true);
      expect((await gw.control.requests()).some((r) => r.path === '/v1/api/tickle' && r.status === 200)).toBe(true);
      expect(readdirSync(join(gw.dir, 'logs')).some((f) => /^gw\.\d{4}-\d{2}-\d{2}\.log$/.test(f))).toBe(true);
      expect(existsSync(join(gw.dir, '.vertx'))).toBe(true);
    } finally {
      await gw.stop();
    }
    expect(alive(gw.pid)).toBe(false);
  });

  it('runs the simulator as a child of bash: killing bash leaves it serving; SIGTERM to it ends it', async () => {
    const gw = await startGatewayFolder({ dir: folder.dir });
    try {
      const [child] = childrenOf(gw.pid);
      expect(child).toBeGreaterThan(0);
      process.kill(gw.pid, 'SIGTERM');
      await until('run.sh to exit', () => !alive(gw.pid), 10_000);
      expect(alive(child!)).toBe(true);
      expect((await call(gw, '/'))?.status).toBe(302);
      process.kill(child!, 'SIGTERM');
      await until('java to exit', () => !alive(child!), 6000);
    } finally {
      await gw.stop();
    }
  });

  it('prints the banner, then "Server listen failed Address already in use", and keeps running when the port is taken', async () => {
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', () => resolve()));
    const conf = await writeConf(folder.dir, 'busy', port);
    const child = spawn('bash', ['bin/run.sh', conf], { cwd: folder.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    try {
      await until('the listen failure on stderr', () => err.includes('Server listen failed Address already in use'), 10_000);
      expect(out).toContain(`Open https://localhost:${port} to login`);
      await new Promise((r) => setTimeout(r, 500));
      expect(child.exitCode).toBeNull();
      expect(childrenOf(child.pid!).length).toBe(1);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
      holder.close();
    }
  });
});

describe('the real error exits', () => {
  function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
    const result = spawnSync('/bin/bash', args, { cwd, env, encoding: 'utf8', timeout: 20_000 });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
  }

  it('no argument: usage, exit 1', () => {
    const r = run(['bin/run.sh'], folder.dir);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/^usage: /);
  });

  it('wrong working directory: main class not found, exit 1', () => {
    const r = run([join(folder.dir, 'bin/run.sh'), 'root/conf.yaml'], tmpdir());
    expect(r.code).toBe(1);
    expect(r.output).toContain('Error: Could not find or load main class ibgroup.web.core.clientportal.gw.GatewayStart');
  });

  it('absolute or missing conf path: Failed to load configuration file, Stream closed, exit 1', () => {
    for (const conf of [join(folder.dir, 'root/conf.yaml'), 'root/missing.yaml']) {
      const r = run(['bin/run.sh', conf], folder.dir);
      expect(r.code).toBe(1);
      expect(r.output).toContain(`Failed to load configuration file: ../${conf}`);
      expect(r.output).toContain('java.io.IOException: Stream closed');
    }
  });

  it('no java on PATH: bash\'s "java: command not found", exit 127', () => {
    const bin = mkdtempSync(join(tmpdir(), 'no-java-'));
    try {
      symlinkSync(spawnSync('/bin/bash', ['-c', 'command -v dirname'], { encoding: 'utf8' }).stdout.trim(), join(bin, 'dirname'));
      const r = run(['bin/run.sh', 'root/conf.yaml'], folder.dir, { PATH: bin });
      expect(r.code).toBe(127);
      expect(r.output).toContain('java: command not found');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
