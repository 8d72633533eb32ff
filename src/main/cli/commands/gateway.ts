/**
 * `ibkr-tray gateway start | stop | status | logs [--follow]`: the gateway process itself.
 * Start and stop go through the engine's intents (the supervisor checks the folder, adopts a gateway
 * already serving, records the pid so a later `stop` finds it). Logs are read from the gateway's own
 * `logs/gw.<date>.log` in its folder, since the gateway may have been started by another process.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CommandContext, CommandResult } from '../context.js';
import { pause } from '../deadline.js';
import { CommandFailure, ExitCode } from '../exit-codes.js';
import type { GatewayAction } from '../arguments.js';
import type { GatewayView } from '../../../shared/snapshot.js';

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

function describe(view: GatewayView): string {
  if (!view.running) return `gateway not running — ${view.url}${view.folder ? ` (folder ${view.folder})` : ''}`;
  const pid = view.pid === null ? 'pid unknown' : `pid ${view.pid}`;
  return `gateway running (${pid}, ${view.startedByUs ? 'started by ibkr-tray' : 'started elsewhere'}) — ${view.url}`;
}

async function startGateway(ctx: CommandContext): Promise<CommandResult> {
  const backend = await ctx.backend({ useWebSocket: false });
  const result = await backend.engine.dispatch({ type: 'start-gateway' });
  if (!result.ok) throw new CommandFailure(backend.gatewayFolder ? ExitCode.unreachable : ExitCode.usage, `cannot start the gateway: ${result.reason}`);
  const view = backend.engine.snapshot().gateway;
  ctx.out.result(describe(view), { ok: true, gateway: view, message: result.message ?? null });
  return ExitCode.ok;
}

async function stopGateway(ctx: CommandContext): Promise<CommandResult> {
  const backend = await ctx.backend({ useWebSocket: false });
  const result = await backend.engine.dispatch({ type: 'stop-gateway' });
  if (!result.ok) throw new CommandFailure(ExitCode.usage, `cannot stop the gateway: ${result.reason}`);
  ctx.out.result(result.message ?? 'gateway stopped', { ok: true, message: result.message ?? null });
  return ExitCode.ok;
}

async function gatewayStatus(ctx: CommandContext): Promise<CommandResult> {
  const backend = await ctx.backend();
  const snapshot = await backend.check();
  ctx.out.result(describe(snapshot.gateway), { gateway: snapshot.gateway, gatewayUrl: snapshot.gateway.url });
  return snapshot.gateway.running ? ExitCode.ok : ExitCode.unreachable;
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
  const backend = await ctx.backend({ useWebSocket: false });
  const folder = backend.gatewayFolder;
  if (!folder) throw new CommandFailure(ExitCode.usage, 'no gateway folder: pass --dir FOLDER (the folder that contains bin/ and root/)');
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
