/**
 * `ibkr-tray serve [--host H] [--port P]`: the local web dashboard over the same engine, until
 * Ctrl-C or SIGTERM. The printed address carries the access token: it is the user's own terminal.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Notifier, type NotifyTarget } from '../../core/notify.js';
import { startDashboard } from '../../web/dashboard.js';
import type { CommandContext, CommandResult } from '../context.js';
import { untilStopped } from '../deadline.js';
import { CommandFailure, ExitCode } from '../exit-codes.js';
import { packageFolder } from '../installation.js';

/** out/renderer, built by `npm run build` beside out/main. */
const RENDERER_DIR = path.join(packageFolder(), 'out', 'renderer');

export async function serve(ctx: CommandContext, host: string, port: number, notify: NotifyTarget | null = null): Promise<CommandResult> {
  if (!existsSync(RENDERER_DIR)) throw new CommandFailure(ExitCode.usage, `the dashboard page is not built (${RENDERER_DIR} is missing): run \`npm run build\``);
  const backend = await ctx.backend({ useWebSocket: true, watch: true });
  // --notify: a ping when the session needs the user (it also answers /livez and /readyz: health.ts).
  const notifier = notify === null ? null : new Notifier({ target: notify, log: (line) => ctx.out.problem(line) });
  const unsubscribe = notifier === null ? () => undefined : backend.engine.subscribe((snapshot) => notifier.observe(snapshot));
  await backend.engine.start();
  notifier?.observe(backend.engine.snapshot());
  let dashboard;
  try {
    dashboard = await startDashboard({ engine: backend.engine, host, port, rendererDir: RENDERER_DIR });
  } catch (error) {
    unsubscribe();
    await notifier?.close();
    // EADDRINUSE and friends come back as one-line messages that say what to do.
    throw new CommandFailure(ExitCode.usage, error instanceof Error ? error.message : String(error), { cause: error });
  }
  for (const warning of dashboard.warnings) ctx.out.problem(`warning: ${warning}`);
  ctx.out.result(`dashboard: ${dashboard.url}\n(Ctrl-C stops it)`, { ok: true, url: dashboard.url, host: dashboard.host, port: dashboard.port, gatewayUrl: backend.gatewayUrl });
  await untilStopped(ctx.stop);
  await dashboard.close();
  unsubscribe();
  await notifier?.close();
  await backend.dispose();
  ctx.out.say('dashboard stopped');
  return ExitCode.ok;
}
