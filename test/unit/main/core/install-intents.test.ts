/**
 * "Download the gateway" and "Download Java for the gateway" through the engine, with the installers
 * and the supervisor faked: progress reaches the snapshots at most five times a second, Cancel aborts,
 * one install at a time, every outcome is a notice, and a finished install is put to use (the new
 * folder saved and started, a failed start for want of Java tried again).
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type Installer } from '../../../../src/main/core/engine.js';
import { missingOf } from '../../../../src/main/core/derive-snapshot.js';
import { GatewayStartError } from '../../../../src/main/core/errors.js';
import { installJavaHint } from '../../../../src/main/core/gateway/java.js';
import type { GatewayLocation, GatewayProcessState, GatewaySupervisor, SupervisorEvent } from '../../../../src/main/core/gateway/types.js';
import type { GatewayInstalled, GatewayInstallOptions } from '../../../../src/main/core/install/gateway-install.js';
import { InstallError } from '../../../../src/main/core/install/install-error.js';
import type { JavaInstalled, JavaInstallOptions } from '../../../../src/main/core/install/java-install.js';
import type { AppSnapshot } from '../../../../src/shared/snapshot.js';
import { flush, ManualClock } from '../../../sim/manual-clock.js';
import { memorySettingsBackend } from './memory-settings.js';

const CONFIG_DIR = '/home/someone/.config/IBKR Tray';
const ADDRESSES = { gatewayZip: 'https://mirror.example/clientportal.gw.zip', adoptiumApi: 'https://mirror.example/adoptium' };

/** A supervisor whose start succeeds, or fails the way the real one does when no Java is found. */
class FakeSupervisor implements GatewaySupervisor {
  starts = 0;
  javaFound: boolean;
  private current: GatewayProcessState = { kind: 'stopped' };
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();

  constructor(
    readonly folder: string,
    javaFound: boolean,
  ) {
    this.javaFound = javaFound;
  }
  state(): GatewayProcessState {
    return this.current;
  }
  location(): GatewayLocation {
    return { url: 'https://127.0.0.1:9', port: 9, tls: true, conf: 'root/conf.yaml' };
  }
  async start(): Promise<GatewayProcessState> {
    this.starts += 1;
    if (!this.javaFound) {
      const error = new GatewayStartError('no-java', 'Java 8 or newer is needed to run the gateway.');
      this.set({ kind: 'failed', reason: error.message, lastLog: [], cause: error.kind });
      throw error;
    }
    this.set({ kind: 'running', pid: 4242, adopted: false, startedByUs: true, since: 0 });
    return this.current;
  }
  async stop(): Promise<void> {
    this.set({ kind: 'stopped' });
  }
  log() {
    return [];
  }
  on(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async dispose(): Promise<void> {
    this.listeners.clear();
  }
  private set(state: GatewayProcessState): void {
    this.current = state;
    for (const listener of this.listeners) listener({ type: 'state', state });
  }
}

/** An installer the test drives: each call waits until the test settles it (or the signal aborts it). */
function fakeInstaller() {
  const calls: { what: 'gateway' | 'java'; options: GatewayInstallOptions | JavaInstallOptions; finish: (ok: boolean | Error) => void }[] = [];
  const pending = <T>(what: 'gateway' | 'java', options: GatewayInstallOptions | JavaInstallOptions, result: T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      options.signal?.addEventListener('abort', () => reject(new InstallError('cancelled', `The ${what} install was cancelled; nothing was changed.`)));
      calls.push({ what, options, finish: (outcome) => (outcome === true ? resolve(result) : reject(outcome)) });
    });
  const installer: Installer = {
    gateway: (options) => {
      const done: GatewayInstalled = { outcome: 'installed', folder: options.folder, source: options.source ?? '', bytes: 9_800_000, kept: [], restarted: false, restartFailed: null };
      return pending('gateway', options, done);
    },
    java: (options) => {
      const done: JavaInstalled = { outcome: 'installed', home: path.join(options.appDataDir, 'java', 'jdk-17.0.99+1-jre'), java: 'java', release: 'jdk-17.0.99+1', version: '17.0.99', bytes: 40_000_000 };
      return pending('java', options, done);
    },
  };
  return { installer, calls };
}

const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.dispose();
});

async function setup(options: { folder?: string; javaFound?: boolean } = {}) {
  const clock = new ManualClock();
  const { installer, calls } = fakeInstaller();
  const supervisors: FakeSupervisor[] = [];
  const settings = memorySettingsBackend(options.folder ? { gatewayFolder: options.folder } : undefined);
  const engine = await createEngine({
    configDir: CONFIG_DIR,
    settingsBackend: settings,
    gatewayUrl: 'https://127.0.0.1:9',
    useWebSocket: false,
    watch: false,
    clock,
    installer,
    downloadAddresses: ADDRESSES,
    createSupervisor: ({ folder }) => {
      const supervisor = new FakeSupervisor(folder, options.javaFound ?? true);
      supervisors.push(supervisor);
      return supervisor;
    },
  });
  engines.push(engine);
  const seen: AppSnapshot[] = [];
  engine.subscribe((s) => seen.push(s));
  await engine.start();
  await flush();
  return { clock, engine, calls, supervisors, seen };
}

describe('downloads started from the window or the tray', () => {
  it('Download the gateway: progress at most five snapshots a second, then the folder is saved and started', async () => {
    const { clock, engine, calls, supervisors, seen } = await setup();
    expect(engine.snapshot().gateway.folder).toBeNull();

    const result = await engine.dispatch({ type: 'install-gateway' });
    expect(result).toEqual({ ok: true, message: 'Downloading the gateway…' });
    expect(engine.snapshot().install).toEqual({ what: 'gateway', phase: 'download', received: 0, total: null });
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    // The folder `ibkr-tray gateway install` would choose, from the mirror the engine was given.
    expect(call.options).toMatchObject({ folder: path.join(CONFIG_DIR, 'clientportal.gw'), source: ADDRESSES.gatewayZip });

    // A fast download reports every 10 ms for a second: the shells get at most 5 of those.
    const before = seen.length;
    const onProgress = call.options.onProgress!;
    for (let ms = 10; ms <= 1000; ms += 10) {
      clock.advance(10);
      onProgress({ phase: 'download', received: ms * 10_000, total: 10_000_000 });
    }
    clock.advance(200);
    const progress = seen.slice(before).filter((s) => s.install !== null);
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.length).toBeLessThanOrEqual(6);
    // The last one is never dropped: the bar ends where the download did.
    expect(engine.snapshot().install).toEqual({ what: 'gateway', phase: 'download', received: 10_000_000, total: 10_000_000 });
    // A new phase is shown at once.
    onProgress({ phase: 'unpack', received: 0, total: 120 });
    expect(engine.snapshot().install).toMatchObject({ phase: 'unpack' });

    call.finish(true);
    await flush();
    const done = engine.snapshot();
    expect(done.install).toBeNull();
    expect(done.gateway.folder).toBe(path.join(CONFIG_DIR, 'clientportal.gw'));
    expect(done.notices.at(-1)).toMatchObject({ level: 'info', text: `Installed the gateway in ${path.join(CONFIG_DIR, 'clientportal.gw')} (9.8 MB).` });
    expect(supervisors.map((s) => [s.folder, s.starts])).toEqual([[path.join(CONFIG_DIR, 'clientportal.gw'), 1]]);
  });

  it('one install at a time; Cancel aborts it, leaves the settings alone and says so', async () => {
    const { engine, calls, supervisors } = await setup();
    expect((await engine.dispatch({ type: 'install-gateway' })).ok).toBe(true);
    expect(await engine.dispatch({ type: 'install-gateway' })).toEqual({ ok: false, reason: 'The gateway is being downloaded already: wait for it to finish, or cancel it first.' });
    expect(await engine.dispatch({ type: 'install-java' })).toEqual({ ok: false, reason: 'The gateway is being downloaded already: wait for it to finish, or cancel it first.' });
    expect(calls).toHaveLength(1);

    expect(await engine.dispatch({ type: 'cancel-install' })).toEqual({ ok: true, message: 'Cancelling the download…' });
    await flush();
    const after = engine.snapshot();
    expect(after.install).toBeNull();
    expect(after.gateway.folder).toBeNull();
    expect(after.notices.at(-1)).toMatchObject({ level: 'info', text: 'The gateway install was cancelled; nothing was changed.' });
    expect(supervisors).toEqual([]);
    expect(await engine.dispatch({ type: 'cancel-install' })).toEqual({ ok: false, reason: 'Nothing is being downloaded.' });
    // Once it has ended, another may begin.
    expect((await engine.dispatch({ type: 'install-gateway' })).ok).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it("a failed install is an error notice with the InstallError's line, and nothing is put to use", async () => {
    const { engine, calls, supervisors } = await setup();
    await engine.dispatch({ type: 'install-gateway' });
    const why = "the file at https://mirror.example/clientportal.gw.zip is not IBKR's Client Portal Gateway (no bin/run.sh in it): check the address or the file.";
    calls[0]!.finish(new InstallError('layout', why));
    await flush();
    const after = engine.snapshot();
    expect(after.install).toBeNull();
    expect(after.notices.at(-1)).toMatchObject({ level: 'error', text: why });
    expect(after.gateway.folder).toBeNull();
    expect(supervisors).toEqual([]);
  });

  it('a start that found no Java offers Java; Download Java installs it in the settings folder and starts again', async () => {
    const folder = '/opt/clientportal.gw';
    const { engine, calls, supervisors } = await setup({ folder, javaFound: false });
    const supervisor = supervisors[0]!;
    expect(supervisor.starts).toBe(1);
    expect(engine.snapshot().state).toBe('failed');
    expect(engine.snapshot().missing).toEqual({ what: 'java', todo: installJavaHint(process.platform) });

    expect(await engine.dispatch({ type: 'install-java' })).toEqual({ ok: true, message: 'Downloading Java for the gateway…' });
    expect(engine.snapshot().install).toMatchObject({ what: 'java' });
    expect(calls[0]!.options).toMatchObject({ appDataDir: CONFIG_DIR, apiBase: ADDRESSES.adoptiumApi });
    supervisor.javaFound = true;
    calls[0]!.finish(true);
    await flush();
    expect(supervisor.starts).toBe(2);
    const after = engine.snapshot();
    expect(after.missing).toBeNull();
    expect(after.install).toBeNull();
    expect(after.gateway.running).toBe(true);
    expect(after.notices.at(-1)).toMatchObject({ level: 'info', text: `Installed Java 17.0.99 in ${path.join(CONFIG_DIR, 'java', 'jdk-17.0.99+1-jre')}.` });
  });

  it('an update of the running gateway lets the install stop it for the swap and start it again', async () => {
    const folder = '/opt/clientportal.gw';
    const { engine, calls, supervisors } = await setup({ folder });
    const supervisor = supervisors[0]!;
    expect(supervisor.state().kind).toBe('running');
    await engine.dispatch({ type: 'install-gateway' });
    const options = calls[0]!.options as GatewayInstallOptions;
    // The folder in use is the one updated, with a hand on its gateway.
    expect(options.folder).toBe(folder);
    const control = options.gateway!;
    expect(await control.isRunning()).toBe(true);
    await control.stop();
    expect(supervisor.state().kind).toBe('stopped');
    await control.start();
    expect(supervisor.state().kind).toBe('running');
    calls[0]!.finish(true);
    await flush();
    expect(engine.snapshot().gateway.folder).toBe(folder);
    expect(supervisors).toHaveLength(1);
    expect(engine.snapshot().notices.at(-1)).toMatchObject({ level: 'info', text: `Installed the gateway in ${folder} (9.8 MB).` });
  });

  it('quitting during a download cancels it', async () => {
    const { engine, calls } = await setup();
    await engine.dispatch({ type: 'install-gateway' });
    const signal = calls[0]!.options.signal!;
    engines.splice(0);
    await engine.dispose();
    expect(signal.aborted).toBe(true);
  });
});

describe('missingOf', () => {
  it('is Java only for a start that failed for want of Java', () => {
    expect(missingOf({ kind: 'failed', reason: 'x', lastLog: [], cause: 'no-java' }, 'darwin')).toEqual({ what: 'java', todo: installJavaHint('darwin') });
    expect(missingOf({ kind: 'failed', reason: 'x', lastLog: [], cause: 'port-taken' }, 'linux')).toBeNull();
    expect(missingOf({ kind: 'failed', reason: 'x', lastLog: [] }, 'linux')).toBeNull();
    expect(missingOf({ kind: 'stopped' }, 'linux')).toBeNull();
    expect(missingOf(null, 'linux')).toBeNull();
  });
});
