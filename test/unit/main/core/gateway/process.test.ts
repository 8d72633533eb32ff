/**
 * ProcessGatewaySupervisor's decisions with a fake system, fake children and a fake clock: the
 * restart budget over its 15-minute window, Windows commands and tree ownership, stopping rules.
 * Stopping runs the product's stopProcessTree over the fake processes. (The real process tree is
 * exercised in test/integration/core/supervisor.test.ts.)
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStartError } from '../../../../../src/main/core/errors.js';
import { ProcessGatewaySupervisor, type GatewaySystem, type SupervisorOptions } from '../../../../../src/main/core/gateway/process.js';
import type { ProbeResult } from '../../../../../src/main/core/gateway/port.js';
import type { ProcessOs } from '../../../../../src/main/core/gateway/process-tree.js';
import type { SupervisorEvent } from '../../../../../src/main/core/gateway/types.js';
import { flush, ManualClock } from '../../../../sim/manual-clock.js';

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
  readonly processes: ProcessOs;
  constructor(platform: NodeJS.Platform = 'linux') {
    this.processes = {
      platform,
      isAlive: (pid) => this.alive.has(pid),
      // Each pretend gateway is a group of one: its leader.
      isGroupAlive: (pgid) => this.alive.has(pgid),
      signal: (pid, signal) => {
        this.signals.push([pid, signal]);
        this.receive(Math.abs(pid), signal);
      },
      parents: () => Promise.resolve([]),
      taskkill: (pid) => {
        this.signals.push([pid, 'taskkill']);
        this.receive(pid, 'taskkill');
        return Promise.resolve();
      },
    };
  }

  readonly alive = new Set<number>();
  readonly listening = new Map<number, 'gateway' | 'other'>();
  readonly children = new Map<number, FakeChild>();
  readonly spawned: { command: string; args: readonly string[]; options: SpawnOptions }[] = [];
  /** Every signal sent ([-pgid, …] for a group) and every taskkill ([pid, 'taskkill']). */
  readonly signals: [number, string][] = [];
  /** Processes that ignore SIGTERM. */
  readonly stubborn = new Set<number>();
  /** Called after each spawn (e.g. to start the java a cmd would start). */
  onSpawn: (pid: number) => void = () => undefined;
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
    this.onSpawn(child.pid);
    return child as unknown as ChildProcess;
  };

  /** The gateway dies by itself (e.g. java killed). */
  crash(pid: number, code = 137): void {
    this.end(pid);
    this.children.get(pid)?.emit('exit', code, null);
  }

  /** `pid` lives and listens on `port` (e.g. java, a child of the spawned cmd). */
  listen(pid: number, port: number): void {
    this.alive.add(pid);
    this.portOf.set(pid, port);
    this.listening.set(port, 'gateway');
  }

  end(pid: number): void {
    this.alive.delete(pid);
    const port = this.portOf.get(pid);
    if (port !== undefined) this.listening.delete(port);
  }

  probe = (port: number): Promise<ProbeResult> => Promise.resolve(this.listening.get(port) ?? 'closed');
  isPortFree = (port: number) => Promise.resolve(!this.listening.has(port));
  freePort = () => Promise.resolve(6001);
  isPortOpen = (port: number) => Promise.resolve(this.listening.has(port));
  findListenerPid = (_port: number, _platform: NodeJS.Platform) => Promise.resolve<number | null>(null);

  /** A process receives a signal (or taskkill): it ends unless stubborn and the signal is SIGTERM. */
  private receive(pid: number, signal: string): void {
    if (!this.alive.has(pid) || (signal === 'SIGTERM' && this.stubborn.has(pid))) return;
    this.end(pid);
    this.children.get(pid)?.emit('exit', null, signal === 'taskkill' ? null : signal);
  }
}

function setup(options: Partial<SupervisorOptions> = {}, shared: { folder?: string; stateDir?: string; world?: FakeWorld; clock?: ManualClock } = {}) {
  const clock = shared.clock ?? new ManualClock();
  const world = shared.world ?? new FakeWorld(options.platform ?? 'linux');
  const stateDir = shared.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-unit-state-'));
  if (!shared.stateDir) temp.push(stateDir);
  const folder = shared.folder ?? gatewayFolder();
  const supervisor = new ProcessGatewaySupervisor({
    folder,
    stateDir,
    clock,
    spawn: world.spawn,
    system: world,
    platform: 'linux',
    env: { PATH: '/usr/bin' },
    findJava: () => Promise.resolve({ java: '/usr/lib/jvm/jdk-17/bin/java', from: 'PATH', home: '/usr/lib/jvm/jdk-17', major: 17, version: '17.0.15' }),
    restartDelayMs: () => 1000,
    ...options,
  });
  const events: SupervisorEvent[] = [];
  supervisor.on((event) => events.push(event));
  const exits = () => events.filter((e): e is Extract<SupervisorEvent, { type: 'exit' }> => e.type === 'exit');
  return { clock, world, supervisor, events, exits, stateDir, folder };
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
      await clock.run(1000);
      expect(supervisor.state().kind).toBe('running');
    }
    world.crash(pidOf(supervisor));
    await flush();
    expect(exits().map((e) => e.willRestart)).toEqual([true, true, true, false]);
    expect(supervisor.state()).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/restarted 3 times within 15 minutes \(last: exit code 137\)/) });
    await clock.run(60 * 60_000);
    expect(world.spawned).toHaveLength(4);
  });

  it('counts only restarts inside the window: after 15 quiet minutes a crash is restarted again', async () => {
    const { clock, world, supervisor, exits } = setup();
    await supervisor.start();
    for (let crash = 1; crash <= 3; crash++) {
      world.crash(pidOf(supervisor));
      await clock.run(1000);
    }
    await clock.run(15 * 60_000);
    world.crash(pidOf(supervisor));
    await clock.run(1000);
    expect(exits().map((e) => e.willRestart)).toEqual([true, true, true, true]);
    expect(supervisor.state().kind).toBe('running');
  });

  it('a manual start after giving up gets a fresh budget', async () => {
    const { clock, world, supervisor, exits } = setup();
    await supervisor.start();
    for (let crash = 1; crash <= 4; crash++) {
      world.crash(pidOf(supervisor));
      await clock.run(1000);
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
    await clock.run(500);
    expect(exits()).toHaveLength(1);
    await clock.run(1000);
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
    await clock.run(3500);
    await stopping;
    expect(world.signals).toEqual([
      [-pid, 'SIGTERM'],
      [pid, 'SIGTERM'],
      [-pid, 'SIGKILL'],
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
  it('runs bash bin/run.sh root/conf.yaml detached from the folder, with the Java found first on PATH and as JAVA_HOME', async () => {
    const found = { java: '/opt/jdk/bin/java', from: 'Homebrew', home: '/opt/jdk', major: 17, version: '17.0.15' } as const;
    const { world, supervisor } = setup({ env: { PATH: '/usr/bin', JAVA_HOME: '/old/jdk' }, findJava: () => Promise.resolve(found) });
    await supervisor.start();
    const { command, args, options } = world.spawned[0]!;
    expect([command, ...args]).toEqual(['bash', 'bin/run.sh', 'root/conf.yaml']);
    expect(options).toMatchObject({ detached: true, cwd: expect.stringContaining('ibkr-unit-gw-') });
    expect(options.env).toMatchObject({ PATH: '/opt/jdk/bin:/usr/bin', JAVA_HOME: '/opt/jdk' });
  });

  it('asks for Java once per start, not on every check', async () => {
    let asked = 0;
    const found = { java: '/opt/jdk/bin/java', from: 'PATH', home: '/opt/jdk', major: 17, version: '17.0.15' } as const;
    const { clock, world, supervisor } = setup({ findJava: () => Promise.resolve(found).finally(() => asked++), watchIntervalMs: 100 });
    await supervisor.start();
    await clock.run(10_000);
    expect(asked).toBe(1);
    world.crash(pidOf(supervisor));
    await clock.run(1000);
    expect(asked).toBe(2);
  });

  it('on Windows runs cmd /c bin\\run.bat root\\conf.yaml detached (outside Node\'s job object, which would orphan java)', async () => {
    const { world, supervisor } = setup({ platform: 'win32' });
    await supervisor.start();
    const { command, args, options } = world.spawned[0]!;
    expect([command, ...args]).toEqual(['cmd', '/c', 'bin\\run.bat', 'root\\conf.yaml']);
    expect(options.detached).toBe(true);
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

describe('Windows: the gateway tree stays ours', () => {
  /** The first run starts the gateway; its java (cmd's child) listens on the port. */
  async function firstRun() {
    const first = setup({ platform: 'win32' });
    const java = 4242;
    first.world.findListenerPid = (port) => Promise.resolve(port === 5000 && first.world.alive.has(java) ? java : null);
    first.world.onSpawn = () => first.world.listen(java, 5000);
    await first.supervisor.start();
    const cmd = pidOf(first.supervisor);
    await first.supervisor.dispose();
    return { ...first, java, cmd };
  }

  it('records the java that listens beside cmd', async () => {
    const { stateDir, java, cmd } = await firstRun();
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'gateway.pid.json'), 'utf8'))).toMatchObject({ pid: cmd, listenerPid: java });
  });

  it('a relaunch finds its own gateway when only java is left, and stops it with taskkill /T /F', async () => {
    const { world, stateDir, folder, clock, java, cmd } = await firstRun();
    // The app exited: cmd is gone, java serves on (what an undetached cmd left behind).
    world.end(cmd);
    world.listen(java, 5000);
    const second = setup({ platform: 'win32' }, { world, stateDir, folder, clock });
    await expect(second.supervisor.start()).resolves.toMatchObject({ kind: 'running', pid: java, adopted: true, startedByUs: true });
    expect(world.spawned).toHaveLength(1);
    await second.supervisor.stop();
    expect(world.signals).toEqual([[java, 'taskkill']]);
    expect(world.alive.has(java)).toBe(false);
    expect(fs.existsSync(path.join(stateDir, 'gateway.pid.json'))).toBe(false);
  });

  it('a recorded java pid now used by another program is not taken for ours', async () => {
    const { world, stateDir, folder, clock, java, cmd } = await firstRun();
    world.end(cmd);
    world.end(java);
    // The pid came back as something else, and another gateway listens on the port.
    world.alive.add(java);
    world.alive.add(9000);
    world.listening.set(5000, 'gateway');
    world.findListenerPid = () => Promise.resolve(9000);
    const second = setup({ platform: 'win32' }, { world, stateDir, folder, clock });
    await expect(second.supervisor.start()).resolves.toMatchObject({ kind: 'running', pid: 9000, adopted: true, startedByUs: false });
    expect(world.signals).toEqual([]);
    expect(fs.existsSync(path.join(stateDir, 'gateway.pid.json'))).toBe(false);
  });
});
