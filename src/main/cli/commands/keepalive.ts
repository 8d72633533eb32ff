/**
 * `ibkr-tray keepalive`: the engine in the foreground. It keeps the session alive (tickles, the
 * WebSocket, brokerage re-init) and prints one line per change of state, until Ctrl-C or SIGTERM.
 * On the way out it stops the gateway only if this run started it: a gateway that was already
 * running (started by the user, the tray app or `ibkr-tray gateway start`) is left alone.
 */
import type { AppSnapshot } from '../../../shared/snapshot.js';
import type { CommandContext, CommandResult } from '../context.js';
import { untilStopped } from '../deadline.js';
import { ExitCode } from '../exit-codes.js';
import { statusDocument, statusLine } from '../status-line.js';

export async function keepalive(ctx: CommandContext): Promise<CommandResult> {
  const backend = await ctx.backend({ useWebSocket: true, watch: true });
  const runningBefore = backend.engine.snapshot().gateway.running || (await isServing(ctx));
  let lastLine = '';
  const print = (snapshot: AppSnapshot): void => {
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
    print(backend.engine.snapshot());
    await untilStopped(ctx.stop);
  } finally {
    unsubscribe();
  }
  const startedHere = !runningBefore && backend.engine.snapshot().gateway.startedByUs;
  await backend.dispose({ stopGateway: startedHere });
  const final = backend.engine.snapshot();
  ctx.out.result(startedHere ? 'stopped; the gateway this run started was stopped too' : 'stopped', { ok: true, stoppedGateway: startedHere, last: statusDocument(final) });
  return ExitCode.ok;
}

/** Was a gateway already answering before we started anything? (A failed check counts as no.) */
async function isServing(ctx: CommandContext): Promise<boolean> {
  try {
    return (await (await ctx.backend()).check()).gateway.running;
  } catch {
    return false;
  }
}
