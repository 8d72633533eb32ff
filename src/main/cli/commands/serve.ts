/**
 * `ibkr-tray serve [--host H] [--port P]`: the local web dashboard over the same engine, until
 * Ctrl-C or SIGTERM. The printed address carries the access token: it is the user's own terminal.
 * Without --profile and with several profiles in the settings: one dashboard per profile (the page
 * shows one engine; cards for several are a later step), on --port, --port + 1, … (or each on a free
 * port with --port 0), each line prefixed with the profile's name.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Notifier, type NotifyTarget } from '../../core/notify.js';
import { startDashboard, type Dashboard } from '../../web/dashboard.js';
import type { CliBackend } from '../backend.js';
import type { CommandContext, CommandResult } from '../context.js';
import { untilStopped } from '../deadline.js';
import { CommandFailure, ExitCode } from '../exit-codes.js';
import { packageFolder } from '../installation.js';

/** out/renderer, built by `npm run build` beside out/main. */
const RENDERER_DIR = path.join(packageFolder(), 'out', 'renderer');

const WATCHING = { useWebSocket: true, watch: true } as const;

/** One profile's dashboard while it runs. */
interface Served {
  /** The profile's name when several are served, null for one (output as before profiles). */
  readonly name: string | null;
  readonly backend: CliBackend;
  notifier: Notifier | null;
  unsubscribe: () => void;
  dashboard: Dashboard | null;
}

export async function serve(ctx: CommandContext, host: string, port: number, notify: NotifyTarget | null = null): Promise<CommandResult> {
  if (!existsSync(RENDERER_DIR)) throw new CommandFailure(ExitCode.usage, `the dashboard page is not built (${RENDERER_DIR} is missing): run \`npm run build\``);
  const names = ctx.global.profile === undefined ? await ctx.profiles() : [];
  const served: Served[] = [];
  const add = (name: string | null, backend: CliBackend): void => {
    served.push({ name, backend, notifier: null, unsubscribe: () => undefined, dashboard: null });
  };
  try {
    if (names.length > 1) for (const name of names) add(name, await ctx.backendOf(name, WATCHING));
    else add(null, await ctx.backend(WATCHING));
    for (const [index, s] of served.entries()) await startServing(ctx, s, host, port === 0 ? 0 : port + index, notify);
    for (const s of served) for (const warning of s.dashboard?.warnings ?? []) ctx.out.problem(`warning: ${s.name === null ? '' : `${s.name}: `}${warning}`);
    const [only] = served;
    if (served.length === 1 && only?.name === null && only.dashboard) {
      const d = only.dashboard;
      ctx.out.result(`dashboard: ${d.url}\n(Ctrl-C stops it)`, { ok: true, url: d.url, host: d.host, port: d.port, gatewayUrl: only.backend.gatewayUrl });
    } else {
      const lines = served.map((s) => `${s.name ?? ''}: dashboard: ${s.dashboard?.url ?? ''}`);
      const documents = served.map((s) => ({ profile: s.name, url: s.dashboard?.url, host: s.dashboard?.host, port: s.dashboard?.port, gatewayUrl: s.backend.gatewayUrl }));
      ctx.out.result(`${lines.join('\n')}\n(Ctrl-C stops them)`, { ok: true, dashboards: documents });
    }
    await untilStopped(ctx.stop);
  } finally {
    await Promise.all(served.map((s) => stopServing(s)));
  }
  ctx.out.say(served.length > 1 ? 'dashboards stopped' : 'dashboard stopped');
  return ExitCode.ok;
}

/** Start one profile's engine and its dashboard. */
async function startServing(ctx: CommandContext, s: Served, host: string, port: number, notify: NotifyTarget | null): Promise<void> {
  const prefix = s.name === null ? '' : `${s.name}: `;
  // --notify: a ping when the session needs the user (it also answers /livez and /readyz: health.ts).
  const notifier = notify === null ? null : new Notifier({ target: notify, log: (line) => ctx.out.problem(`${prefix}${line}`) });
  s.notifier = notifier;
  if (notifier) s.unsubscribe = s.backend.engine.subscribe((snapshot) => notifier.observe(snapshot));
  await s.backend.engine.start();
  notifier?.observe(s.backend.engine.snapshot());
  try {
    s.dashboard = await startDashboard({ engine: s.backend.engine, host, port, rendererDir: RENDERER_DIR });
  } catch (error) {
    // EADDRINUSE and friends come back as one-line messages that say what to do.
    const message = error instanceof Error ? error.message : String(error);
    throw new CommandFailure(ExitCode.usage, `${prefix}${message}`, { cause: error });
  }
}

/** Close what startServing opened; the gateway is left as it is (serve never stops it). */
async function stopServing(s: Served): Promise<void> {
  await s.dashboard?.close();
  s.unsubscribe();
  await s.notifier?.close();
  await s.backend.dispose();
}
