/**
 * `ibkr-tray gateway start | stop | status | logs [--follow]`: the gateway process itself.
 * Start is the engine's start intent (its supervisor checks the folder, adopts a gateway already
 * serving, records the pid so a later `stop` finds it). Stop is the seed API's closeGateway on the
 * recorded pid (or the port's listener): a new command process's engine never ran that gateway, so
 * its stop intent would have nothing to stop; both end the tree with the one stopProcessTree().
 * Logs are read from the gateway's own `logs/gw.<date>.log` in its folder, since the gateway may have
 * been started by another process.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CommandContext, CommandResult } from '../context.js';
import { pause } from '../deadline.js';
import { CommandFailure, ExitCode } from '../exit-codes.js';
import type { GatewayAction } from '../arguments.js';
import type { SessionKind } from '../../../shared/snapshot.js';
import { GatewayError, GatewayStartError } from '../../core/errors.js';
import { checkGatewayFolder } from '../../core/gateway/folder.js';
import { portOf } from '../../core/gateway/location.js';
import { PidFile, type PidRecord } from '../../core/gateway/pidfile.js';
import { findListenerPid, probeGateway } from '../../core/gateway/port.js';
import { isProcessAlive } from '../../core/gateway/process-tree.js';
import type { CliBackend } from '../backend.js';

/** The gateway folder, or the one-line failure that says how to give it. */
function requireFolder(backend: CliBackend): string {
  if (!backend.gatewayFolder) {
    throw new CommandFailure(ExitCode.usage, 'no gateway folder yet: run `ibkr-tray gateway install`, or pass --dir FOLDER (the folder that contains bin/ and root/)');
  }
  return backend.gatewayFolder;
}

export async function gateway(ctx: CommandContext, action: GatewayAction, follow: boolean): Promise<CommandResult> {
  switch (action) {
    case 'start':
      return startGateway(ctx);
    case 'stop':
      return stopGateway(ctx);
    case 'status':
      return gatewayStatus(ctx);
    case 'logs':
      return gatewayLogs(ctx, follow);
  }
}

interface GatewayFacts {
  readonly running: boolean;
  readonly pid: number | null;
  readonly startedByUs: boolean;
  readonly url: string;
  readonly folder: string | null;
  readonly state: SessionKind | null;
  /** Something that is not the gateway holds its port. */
  readonly heldByOther: boolean;
}

/**
 * Whether the gateway answers at the URL (even one whose IBKR hangs: it answers GET / itself), and
 * whose it is. Running takes the gateway's own answer (GET / → 302 /sso/Login, gateway-facts §4):
 * another program on the port is never "a gateway started elsewhere" (and the engine's first use
 * pins no certificate of a program that does not answer so: tls.ts).
 */
async function facts(backend: CliBackend, timeoutMs: number): Promise<GatewayFacts> {
  const url = backend.gatewayUrl;
  const port = portOf(url);
  const answer = await probeGateway(port, url.startsWith('https:'), timeoutMs);
  const base = { url, folder: backend.gatewayFolder, heldByOther: answer === 'other' };
  let state: SessionKind | null = null;
  let pid: number | null = null;
  try {
    const snapshot = await backend.check();
    state = snapshot.state;
    pid = snapshot.gateway.pid;
  } catch (error) {
    if (!(error instanceof GatewayError) || error.kind !== 'unreachable') throw error;
  }
  // The engine has looked now (a start needs that), but only the gateway's own answer makes it running.
  if (answer !== 'gateway') return { ...base, running: false, pid: null, startedByUs: false, state };
  // Ours only while the recorded tree lives and was started on this port.
  const record = backend.gatewayRecord();
  const ours = record !== null && record.port === port ? await recordedPid(record) : null;
  return { ...base, running: true, pid: ours ?? pid ?? (await findListenerPid(port)), startedByUs: ours !== null, state };
}

function describe(f: GatewayFacts): string {
  if (!f.running) {
    const held = f.heldByOther ? `; port ${portOf(f.url)} is held by another program, not the gateway` : '';
    return `gateway not running — ${f.url}${f.folder ? ` (folder ${f.folder}${held})` : held ? ` (${held.slice(2)})` : ''}`;
  }
  const pid = f.pid === null ? 'pid unknown' : `pid ${f.pid}`;
  return `gateway running (${pid}, ${f.startedByUs ? 'started by ibkr-tray' : 'started elsewhere'}) — ${f.url}`;
}

/**
 * Start the folder's gateway through the engine's start intent (which also forgets a "stopped" the
 * user asked for earlier); it runs on after we exit, since disposing the engine leaves it running.
 */
async function startGateway(ctx: CommandContext): Promise<CommandResult> {
  const backend = await ctx.backend();
  const folder = requireFolder(backend);
  // A wrong folder is the user's to fix (exit 1): checked here so the exit code follows the error's kind,
  // and first, so that a gateway that happens to serve the default port is not taken for this folder's.
  try {
    checkGatewayFolder(folder);
  } catch (error) {
    if (!(error instanceof GatewayStartError)) throw error;
    throw new CommandFailure(ExitCode.usage, `cannot start the gateway: ${error.message}`, { cause: error });
  }
  const before = await facts(backend, ctx.global.requestTimeoutMs);
  if (before.running) {
    ctx.out.result(`already running: ${describe(before)}`, { ok: true, started: false, gateway: before });
    return ExitCode.ok;
  }
  // Another ibkr-tray process may have been starting this very gateway: the supervisor then waited
  // for that start (the folder's start lock) and adopted its gateway, which was already running.
  let adopted = false;
  const unfollow = backend.engine.onGatewayEvent((event) => {
    if (event.type === 'state' && event.state.kind === 'running') adopted = event.state.adopted;
  });
  let started: Awaited<ReturnType<typeof backend.engine.dispatch>>;
  try {
    started = await backend.engine.dispatch({ type: 'start-gateway' });
  } finally {
    unfollow();
  }
  if (!started.ok) throw new CommandFailure(ExitCode.unreachable, `cannot start the gateway: ${started.reason}`);
  const after = await facts(backend, ctx.global.requestTimeoutMs);
  if (adopted && after.running) {
    ctx.out.result(`already running: ${describe(after)}`, { ok: true, started: false, gateway: after });
    return ExitCode.ok;
  }
  ctx.out.result(describe(after), { ok: true, started: true, gateway: after });
  return ExitCode.ok;
}

/**
 * The live pid of a recorded gateway: its leader (run.sh, cmd), else the recorded java if it still
 * listens on the recorded port (so a recycled pid is never stopped); null when none is.
 */
export async function recordedPid(record: PidRecord): Promise<number | null> {
  if (isProcessAlive(record.pid)) return record.pid;
  if (record.listenerPid !== undefined && (await findListenerPid(record.port)) === record.listenerPid) return record.listenerPid;
  return null;
}

/**
 * Stop the gateway: the one an ibkr-tray process started (its pid record), else the process that
 * listens on the gateway's port where the OS lets us find it. Not running → nothing to do (exit 0).
 */
async function stopGateway(ctx: CommandContext): Promise<CommandResult> {
  const backend = await ctx.backend();
  const record = backend.gatewayRecord();
  const recorded = record ? await recordedPid(record) : null;
  let pid = recorded;
  if (record && recorded === null) backend.forgetGatewayRecord(); // its gateway is gone
  if (pid === null) {
    const now = await facts(backend, ctx.global.requestTimeoutMs);
    if (!now.running) {
      ctx.out.result(describe(now), { ok: true, stopped: false, gateway: now });
      return ExitCode.ok;
    }
    pid = await findListenerPid(portOf(backend.gatewayUrl));
    if (pid === null) {
      throw new CommandFailure(ExitCode.usage, `the gateway at ${backend.gatewayUrl} was not started by ibkr-tray and its process cannot be found: stop it where it was started`);
    }
  }
  // Like the tray's "Stop": the app does not start it again by itself until asked. Said before the
  // signal, so that a tray app, `serve` or `keepalive` watching this gateway takes its exit for the
  // user's stop, not a crash to restart (they read the settings and the record at the exit).
  backend.rememberStopped(true);
  if (record && recorded !== null) new PidFile(backend.engine.stateDir).write({ ...record, stopAskedAt: Date.now() });
  const closed = await backend.auth.closeGateway(pid);
  if (!closed.stopped) throw new CommandFailure(ExitCode.unreachable, closed.message);
  backend.forgetGatewayRecord();
  ctx.out.result(closed.message, { ok: true, stopped: closed.wasRunning, pid, pids: closed.pids, forced: closed.forced, message: closed.message });
  return ExitCode.ok;
}

async function gatewayStatus(ctx: CommandContext): Promise<CommandResult> {
  const f = await facts(await ctx.backend(), ctx.global.requestTimeoutMs);
  ctx.out.result(describe(f), { gateway: f, gatewayUrl: f.url });
  return f.running ? ExitCode.ok : ExitCode.unreachable;
}

/** The newest `logs/gw.<date>.log` (names sort by date), or null when the gateway wrote none yet. */
export async function newestGatewayLog(folder: string): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(path.join(folder, 'logs'));
  } catch {
    return null;
  }
  const logs = names.filter((n) => /^gw\..*\.log$/.test(n)).sort();
  const newest = logs.at(-1);
  return newest === undefined ? null : path.join(folder, 'logs', newest);
}

/** Print the log; with --follow keep printing what is appended until Ctrl-C (polling: portable). */
async function gatewayLogs(ctx: CommandContext, follow: boolean): Promise<CommandResult> {
  const folder = requireFolder(await ctx.backend());
  const file = await newestGatewayLog(folder);
  if (!file) throw new CommandFailure(ExitCode.unreachable, `no gateway log in ${path.join(folder, 'logs')} yet: has the gateway run? (\`ibkr-tray gateway start\`)`);
  if (ctx.global.json && follow) throw new CommandFailure(ExitCode.usage, '--follow cannot be combined with --json (one JSON document)');
  let offset = 0;
  const readMore = async (): Promise<string> => {
    const size = (await stat(file)).size;
    if (size < offset) offset = 0; // rotated or truncated: start over
    if (size === offset) return '';
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  };
  const text = await readMore();
  if (ctx.global.json) {
    ctx.out.result(null, { file, lines: text.split('\n').filter((l) => l !== '') });
    return ExitCode.ok;
  }
  ctx.out.stdout.write(text);
  if (!follow) return ExitCode.ok;
  while (!ctx.stop.aborted) {
    await pause(500, ctx.stop);
    ctx.out.stdout.write(await readMore());
  }
  // Ctrl-C is how --follow is meant to end: a clean stop.
  return ExitCode.ok;
}
