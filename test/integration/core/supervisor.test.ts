/**
 * ProcessGatewaySupervisor with the simulator's fake gateway folder as a real process tree:
 * bash bin/run.sh → node (the "java"), exactly as the real gateway is started (gateway-facts §1).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStartError } from '../../../src/main/core/errors.js';
import { findJava, realJavaSystem } from '../../../src/main/core/gateway/java.js';
import { probeGateway } from '../../../src/main/core/gateway/port.js';
import { ProcessGatewaySupervisor, type SupervisorOptions } from '../../../src/main/core/gateway/process.js';
import type { SupervisorEvent } from '../../../src/main/core/gateway/types.js';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { until } from '../../sim/until.js';
import { alive, childPids, copyGatewayFolder, groupPids } from './gateway-folder.js';
import { freePort } from '../../sim/gateway-folder.js';

const cleanups: (() => Promise<void> | void)[] = [];
/** Every process group a test started, killed outright at the end whatever happened. */
const groups = new Set<number>();

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  groups.clear();
});

async function setup(overrides: Partial<SupervisorOptions> = {}) {
  const port = await freePort();
  const { folder, cleanup } = await copyGatewayFolder(port);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-state-'));
  cleanups.push(async () => {
    await cleanup();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
  /** `stop: false` for a gateway this test process serves itself (stopping it would end the test). */
  const make = (more: Partial<SupervisorOptions> = {}, { stop = true } = {}) => {
    const supervisor = new ProcessGatewaySupervisor({
      folder,
      stateDir,
      env: { ...process.env, IBKR_SIM_EXIT_DELAY_MS: '200' },
      readyTimeoutMs: 15_000,
      stopGraceMs: 3000,
      pollIntervalMs: 100,
      watchIntervalMs: 200,
      restartDelayMs: () => 100,
      ...overrides,
      ...more,
    });
    const events: SupervisorEvent[] = [];
    supervisor.on((event) => {
      events.push(event);
      if (stop && event.type === 'state' && 'pid' in event.state && event.state.pid) groups.add(event.state.pid);
    });
    cleanups.push(async () => {
      if (stop) await supervisor.stop().catch(() => undefined);
      await supervisor.dispose();
    });
    return { supervisor, events };
  };
  return { port, folder, stateDir, make };
}

describe('starting', () => {
  it('starts the folder as a real process tree, ready only when the port answers (not at the banner)', async () => {
    const { port, make } = await setup();
    const { supervisor } = make();
    let portAtBanner: string | null = null;
    supervisor.on((event) => {
      if (event.type === 'log' && event.lines.some((l) => l.text.startsWith('Open https://localhost:'))) {
        void probeGateway(port, true, 500).then((result) => (portAtBanner ??= result));
      }
    });
    const state = await supervisor.start();
    expect(state).toMatchObject({ kind: 'running', adopted: false });
    const pid = (state as { pid: number }).pid;
    // bash run.sh leads its own group, with the "java" as its child (no exec).
    expect(groupPids(pid).length).toBeGreaterThanOrEqual(2);
    expect(childPids(pid).length).toBe(1);
    await expect(probeGateway(port, true)).resolves.toBe('gateway');
    // The banner came before the port listened: readiness did not follow it.
    expect(portAtBanner).toBe('closed');
    expect(supervisor.location()).toMatchObject({ url: `https://localhost:${port}`, port, tls: true, conf: 'root/conf.yaml' });
    expect(supervisor.log().some((l) => l.stream === 'stdout' && l.text.includes('Client Portal Gateway'))).toBe(true);
  });

  it('stops the whole tree: no process left, port closed', async () => {
    const { port, make } = await setup();
    const { supervisor } = make();
    const state = await supervisor.start();
    const pid = (state as { pid: number }).pid;
    const pids = groupPids(pid);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await supervisor.stop();
    expect(supervisor.state().kind).toBe('stopped');
    expect(pids.filter(alive)).toEqual([]);
    await expect(probeGateway(port, true)).resolves.toBe('closed');
  });

  it('port taken by another program: writes root/ibkr-tray.yaml on a free port and the URL follows', async () => {
    const { port, folder, make } = await setup();
    const other = http.createServer((_req, res) => res.end('not a gateway'));
    await new Promise<void>((resolve) => other.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => other.close(() => resolve())));
    const { supervisor } = make();
    await supervisor.start();
    const where = supervisor.location();
    expect(where.conf).toBe('root/ibkr-tray.yaml');
    expect(where.port).not.toBe(port);
    expect(where.url).toBe(`https://localhost:${where.port}`);
    expect(fs.readFileSync(path.join(folder, 'root', 'ibkr-tray.yaml'), 'utf8')).toMatch(new RegExp(`^    listenPort: ${where.port}$`, 'm'));
    await expect(probeGateway(where.port, true)).resolves.toBe('gateway');
  });

  it('"Server listen failed" fails the start with that reason and leaves no process', async () => {
    const { port, make } = await setup();
    // Someone takes the port between our check and the gateway's listen (the JVM then keeps running).
    const blocker = http.createServer((_req, res) => res.end('taken'));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const launched: number[] = [];
    const { supervisor } = make({
      spawn: (command, args, options) => {
        blocker.listen(port, '127.0.0.1');
        const child = spawn(command, args, options);
        if (child.pid) launched.push(child.pid);
        return child;
      },
    });
    const error = (await supervisor.start().catch((e: unknown) => e)) as GatewayStartError;
    expect(error).toBeInstanceOf(GatewayStartError);
    expect(error.kind).toBe('listen-failed');
    expect(error.message).toContain('Server listen failed Address already in use');
    expect(supervisor.state()).toMatchObject({ kind: 'failed' });
    expect(launched).toHaveLength(1);
    expect(groupPids(launched[0]!)).toEqual([]);
  });

  it('not ready within the limit: fails and leaves no process', async () => {
    const { make } = await setup();
    const { supervisor } = make({ readyTimeoutMs: 300 });
    const error = (await supervisor.start().catch((e: unknown) => e)) as GatewayStartError;
    expect(error.kind).toBe('not-ready');
    expect(error.message).toMatch(/did not answer on port \d+ within/);
    const pid = [...groups][0]!;
    expect(groupPids(pid)).toEqual([]);
  });

  it('says what is wrong with the folder or Java before starting anything', async () => {
    const { folder, make } = await setup();
    const noJava = make({ findJava: () => findJava({ ...realJavaSystem({ env: { PATH: pathWithoutJava() }, platform: 'linux' }), listDir: () => [], home: scratch() }) }).supervisor;
    await expect(noJava.start()).rejects.toThrow(/^Java 8 or newer is needed to run the gateway \(none in JAVA_HOME, PATH or the usual install folders\): install it \(Debian\/Ubuntu: `sudo apt install default-jre-headless`/);
    fs.rmSync(path.join(folder, 'bin', 'run.sh'));
    const wrong = make().supervisor;
    await expect(wrong.start()).rejects.toThrow(`no bin/run.sh in ${folder}: choose the folder that contains bin/ and root/`);
    expect(groups.size).toBe(0);
  });
});

/** A temp folder, removed after the test. */
function scratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-java-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A PATH with what run.sh needs besides java (bash, node, dirname): java can only come from what was found. */
function pathWithoutJava(): string {
  const bin = scratch();
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  for (const tool of ['bash', 'dirname']) fs.symlinkSync(fs.realpathSync(`/usr/bin/${tool}`), path.join(bin, tool));
  return bin;
}

/** A pretend JDK whose java answers `-version` (on stderr, like a real one) with `version`. */
function fakeJdk(version: string): string {
  const home = scratch();
  fs.mkdirSync(path.join(home, 'bin'));
  fs.writeFileSync(path.join(home, 'bin', 'java'), `#!/bin/sh\necho 'java version "${version}"' >&2\n`, { mode: 0o755 });
  return home;
}

describe('Java', () => {
  it('a Java older than 8 is refused before anything starts, saying which and why', async () => {
    const { make } = await setup();
    const launched: number[] = [];
    const env = { PATH: pathWithoutJava(), JAVA_HOME: fakeJdk('1.7.0_80') };
    // This machine's other Javas (/usr/lib/jvm, SDKMAN) are out of sight: only JAVA_HOME and PATH count.
    const { supervisor } = make({
      env,
      findJava: () => findJava({ ...realJavaSystem({ env, platform: 'linux' }), listDir: () => [], home: scratch() }),
      spawn: (command, args, options) => {
        const child = spawn(command, args, options);
        launched.push(child.pid!);
        return child;
      },
    });
    const error = (await supervisor.start().catch((e: unknown) => e)) as GatewayStartError;
    expect(error).toBeInstanceOf(GatewayStartError);
    expect(error.kind).toBe('no-java');
    expect(error.message).toContain(`tried ${env.JAVA_HOME}/bin/java (Java 1.7.0_80, too old)`);
    expect(supervisor.state()).toMatchObject({ kind: 'failed' });
    expect(launched).toEqual([]);
  });

  it('no java on PATH but JAVA_HOME set: the gateway starts with that Java (run.sh finds it on its PATH)', async () => {
    const { make } = await setup();
    const javaHome = path.dirname(path.dirname(fs.realpathSync('/usr/bin/java')));
    const { supervisor } = make({ env: { PATH: pathWithoutJava(), JAVA_HOME: javaHome, IBKR_SIM_EXIT_DELAY_MS: '200' } });
    await expect(supervisor.start()).resolves.toMatchObject({ kind: 'running', adopted: false });
    expect(supervisor.log().some((l) => l.text.startsWith('Java ') && l.text.includes(`(JAVA_HOME): ${javaHome}/bin/java`))).toBe(true);
  });
});

describe('adopting', () => {
  it('after the app crashed, a new supervisor with the same pid file adopts its gateway and may stop it', async () => {
    const { make } = await setup();
    const first = make().supervisor;
    const started = await first.start();
    const pid = (started as { pid: number }).pid;
    const pids = groupPids(pid);
    // The app "crashes": the supervisor goes away without stopping anything.
    await first.dispose();
    const { supervisor: second } = make();
    const adopted = await second.start();
    expect(adopted).toMatchObject({ kind: 'running', pid, adopted: true });
    expect(groupPids(pid)).toEqual(pids); // no second gateway
    await second.stop();
    expect(pids.filter(alive)).toEqual([]);
  });

  it('adopts a gateway someone else started on the configured port instead of starting a second', async () => {
    const sim: Simulator = await startSimulator({ port: await freePort() });
    cleanups.push(() => sim.stop());
    const { make, folder } = await setup();
    fs.writeFileSync(path.join(folder, 'root', 'conf.yaml'), fs.readFileSync(path.join(folder, 'root', 'conf.yaml'), 'utf8').replace(/listenPort: \d+/, `listenPort: ${sim.port}`));
    const { supervisor } = make({}, { stop: false });
    const state = await supervisor.start();
    // Found by the port's owner: here, this test process serves the simulator.
    expect(state).toMatchObject({ kind: 'running', adopted: true, pid: process.pid });
    expect(supervisor.location().port).toBe(sim.port);
  });
});

describe('unexpected exits', () => {
  it('restarts after the "java" is killed, at most 3 times, then stays stopped and says why', async () => {
    const { make } = await setup();
    const { supervisor, events } = make();
    let state = await supervisor.start();
    for (let crash = 1; crash <= 4; crash++) {
      const pid = (state as { pid: number }).pid;
      const java = childPids(pid)[0]!;
      process.kill(java, 'SIGKILL');
      await until(`exit event ${crash}`, () => events.filter((e) => e.type === 'exit').length === crash);
      if (crash < 4) {
        await until(`restart ${crash}`, () => supervisor.state().kind === 'running' && (supervisor.state() as { pid: number }).pid !== pid, 20_000);
        state = supervisor.state();
      }
    }
    const exits = events.filter((e): e is Extract<SupervisorEvent, { type: 'exit' }> => e.type === 'exit');
    expect(exits.map((e) => e.willRestart)).toEqual([true, true, true, false]);
    expect(exits[0]!.lastLog.length).toBeGreaterThan(0);
    expect(supervisor.state()).toMatchObject({ kind: 'failed' });
    expect((supervisor.state() as { reason: string }).reason).toMatch(/restarted 3 times within 15 minutes .*stays stopped/);
    for (const pgid of groups) expect(groupPids(pgid)).toEqual([]);
  }, 90_000); // four real starts of the fake gateway (node + tsx each): room for a loaded machine
});
