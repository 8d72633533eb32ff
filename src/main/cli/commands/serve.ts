/**
 * `ibkr-tray serve [--host H] [--port P]`: the local web dashboard over the same engine, until
 * Ctrl-C or SIGTERM. The printed address carries the access token: it is the user's own terminal.
 * Without --profile and with several profiles in the settings: one engine per profile and ONE
 * dashboard showing a card per profile (one address; `--json` adds `profiles`, each profile's name
 * and gateway address). With one profile the output is as before profiles.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Notifier, type NotifyTarget } from '../../core/notify.js';
import { startDashboard, type Dashboard, type DashboardProfile } from '../../web/dashboard.js';
import type { CliBackend } from '../backend.js';
import type { CommandContext, CommandResult } from '../context.js';
import { untilStopped } from '../deadline.js';
import { CommandFailure, ExitCode } from '../exit-codes.js';
import { packageFolder } from '../installation.js';

/** out/renderer, built by `npm run build` beside out/main. */
const RENDERER_DIR = path.join(packageFolder(), 'out', 'renderer');

const WATCHING = { useWebSocket: true, watch: true } as const;

/** One profile's engine while the dashboard serves it. */
interface Served {
  /** The profile's name when several are served, null for one (output as before profiles). */
  readonly name: string | null;
  readonly backend: CliBackend;
  notifier: Notifier | null;
  unsubscribe: () => void;
}

export async function serve(ctx: CommandContext, host: string, port: number, notify: NotifyTarget | null = null): Promise<CommandResult> {
  if (!existsSync(RENDERER_DIR)) throw new CommandFailure(ExitCode.usage, `the dashboard page is not built (${RENDERER_DIR} is missing): run \`npm run build\``);
  const names = ctx.global.profile === undefined ? await ctx.profiles() : [];
  const served: Served[] = [];
  const add = (name: string | null, backend: CliBackend): void => {
    served.push({ name, backend, notifier: null, unsubscribe: () => undefined });
  };
  let dashboard: Dashboard | null = null;
  try {
    if (names.length > 1) for (const name of names) add(name, await ctx.backendOf(name, WATCHING));
    else add(null, await ctx.backend(WATCHING));
    for (const s of served) await startEngine(ctx, s, notify);
    const [first, ...rest] = served.map((s): DashboardProfile => ({ name: s.backend.engine.snapshot().profile, engine: s.backend.engine }));
    if (first === undefined) throw new CommandFailure(ExitCode.usage, 'no profile to serve: add one with `ibkr-tray profile add`');
    try {
      dashboard = await startDashboard({ profiles: [first, ...rest], host, port, rendererDir: RENDERER_DIR });
    } catch (error) {
      // EADDRINUSE and friends come back as one-line messages that say what to do.
      throw new CommandFailure(ExitCode.usage, error instanceof Error ? error.message : String(error), { cause: error });
    }
    for (const warning of dashboard.warnings) ctx.out.problem(`warning: ${warning}`);
    const d = dashboard;
    const [only] = served;
    if (served.length === 1 && only?.name === null) {
      ctx.out.result(`dashboard: ${d.url}\n(Ctrl-C stops it)`, { ok: true, url: d.url, host: d.host, port: d.port, gatewayUrl: only.backend.gatewayUrl });
    } else {
      const profiles = served.map((s) => ({ profile: s.name, gatewayUrl: s.backend.gatewayUrl }));
      ctx.out.result(`dashboard: ${d.url}\nprofiles: ${served.map((s) => s.name).join(', ')}\n(Ctrl-C stops it)`, { ok: true, url: d.url, host: d.host, port: d.port, profiles });
    }
    await untilStopped(ctx.stop);
  } finally {
    await dashboard?.close();
    await Promise.all(served.map((s) => stopEngine(s)));
  }
  ctx.out.say('dashboard stopped');
  return ExitCode.ok;
}

/** Start one profile's engine, with its --notify pings. */
async function startEngine(ctx: CommandContext, s: Served, notify: NotifyTarget | null): Promise<void> {
  const prefix = s.name === null ? '' : `${s.name}: `;
  // --notify: a ping when the session needs the user (it also answers /livez and /readyz: health.ts).
  const notifier = notify === null ? null : new Notifier({ target: notify, profile: () => s.name, log: (line) => ctx.out.problem(`${prefix}${line}`) });
  s.notifier = notifier;
  if (notifier) s.unsubscribe = s.backend.engine.subscribe((snapshot) => notifier.observe(snapshot));
  await s.backend.engine.start();
  notifier?.observe(s.backend.engine.snapshot());
}

/** Close what startEngine opened; the gateway is left as it is (serve never stops it). */
async function stopEngine(s: Served): Promise<void> {
  s.unsubscribe();
  await s.notifier?.close();
  await s.backend.dispose();
}
