/**
 * ProcessGatewaySupervisor's decisions with a fake system, fake children and a fake clock: the
 * restart budget over its 15-minute window, Windows commands, stopping rules. (The real process
 * tree is exercised in test/integration/core/supervisor.test.ts.)
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStartError } from '../../../src/main/core/errors.js';
import { ProcessGatewaySupervisor, type GatewaySystem, type SupervisorOptions } from '../../../src/main/core/gateway/process.js';
import type { ProbeResult } from '../../../src/main/core/gateway/port.js';
import type { ProcessTarget } from '../../../src/main/core/gateway/process-tree.js';
import type { SupervisorEvent } from '../../../src/main/core/gateway/types.js';
import { FakeClock, flush } from './fake-clock.js';

const temp: string[] = [];
afterEach(() => {
  while (temp.length) fs.rmSync(temp.pop()!, { recursive: true, force: true });
});

function gatewayFolder(port = 5000): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-unit-gw-'));
  temp.push(dir);
  for (const d of ['bin', 'root', 'dist']) fs.mkdirSync(path.join(dir, d));
  fs.writeFileSync(path.join(dir, 'bin', 'run.sh'), '');
  fs.writeFileSync(path.join(dir, 'bin', 'run.bat'), '');
  fs.writeFileSync(path.join(dir, 'root', 'conf.yaml'), `    listenPort: ${port}\n    listenSsl: true\n`);
  return dir;
}

interface FakeChild extends EventEmitter {
  pid: number;
  stdout: PassThrough;
  stderr: PassThrough;
}

/** A pretend machine: processes that live until signalled, ports that listen while they do. */
class FakeWorld implements GatewaySystem {
  readonly alive = new Set<number>();
  readonly listening = new Map<number, 'gateway' | 'other'>();
  readonly children = new Map<number, FakeChild>();
  readonly spawned: { command: string; args: readonly string[]; options: SpawnOptions }[] = [];
  readonly signals: [number, string][] = [];
  /** Processes that ignore SIGTERM. */
  readonly stubborn = new Set<number>();
  private nextPid = 1000;
  private portOf = new Map<number, number>();

  spawn = (command: string, args: readonly string[], options: SpawnOptions): ChildProcess => {
    this.spawned.push({ command, args, options });
    const child = Object.assign(new EventEmitter(), { pid: this.nextPid++, stdout: new PassThrough(), stderr: new PassThrough(), unref: () => undefined }) as FakeChild;
    this.children.set(child.pid, child);
    this.alive.add(child.pid);
    const conf = String(args[args.length - 1]);
    const port = conf.includes('ibkr-tray') ? 6001 : 5000;
    this.portOf.set(child.pid, port);
    this.listening.set(port, 'gateway');
    return child as unknown as ChildProcess;
  };

  /** The gateway dies by itself (e.g. java killed). */
  crash(pid: number, code = 137): void {
    this.end(pid);
    this.children.get(pid)?.emit('exit', code, null);
  }

  private end(pid: number): void {
    this.alive.delete(pid);
    const port = this.portOf.get(pid);
    if (port !== undefined) this.listening.delete(port);
  }

  probe = (port: number): Promise<ProbeResult> => Promise.resolve(this.listening.get(port) ?? 'closed');
  isPortFree = (port: number) => Promise.resolve(!this.listening.has(port));
  freePort = () => Promise.resolve(6001);
  isPortOpen = (port: number) => Promise.resolve(this.listening.has(port));
  findListenerPid = () => Promise.resolve<number | null>(null);
  isAlive = (target: ProcessTarget) => this.alive.has(target.pid);
  signal = (target: ProcessTarget, signal: NodeJS.Signals) => {
    this.signals.push([target.pid, signal]);
    if (signal === 'SIGKILL' || !this.stubborn.has(target.pid)) {
      if (this.alive.has(target.pid)) {
        this.end(target.pid);
        this.children.get(target.pid)?.emit('exit', null, signal);
      }
    }
    return Promise.resolve();
  };
}

function setup(options: Partial<SupervisorOptions> = {}) {
  const clock = new FakeClock();
  const world = new FakeWorld();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-unit-state-'));
  temp.push(stateDir);
  const supervisor = new ProcessGatewaySupervisor({
    folder: gatewayFolder(),
    stateDir,
    clock,
    spawn: world.spawn,
    system: world,
    platform: 'linux',
    env: { PATH: '/usr/bin' },
    findJava: () => ({ java: '/usr/bin/java', from: 'PATH' }),
    restartDelayMs: () => 1000,
    ...options,
  });
  const events: SupervisorEvent[] = [];
  supervisor.on((event) => events.push(event));
  const exits = () => events.filter((e): e is Extract<SupervisorEvent, { type: 'exit' }> => e.type === 'exit');
  return { clock, world, supervisor, events, exits, stateDir };
}

function pidOf(supervisor: ProcessGatewaySupervisor): number {
  const state = supervisor.state();
  if (state.kind !== 'running') throw new Error(`not running: ${state.kind}`);
  return state.pid!;
}

describe('restart budget', () => {
  it('restarts 3 times within 15 minutes, then stays failed and says why', async () => {
    const { clock, world, supervisor, exits } = setup();
    await supervisor.start();
    for (let crash = 1; crash <= 3; crash++) {
      world.crash(pidOf(supervisor));
      await flush();
      expect(supervisor.state().kind).toBe('starting');
      await clock.advance(1000);
      expect(supervisor.state().kind).toBe('running');
    }
    world.crash(pidOf(supervisor));
    await flush();
    expect(exits().map((e) => e.willRestart)).toEqual([true, true, true, false]);
    expect(supervisor.state()).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/restarted 3 times within 15 minutes \(last: exit code 137\)/) });
    await clock.advance(60 * 60_000);
    expect(world.spawned).toHaveLength(4);
  });

  it('counts only restarts inside the window: after 15 quiet minutes a crash is restarted again', async () => {
    const { clock, world, supervisor, exits } = setup();
    await supervisor.start();
    for (let crash = 1; crash <= 3; crash++) {
      world.crash(pidOf(supervisor));
      await clock.advance(1000);
    }
    await clock.advance(15 * 60_000);
    world.crash(pidOf(supervisor));
    await clock.advance(1000);
    expect(exits().map((e) => e.willRestart)).toEqual([true, true, true, true]);
    expect(supervisor.state().kind).toBe('running');
  });

  it('a manual start after giving up gets a fresh budget', async () => {
    const { clock, world, supervisor, exits } = setup();
    await supervisor.start();
    for (let crash = 1; crash <= 4; crash++) {
      world.crash(pidOf(supervisor));
      await clock.advance(1000);
    }
    expect(supervisor.state().kind).toBe('failed');
    await supervisor.start();
    world.crash(pidOf(supervisor));
    await flush();
    expect(exits().at(-1)!.willRestart).toBe(true);
  });

  it('an adopted gateway that dies is noticed by its pid and replaced', async () => {
    const { clock, world, supervisor, exits } = setup({ watchIntervalMs: 500 });
    world.listening.set(5000, 'gateway');
    world.alive.add(77);
    world.findListenerPid = () => Promise.resolve(77);
    await expect(supervisor.start()).resolves.toMatchObject({ kind: 'running', pid: 77, adopted: true });
    world.alive.delete(77);
    world.listening.delete(5000);
    await clock.advance(500);
    expect(exits()).toHaveLength(1);
    await clock.advance(1000);
    expect(supervisor.state()).toMatchObject({ kind: 'running', adopted: false });
  });
});

describe('stopping', () => {
  it('SIGTERM to the group, SIGKILL after the grace period', async () => {
    const { clock, world, supervisor } = setup({ stopGraceMs: 3000 });
    await supervisor.start();
    const pid = pidOf(supervisor);
    world.stubborn.add(pid);
    const stopping = supervisor.stop();
    await clock.advance(3500);
    await stopping;
    expect(world.signals).toEqual([
      [pid, 'SIGTERM'],
      [pid, 'SIGKILL'],
    ]);
    expect(supervisor.state()).toMatchObject({ kind: 'stopped' });
  });

  it('refuses to stop an adopted gateway whose process is unknown, with a clear message', async () => {
    const { world, supervisor } = setup();
    world.listening.set(5000, 'gateway');
    await expect(supervisor.start()).resolves.toMatchObject({ kind: 'running', pid: null, adopted: true });
    await expect(supervisor.stop()).rejects.toThrow(/started outside IBKR Tray .* stop it where it was started/);
    expect(supervisor.state().kind).toBe('running');
    expect(world.signals).toEqual([]);
  });

  it('an unexpected exit while stopping is not a crash', async () => {
    const { world, supervisor, exits } = setup();
    await supervisor.start();
    await supervisor.stop();
    expect(exits()).toEqual([]);
    expect(world.spawned).toHaveLength(1);
  });
});

describe('launching', () => {
  it('runs bash bin/run.sh root/conf.yaml detached from the folder, with JAVA_HOME/bin on PATH', async () => {
    const { world, supervisor } = setup({ findJava: () => ({ java: '/opt/jdk/bin/java', from: 'JAVA_HOME' }) });
    await supervisor.start();
    const { command, args, options } = world.spawned[0]!;
    expect([command, ...args]).toEqual(['bash', 'bin/run.sh', 'root/conf.yaml']);
    expect(options).toMatchObject({ detached: true, cwd: expect.stringContaining('ibkr-unit-gw-') });
    expect(options.env?.['PATH']).toBe('/opt/jdk/bin:/usr/bin');
  });

  it('on Windows runs cmd /c bin\\run.bat root\\conf.yaml', async () => {
    const { world, supervisor } = setup({ platform: 'win32' });
    await supervisor.start();
    const { command, args, options } = world.spawned[0]!;
    expect([command, ...args]).toEqual(['cmd', '/c', 'bin\\run.bat', 'root\\conf.yaml']);
    expect(options.detached).toBe(false);
  });

  it('on Windows a taken port is a clear failure (run.bat reads only root\\conf.yaml)', async () => {
    const { world, supervisor } = setup({ platform: 'win32' });
    world.listening.set(5000, 'other');
    const error = (await supervisor.start().catch((e: unknown) => e)) as GatewayStartError;
    expect(error).toBeInstanceOf(GatewayStartError);
    expect(error.kind).toBe('port-taken');
    expect(error.message).toContain('change listenPort there');
    expect(world.spawned).toEqual([]);
  });

  it('writes the pid record while running and removes it when stopped', async () => {
    const { supervisor, stateDir } = setup();
    await supervisor.start();
    const record = JSON.parse(fs.readFileSync(path.join(stateDir, 'gateway.pid.json'), 'utf8'));
    expect(record).toMatchObject({ pid: pidOf(supervisor), port: 5000, tls: true, conf: 'root/conf.yaml' });
    await supervisor.stop();
    expect(fs.existsSync(path.join(stateDir, 'gateway.pid.json'))).toBe(false);
  });
});
