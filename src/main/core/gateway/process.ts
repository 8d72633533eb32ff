/**
 * GatewaySupervisor over a real Client Portal Gateway folder: checks it, adopts a gateway that is
 * already serving, starts `bash bin/run.sh root/<conf>` in its own process group, calls it ready only
 * when the port answers, restarts it within a budget when it dies, and stops the whole tree.
 * Every fact it relies on is in gateway-facts.md §1.
 *
 * Why one file of ~650 lines: start, adoption, crash-restart and stop share one piece of mutable
 * state (what runs, whether a stop was asked for, the start in progress) whose transitions must be
 * read together; the pure parts live beside it (restart-budget.ts, process-tree.ts, conf.ts, folder.ts).
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { LogLine } from '../../../shared/api.js';
import { GatewayStartError } from '../errors.js';
import { FileLockTimeout, withFileLockAsync } from '../file-lock.js';
import { sleep, systemClock, type Clock } from './clock.js';
import { DEFAULT_CONF, OWN_CONF, parseGatewayConf, withListenPort, type GatewayConf } from './conf.js';
import { checkGatewayFolder } from './folder.js';
import { envWithJava, findJava, realJavaSystem, type JavaFound } from './java.js';
import { folderGatewayLocation, gatewayUrl } from './location.js';
import { LogBuffer } from './log-buffer.js';
import { PidFile, type PidRecord } from './pidfile.js';
import { findListenerPid, freePort, isPortFree, isPortOpen, probeGateway, type ProbeResult } from './port.js';
import { isTargetAlive, realProcessOs, stopProcessTree, type ProcessOs, type ProcessTarget, type TreeStopped } from './process-tree.js';
import { decideRestart, DEFAULT_RESTART_LIMIT, restartDelayMs, type RestartLimit } from './restart-budget.js';
import type { GatewayLocation, GatewayProcessState, GatewaySupervisor, SupervisorEvent } from './types.js';

export type SpawnFunction = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** What the supervisor asks of the operating system about ports and processes (injected in tests). */
export interface GatewaySystem {
  probe(port: number, tls: boolean, timeoutMs: number): Promise<ProbeResult>;
  isPortFree(port: number): Promise<boolean>;
  freePort(): Promise<number>;
  isPortOpen(port: number, timeoutMs: number): Promise<boolean>;
  findListenerPid(port: number, platform: NodeJS.Platform): Promise<number | null>;
  /** Processes: whether they live, and what stopProcessTree needs. */
  readonly processes: ProcessOs;
}

/** The real ports and processes of this machine. */
export const realSystem: GatewaySystem = {
  probe: probeGateway,
  isPortFree,
  freePort,
  isPortOpen,
  findListenerPid,
  processes: realProcessOs(),
};

export interface SupervisorOptions {
  /** The clientportal.gw folder (contains bin/, root/, dist/). */
  readonly folder: string;
  /** Where the pid record of the gateway we start is kept (e.g. the settings folder). */
  readonly stateDir: string;
  readonly platform?: NodeJS.Platform;
  readonly env?: NodeJS.ProcessEnv;
  readonly spawn?: SpawnFunction;
  readonly clock?: Clock;
  /** Host name in the URL the rest of the app uses (default localhost). */
  readonly host?: string;
  /** Not serving within this long after launch → fail and kill it (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL (default 10 s; java exits ~2 s after SIGTERM). */
  readonly stopGraceMs?: number;
  /** How often readiness / stop are checked (default 200 ms). */
  readonly pollIntervalMs?: number;
  /** How often an adopted gateway's pid is checked for life (default 2 s). */
  readonly watchIntervalMs?: number;
  /** At most `count` automatic restarts within `windowMs` (default 3 in 15 minutes). */
  readonly restartLimit?: RestartLimit;
  /** Delay before automatic restart number `attempt` (1-based). Default 2 s, 4 s, 8 s … ≤ 30 s, with jitter. */
  readonly restartDelayMs?: (attempt: number) => number;
  /** The conf written when the configured port is taken (relative to the folder). */
  readonly ownConf?: string;
  readonly logCapacity?: number;
  /**
   * The Java to start the gateway with, checked with `java -version`; rejects with GatewayStartError
   * 'no-java'. Default: java.ts's findJava over this machine (JAVA_HOME, PATH, installers' folders,
   * a Java downloaded into `stateDir`). Asked once per start.
   */
  readonly findJava?: () => Promise<JavaFound>;
  /** Ports and processes (default the real ones). */
  readonly system?: GatewaySystem;
  /**
   * Whether the user has stopped the gateway from another process meanwhile (`ibkr-tray gateway
   * stop` remembers "stopped" in the settings before it stops the gateway): an exit then is the
   * user's stop, not a crash, and is not restarted. Asked at the exit and again before a restart.
   */
  readonly userStopped?: () => boolean;
}

const LISTEN_FAILED = /Server listen failed/;

/** What we know about the gateway we are watching. */
interface Running {
  readonly target: ProcessTarget | null;
  readonly child: ChildProcess | null;
  /** We started it (now, or before an app crash): we may stop it. */
  readonly ours: boolean;
  readonly adopted: boolean;
}

/** Whether `record` is of the tree whose pid we watch (its leader, or the java left of it). */
function namesTree(record: PidRecord, pid: number): boolean {
  return record.pid === pid || record.listenerPid === pid;
}

/** The GatewaySupervisor for a gateway folder on this machine. */
export class ProcessGatewaySupervisor implements GatewaySupervisor {
  private readonly folder: string;
  private readonly platform: NodeJS.Platform;
  private readonly env: NodeJS.ProcessEnv;
  private readonly spawnProcess: SpawnFunction;
  private readonly clock: Clock;
  private readonly host: string;
  private readonly readyTimeoutMs: number;
  private readonly stopGraceMs: number;
  private readonly pollIntervalMs: number;
  private readonly watchIntervalMs: number;
  private readonly restartLimit: RestartLimit;
  private readonly restartDelayMs: (attempt: number) => number;
  private readonly ownConf: string;
  private readonly lookForJava: () => Promise<JavaFound>;
  private readonly system: GatewaySystem;
  private readonly userStopped: () => boolean;
  private readonly pidFile: PidFile;
  /** Held across a start, so two processes starting this folder's gateway at once start one (the second adopts it). */
  private readonly startLock: string;
  private readonly logBuffer: LogBuffer;
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();

  private current: GatewayProcessState = { kind: 'stopped' };
  private where: GatewayLocation;
  private running: Running | null = null;
  private starting: Promise<GatewayProcessState> | null = null;
  private stopping: Promise<void> | null = null;
  /** Set synchronously by stop(): an exit from now on was asked for, not a crash. */
  private stopRequested = false;
  /** Set by stop() so a start in progress gives up at its next check. */
  private cancelStart = false;
  private restartTimer: unknown = null;
  private watchTimer: unknown = null;
  /** When the automatic restarts in the current budget window happened. */
  private restarts: readonly number[] = [];
  private disposed = false;

  constructor(options: SupervisorOptions) {
    this.folder = path.resolve(options.folder);
    this.platform = options.platform ?? process.platform;
    this.env = options.env ?? process.env;
    this.spawnProcess = options.spawn ?? nodeSpawn;
    this.clock = options.clock ?? systemClock;
    this.host = options.host ?? 'localhost';
    this.readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
    this.stopGraceMs = options.stopGraceMs ?? 10_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.watchIntervalMs = options.watchIntervalMs ?? 2000;
    this.restartLimit = options.restartLimit ?? DEFAULT_RESTART_LIMIT;
    this.restartDelayMs = options.restartDelayMs ?? ((attempt) => restartDelayMs(attempt));
    this.ownConf = options.ownConf ?? OWN_CONF;
    this.lookForJava = options.findJava ?? (() => findJava(realJavaSystem({ env: this.env, platform: this.platform, appDataDir: options.stateDir })));
    this.system = options.system ?? realSystem;
    this.userStopped = options.userStopped ?? (() => false);
    this.pidFile = new PidFile(options.stateDir);
    this.startLock = path.join(options.stateDir, 'gateway-start');
    this.logBuffer = new LogBuffer(this.clock, options.logCapacity ?? 2000);
    this.logBuffer.onLines((lines) => this.emit({ type: 'log', lines }));
    // Before any start: where this folder's gateway is (the port a start picked, while it runs), so
    // a new process (a command after `gateway start` exited) talks to it there, not to the conf's port.
    this.where = folderGatewayLocation(this.folder, options.stateDir, { host: this.host, os: this.system.processes }) ?? this.locationFor(DEFAULT_CONF, 'root/conf.yaml');
  }

  state(): GatewayProcessState {
    return this.current;
  }

  location(): GatewayLocation {
    return this.where;
  }

  log(): readonly LogLine[] {
    return this.logBuffer.all();
  }

  on(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Start, or adopt a gateway already serving. A manual start resets the restart budget. */
  start(): Promise<GatewayProcessState> {
    if (this.disposed) return Promise.reject(new GatewayStartError('exited', 'The gateway supervisor was closed.'));
    if (this.starting) return this.starting;
    if (this.current.kind === 'running') return Promise.resolve(this.current);
    this.clearRestart();
    this.restarts = [];
    return this.startOnce();
  }

  /** Stop the whole tree and confirm the port closed. Refused for a gateway whose pid is unknown. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopRequested = true;
    this.stopping = this.stopNow().finally(() => {
      this.stopping = null;
      this.stopRequested = false;
    });
    return this.stopping;
  }

  /** Stop watching (timers, listeners). The gateway keeps running: stopping it is stop()'s job. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.cancelStart = true;
    this.clearRestart();
    this.clearWatch();
    if (this.starting) await this.starting.catch(() => undefined);
    const child = this.running?.child;
    if (child) {
      child.removeAllListeners('exit');
      // Let Node exit while the gateway runs on (the CLI starts it and leaves).
      child.unref();
      for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
    }
    this.listeners.clear();
  }

  // ---- start ----

  private startOnce(): Promise<GatewayProcessState> {
    this.cancelStart = false;
    this.starting = this.startSteps().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /**
   * The steps of a start, holding the folder's start lock (another ibkr-tray process may be starting
   * this very gateway: once it is done, adoptRecorded finds its record and uses that gateway). The
   * lock is stale once its owner is gone or after two ready timeouts (an adoption's wait, then a launch's).
   */
  private async startSteps(): Promise<GatewayProcessState> {
    try {
      return await withFileLockAsync(this.startLock, () => this.startStepsLocked(), {
        waitMs: 2 * this.readyTimeoutMs + 15_000,
        staleMs: 2 * this.readyTimeoutMs + 30_000,
        cancelled: () => this.cancelStart,
      });
    } catch (error) {
      if (!(error instanceof FileLockTimeout)) throw error;
      const failure = this.cancelStart
        ? new GatewayStartError('exited', 'The start was cancelled: the gateway was asked to stop.')
        : new GatewayStartError('exited', `Another ibkr-tray process${error.holderPid === null ? '' : ` (pid ${error.holderPid})`} is still starting this gateway: try again once it is done.`);
      this.setState({ kind: 'failed', reason: failure.message, lastLog: this.logBuffer.tail(), cause: failure.kind });
      throw failure;
    }
  }

  private async startStepsLocked(): Promise<GatewayProcessState> {
    try {
      const folder = checkGatewayFolder(this.folder, this.platform);
      const conf = this.readConf(folder.confFile);
      this.where = this.locationFor(conf, 'root/conf.yaml');

      const recorded = await this.adoptRecorded();
      if (recorded) return recorded;

      const serving = await this.system.probe(conf.listenPort, conf.listenSsl, 2000);
      if (serving === 'gateway') return await this.adoptServing(conf);
      if (serving === 'other' || !(await this.system.isPortFree(conf.listenPort))) {
        if (this.platform === 'win32') {
          // run.bat ignores the conf file name and always loads root\conf.yaml (gateway-facts §1).
          throw new GatewayStartError(
            'port-taken',
            `Port ${conf.listenPort} is taken by another program, and on Windows run.bat always reads root\\conf.yaml: change listenPort there (e.g. to ${conf.listenPort + 1}) or end that program.`,
          );
        }
        // A port the OS picks, not the next one after (5001): that one may be another profile's, whose
        // gateway, once running, this profile would then adopt as its own.
        const port = await this.system.freePort();
        this.writeOwnConf(folder.confFile, port);
        this.note(`Port ${conf.listenPort} is taken by another program: the gateway uses port ${port} (${this.ownConf}).`);
        this.where = this.locationFor({ ...conf, listenPort: port }, this.ownConf);
      }

      const java = await this.lookForJava();
      this.note(`Java ${java.version} (${java.from}): ${java.java}`);
      return await this.launch(folder.runScript, java);
    } catch (error) {
      const failure =
        error instanceof GatewayStartError ? error : new GatewayStartError('exited', `The gateway could not be started: ${(error as Error).message}`, this.logBuffer.tail());
      this.setState({ kind: 'failed', reason: failure.message, lastLog: failure.lastLog.length ? failure.lastLog : this.logBuffer.tail(), cause: failure.kind });
      throw failure;
    }
  }

  /** After an app crash: the gateway we started before is still ours to watch and stop. */
  private async adoptRecorded(): Promise<GatewayProcessState | null> {
    const record = this.pidFile.read();
    if (!record) return null;
    const target = await this.recordedTarget(record);
    if (!target) {
      this.pidFile.remove();
      return null;
    }
    this.where = this.locationFor({ listenPort: record.port, listenSsl: record.tls }, record.conf);
    // It may still be starting (the app crashed during a start): give it the usual time.
    if (await this.waitServing(record, null)) {
      this.note(`Adopted the gateway IBKR Tray started earlier (pid ${record.pid}, port ${record.port}).`);
      return this.becomeRunning({ target, child: null, ours: true, adopted: true });
    }
    this.note(`The gateway IBKR Tray started earlier (pid ${record.pid}) is not serving: ending it.`);
    await this.kill(target);
    this.pidFile.remove();
    return null;
  }

  /**
   * What of a recorded gateway still runs, or null. Its leader (run.sh / cmd) normally does; if only
   * the recorded listener does (Windows, cmd gone), it is ours only while it still listens on our
   * port, so a recycled pid is never taken for our java.
   */
  private async recordedTarget(record: PidRecord): Promise<ProcessTarget | null> {
    if (record.folder !== this.folder) return null;
    const leader: ProcessTarget = { pid: record.pid, group: this.platform !== 'win32' };
    const listener = record.listenerPid;
    if (this.isAlive(leader)) return listener === undefined ? leader : { ...leader, also: [listener] };
    if (listener === undefined || !this.isAlive({ pid: listener, group: false })) return null;
    return (await this.system.findListenerPid(record.port, this.platform)) === listener ? { pid: listener, group: false } : null;
  }

  /** Someone else's gateway already serves the configured port: use it rather than start a second. */
  private async adoptServing(conf: GatewayConf): Promise<GatewayProcessState> {
    const pid = await this.system.findListenerPid(conf.listenPort, this.platform);
    this.note(
      pid === null
        ? `A gateway already serves port ${conf.listenPort}: using it (its process could not be found, so IBKR Tray cannot stop it).`
        : `A gateway already serves port ${conf.listenPort} (pid ${pid}): using it.`,
    );
    return this.becomeRunning({ target: pid === null ? null : { pid, group: false }, child: null, ours: false, adopted: true });
  }

  private async launch(runScript: string, java: JavaFound): Promise<GatewayProcessState> {
    const conf = this.where.conf;
    const [command, args] =
      this.platform === 'win32' ? ['cmd', ['/c', runScript.replace(/\//g, '\\'), conf.replace(/\//g, '\\')]] : ['bash', [runScript.replace(/\\/g, '/'), conf]];
    this.note(`Starting the gateway: ${command} ${args.join(' ')} (in ${this.folder})`);
    // cwd must be the folder (relative class paths); bash because run.sh often lacks its exec bit;
    // detached = its own process group, since run.sh does not exec java (gateway-facts §1).
    // On Windows too: a child that is not detached goes into Node's job object, whose close kills cmd
    // when the app exits but not java (its child breaks away), leaving java orphaned and not ours.
    const child = this.spawnProcess(command, args, {
      cwd: this.folder,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: envWithJava(this.env, java, this.platform),
      windowsHide: true,
    });
    const outcome = this.watchLaunch(child);
    if (child.pid === undefined) {
      const why = await outcome.exited;
      throw new GatewayStartError('exited', `The gateway could not be launched: ${why}`, this.logBuffer.tail());
    }
    let target: ProcessTarget = { pid: child.pid, group: this.platform !== 'win32' };
    const record: PidRecord = { pid: child.pid, port: this.where.port, tls: this.where.tls, folder: this.folder, conf, startedAt: this.clock.now() };
    this.pidFile.write(record);
    this.setState({ kind: 'starting', pid: child.pid, since: this.clock.now() });
    try {
      const ready = await this.waitServing({ port: this.where.port, tls: this.where.tls }, outcome);
      if (!ready) {
        throw new GatewayStartError(
          'not-ready',
          `The gateway did not answer on port ${this.where.port} within ${Math.round(this.readyTimeoutMs / 1000)} s; it was stopped. See its log.`,
          this.logBuffer.tail(),
        );
      }
      // Record the java that listens: the tree stays ours even if its parent (cmd, run.sh) is gone.
      const listener = await this.system.findListenerPid(this.where.port, this.platform);
      if (listener !== null && listener !== child.pid) {
        target = { ...target, also: [listener] };
        this.pidFile.write({ ...record, listenerPid: listener });
      }
    } catch (error) {
      await this.kill(target);
      this.removeRecordOf(child.pid);
      throw error;
    }
    return this.becomeRunning({ target, child, ours: true, adopted: false });
  }

  /** Follow a launched child: its output into the log, and what ends a start early. */
  private watchLaunch(child: ChildProcess): { exited: Promise<string>; listenFailed: () => string | null; exitedWith: () => string | null } {
    let listenFailed: string | null = null;
    let exitedWith: string | null = null;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.logBuffer.write('stdout', chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.logBuffer.write('stderr', chunk);
      const line = chunk.split(/\r?\n/).find((l) => LISTEN_FAILED.test(l));
      if (line && !listenFailed) listenFailed = line.trim();
    });
    const exited = new Promise<string>((resolve) => {
      child.once('error', (error) => {
        exitedWith = error.message;
        resolve(error.message);
      });
      child.once('exit', (code, signal) => {
        this.logBuffer.flush();
        exitedWith = signal ? `killed by ${signal}` : `exit code ${code}`;
        resolve(exitedWith);
      });
    });
    return { exited, listenFailed: () => listenFailed, exitedWith: () => exitedWith };
  }

  /**
   * Poll the port until it answers like a gateway (never the banner: §1). Gives up on `stop()`, on
   * the child's exit or on "Server listen failed" (the JVM then keeps running without listening).
   */
  private async waitServing(
    at: Pick<PidRecord, 'port' | 'tls'>,
    launch: ReturnType<ProcessGatewaySupervisor['watchLaunch']> | null,
  ): Promise<boolean> {
    const deadline = this.clock.now() + this.readyTimeoutMs;
    for (;;) {
      if (this.cancelStart) throw new GatewayStartError('exited', 'The start was cancelled: the gateway was asked to stop.');
      const failed = launch?.listenFailed();
      if (failed) {
        throw new GatewayStartError('listen-failed', `The gateway could not listen on port ${at.port} ("${failed}"); it was stopped. Free the port or choose another in conf.yaml.`, this.logBuffer.tail());
      }
      const exited = launch?.exitedWith();
      if (exited) {
        throw new GatewayStartError('exited', `The gateway exited while starting (${exited}): ${this.logBuffer.tail(3).join(' | ') || 'no output'}.`, this.logBuffer.tail());
      }
      if ((await this.system.probe(at.port, at.tls, Math.min(2000, this.readyTimeoutMs))) === 'gateway') return true;
      if (this.clock.now() >= deadline) return false;
      await Promise.race([sleep(this.clock, this.pollIntervalMs), launch?.exited ?? new Promise(() => undefined)]);
    }
  }

  private becomeRunning(running: Running): GatewayProcessState {
    this.running = running;
    const state: GatewayProcessState = { kind: 'running', pid: running.target?.pid ?? null, adopted: running.adopted, startedByUs: running.ours, since: this.clock.now() };
    this.setState(state);
    if (running.child) {
      const child = running.child;
      child.once('exit', (code, signal) => {
        if (this.running?.child === child && !this.stopRequested) void this.crashed(code, signal);
      });
    } else if (running.target) {
      this.watchAdopted(running.target);
    }
    return state;
  }

  /** An adopted gateway is not our child: notice its death by polling its pid. */
  private watchAdopted(target: ProcessTarget): void {
    this.clearWatch();
    this.watchTimer = this.clock.setTimeout(() => {
      this.watchTimer = null;
      if (this.running?.target !== target || this.stopRequested) return;
      if (this.isAlive(target)) this.watchAdopted(target);
      else void this.crashed(null, null);
    }, this.watchIntervalMs);
  }

  // ---- unexpected exits ----

  private async crashed(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const previous = this.running;
    this.running = null;
    this.clearWatch();
    this.logBuffer.flush();
    // Read before anything else: `gateway stop` marks the record before it signals the tree.
    const askedHere = previous?.target ? this.pidFile.read() : null;
    const watched = previous?.target?.pid;
    const askedToStop = askedHere?.stopAskedAt !== undefined && watched !== undefined && namesTree(askedHere, watched);
    // run.sh may have died while java lives on (or the reverse): end what is left of the tree.
    if (previous?.target && previous.ours) await this.kill(previous.target, 0);
    if (previous?.ours && previous.target) this.removeRecordOf(previous.target.pid);
    if (askedToStop || this.userStopped()) return this.stoppedElsewhere();
    this.onFailure({ code, signal, lastLog: this.logBuffer.tail() });
  }

  /** The user stopped the gateway from another process (`ibkr-tray gateway stop`): their stop, not a crash. */
  private stoppedElsewhere(): void {
    this.note('The gateway was stopped from outside this app (`ibkr-tray gateway stop`); it is not started again until you start it.');
    this.setState({ kind: 'stopped', reason: 'stopped', byUser: true });
  }

  /** Restart within the budget, or stay stopped and say why. */
  private onFailure(exit: { code: number | null; signal: string | null; lastLog: string[]; reason?: string }): void {
    if (this.disposed) return;
    const now = this.clock.now();
    const decision = decideRestart(this.restarts, now, this.restartLimit);
    this.restarts = decision.history;
    const how = exit.reason ?? (exit.signal ? `killed by ${exit.signal}` : exit.code === null ? 'it is gone' : `exit code ${exit.code}`);
    this.emit({
      type: 'exit',
      code: exit.code,
      signal: exit.signal,
      willRestart: decision.restart,
      lastLog: exit.lastLog,
      how,
      ...(decision.restart ? { restart: { attempt: decision.attempt, of: this.restartLimit.count } } : {}),
    });
    if (!decision.restart) {
      const minutes = Math.round(this.restartLimit.windowMs / 60_000);
      this.setState({
        kind: 'failed',
        reason: `The gateway stopped unexpectedly and was restarted ${this.restartLimit.count} times within ${minutes} minutes (last: ${how}); it stays stopped. See its log, then start it again.`,
        lastLog: exit.lastLog,
      });
      return;
    }
    const attempt = decision.attempt;
    const delay = this.restartDelayMs(attempt);
    this.note(`The gateway stopped unexpectedly (${how}); restart ${attempt} of ${this.restartLimit.count} in ${Math.round(delay / 100) / 10} s.`);
    this.setState({ kind: 'starting', pid: null, since: now });
    this.restartTimer = this.clock.setTimeout(() => {
      this.restartTimer = null;
      // The user may have stopped it meanwhile from another process (it remembers "stopped" first).
      if (this.userStopped()) return this.stoppedElsewhere();
      this.startOnce().catch((error: unknown) => {
        const failure = error as GatewayStartError;
        // A restart that fails counts against the same budget.
        if (!this.cancelStart && failure.kind !== 'no-java' && failure.kind !== 'wrong-folder' && failure.kind !== 'no-folder') {
          this.onFailure({ code: null, signal: null, lastLog: this.logBuffer.tail(), reason: failure.message });
        }
      });
    }, delay);
  }

  // ---- stop ----

  private async stopNow(): Promise<void> {
    this.clearRestart();
    this.clearWatch();
    if (this.starting) {
      this.cancelStart = true;
      await this.starting.catch(() => undefined);
    }
    const running = this.running;
    if (!running) {
      if (this.current.kind !== 'failed') this.setState({ kind: 'stopped', reason: 'stopped' });
      return;
    }
    if (!running.target) {
      throw new GatewayStartError(
        'cannot-stop',
        `The gateway on port ${this.where.port} was started outside IBKR Tray and its process could not be found: stop it where it was started.`,
      );
    }
    this.setState({ kind: 'stopping', pid: running.target.pid });
    const { stopped } = await this.kill(running.target);
    if (!stopped) {
      this.setState({ kind: 'running', pid: running.target.pid, adopted: running.adopted, startedByUs: running.ours, since: this.clock.now() });
      throw new GatewayStartError('cannot-stop', `The gateway (pid ${running.target.pid}) did not end even after SIGKILL; end it from the system's task manager.`, this.logBuffer.tail());
    }
    this.running = null;
    if (running.ours) this.removeRecordOf(running.target.pid);
    if (!(await this.waitFor(async () => !(await this.system.isPortOpen(this.where.port, 500)), 5000))) {
      this.setState({ kind: 'stopped', reason: `stopped, but something still listens on port ${this.where.port}` });
      throw new GatewayStartError('cannot-stop', `The gateway process ended but port ${this.where.port} still accepts connections: another program listens there.`);
    }
    this.note('The gateway stopped.');
    this.setState({ kind: 'stopped', reason: 'stopped' });
  }

  /** The one way a tree is stopped (process-tree.ts), with this supervisor's grace period and clock. */
  private async kill(target: ProcessTarget, graceMs = this.stopGraceMs): Promise<TreeStopped> {
    const result = await stopProcessTree(target, { graceMs, os: this.system.processes, clock: this.clock, pollMs: Math.min(this.pollIntervalMs, 100) });
    if (result.forced && graceMs > 0 && this.system.processes.platform !== 'win32') {
      this.note(`The gateway did not end within ${Math.round(graceMs / 1000)} s of SIGTERM: it was killed (SIGKILL).`);
    }
    return result;
  }

  private isAlive(target: ProcessTarget): boolean {
    return isTargetAlive(target, this.system.processes);
  }

  private async waitFor(condition: () => boolean | Promise<boolean>, limitMs: number): Promise<boolean> {
    const deadline = this.clock.now() + limitMs;
    for (;;) {
      if (await condition()) return true;
      if (this.clock.now() >= deadline) return false;
      await sleep(this.clock, Math.min(this.pollIntervalMs, 100));
    }
  }

  // ---- small parts ----

  /** Remove the pid record only while it names `pid`'s tree: another process's start may have written its own. */
  private removeRecordOf(pid: number): void {
    const record = this.pidFile.read();
    if (record && namesTree(record, pid)) this.pidFile.remove();
  }

  private readConf(file: string): GatewayConf {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new GatewayStartError('wrong-folder', `Cannot read ${file}: ${(error as Error).message}.`);
    }
    return parseGatewayConf(text, file);
  }

  private writeOwnConf(confFile: string, port: number): void {
    const text = fs.readFileSync(confFile, 'utf8');
    fs.writeFileSync(path.join(this.folder, this.ownConf), withListenPort(text, port));
  }

  private locationFor(conf: GatewayConf, confPath: string): GatewayLocation {
    return { url: gatewayUrl(conf, this.host), port: conf.listenPort, tls: conf.listenSsl, conf: confPath };
  }

  private note(text: string): void {
    this.logBuffer.note(text);
  }

  private setState(state: GatewayProcessState): void {
    this.current = state;
    this.emit({ type: 'state', state });
  }

  private emit(event: SupervisorEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not stop the supervisor.
      }
    }
  }

  private clearRestart(): void {
    if (this.restartTimer !== null) this.clock.clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  private clearWatch(): void {
    if (this.watchTimer !== null) this.clock.clearTimeout(this.watchTimer);
    this.watchTimer = null;
  }
}
