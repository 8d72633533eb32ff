/**
 * `ibkr-tray keepalive [--health HOST:PORT] [--notify URL]`: the engine in the foreground. It keeps
 * the session alive (tickles, the WebSocket, brokerage re-init) and prints one line per change of
 * state, until Ctrl-C or SIGTERM. `--health` answers /livez and /readyz for a supervisor; `--notify`
 * pings a webhook or ntfy topic when the session needs the user.
 * On the way out it stops the gateway only if this run started it: a gateway that was already
 * running (started by the user, the tray app or `ibkr-tray gateway start`) is left alone.
 */
import { Notifier, type NotifyTarget } from '../../core/notify.js';
import { startHealthServer, type HealthAddress, type HealthServer } from '../../web/health.js';
import type { AppSnapshot } from '../../../shared/snapshot.js';
import type { CommandContext, CommandResult } from '../context.js';
import { untilStopped } from '../deadline.js';
import { CommandFailure, ExitCode } from '../exit-codes.js';
import { statusDocument, statusLine } from '../status-line.js';

export interface KeepaliveOptions {
  readonly health: HealthAddress | null;
  readonly notify: NotifyTarget | null;
}

export async function keepalive(ctx: CommandContext, options: KeepaliveOptions = { health: null, notify: null }): Promise<CommandResult> {
  const backend = await ctx.backend({ useWebSocket: true, watch: true });
  let engineRunning = false;
  // The probe port first: a port already taken should stop us before anything (a gateway) starts.
  const health = options.health === null ? null : await listenForProbes(options.health, { snapshot: () => backend.engine.snapshot(), running: () => engineRunning });
  for (const warning of health?.warnings ?? []) ctx.out.problem(`warning: ${warning}`);
  const notifier = options.notify === null ? null : new Notifier({ target: options.notify, log: (line) => ctx.out.problem(line) });
  const runningBefore = backend.engine.snapshot().gateway.running || (await isServing(ctx));
  let lastLine = '';
  const print = (snapshot: AppSnapshot): void => {
    notifier?.observe(snapshot);
    const line = statusLine(snapshot);
    if (line === lastLine) return;
    lastLine = line;
    const stamp = new Date(snapshot.at).toISOString().replace('T', ' ').slice(0, 19);
    // With --json: one JSON document per line on stdout would break "exactly one document", so
    // keepalive --json writes JSON lines to stderr and a final summary document to stdout.
    if (ctx.global.json) ctx.out.stderr.write(`${JSON.stringify(statusDocument(snapshot))}\n`);
    else ctx.out.stdout.write(`${stamp} ${line}\n`);
  };
  const unsubscribe = backend.engine.subscribe(print);
  try {
    await backend.engine.start();
    engineRunning = true;
    if (health) ctx.out.say(`health probes: ${health.url}/livez ${health.url}/readyz`);
    print(backend.engine.snapshot());
    await untilStopped(ctx.stop);
  } finally {
    engineRunning = false;
    unsubscribe();
    await health?.close();
    await notifier?.close();
  }
  const startedHere = !runningBefore && backend.engine.snapshot().gateway.startedByUs;
  await backend.dispose({ stopGateway: startedHere });
  const final = backend.engine.snapshot();
  ctx.out.result(startedHere ? 'stopped; the gateway this run started was stopped too' : 'stopped', { ok: true, stoppedGateway: startedHere, last: statusDocument(final) });
  return ExitCode.ok;
}

async function listenForProbes(address: HealthAddress, source: Parameters<typeof startHealthServer>[1]): Promise<HealthServer> {
  try {
    return await startHealthServer(address, source);
  } catch (error) {
    throw new CommandFailure(ExitCode.usage, error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** Was a gateway already answering before we started anything? (A failed check counts as no.) */
async function isServing(ctx: CommandContext): Promise<boolean> {
  try {
    return (await (await ctx.backend()).check()).gateway.running;
  } catch {
    return false;
  }
}
