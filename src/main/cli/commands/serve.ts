/**
 * `ibkr-tray serve [--host H] [--port P]`: the local web dashboard over the same engine, until
 * Ctrl-C or SIGTERM. The printed address carries the access token: it is the user's own terminal.
 * Without --profile: one engine per profile in the settings and ONE dashboard showing a card per
 * profile (one address; `--json` adds `profiles`, each profile's name and gateway address), and the
 * list follows the settings file while it runs, as the tray app's does: a profile added, removed or
 * renamed by `ibkr-tray profile` in another terminal gets or loses its engine and its card. With one
 * profile the output is as before profiles; with --profile (or --gateway, --dir), that one alone, fixed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Notifier, type NotifyTarget } from '../../core/notify.js';
import { profileChanges, profileNamesNow } from '../../core/profiles.js';
import { surviveUnhandled } from '../../core/survive.js';
import { confSettingsBackend, defaultConfigDir } from '../../core/settings-file.js';
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
  /** The profile's name (its snapshot's). */
  readonly profile: string;
  readonly backend: CliBackend;
  notifier: Notifier | null;
  unsubscribe: () => void;
}

/** The profiles served now; their lines name them only while there are several (one: as before profiles). */
class ServedList {
  readonly list: Served[] = [];
  several(): boolean {
    return this.list.length > 1;
  }
}

export async function serve(ctx: CommandContext, host: string, port: number, notify: NotifyTarget | null = null): Promise<CommandResult> {
  if (!fs.existsSync(RENDERER_DIR)) throw new CommandFailure(ExitCode.usage, `the dashboard page is not built (${RENDERER_DIR} is missing): run \`npm run build\``);
  const names = ctx.global.profile === undefined ? await ctx.profiles() : [];
  // A gateway named on the command line (--gateway, --dir) is not the settings' profiles: nothing to follow.
  const following = ctx.global.profile === undefined && ctx.global.gatewayUrl === undefined && ctx.global.gatewayFolder === undefined;
  const served = new ServedList();
  const add = (backend: CliBackend): void => {
    served.list.push({ profile: backend.engine.snapshot().profile, backend, notifier: null, unsubscribe: () => undefined });
  };
  let dashboard: Dashboard | null = null;
  let stopFollowing = async (): Promise<void> => undefined;
  // A background failure that slipped through is logged and shown on the dashboard; serve keeps running.
  const stopSurviving = surviveUnhandled({
    log: (line) => ctx.out.problem(`ibkr-tray serve: ${line}`),
    show: (text) => {
      for (const s of served.list) s.backend.engine.notice('error', text);
    },
    verbose: ctx.global.verbose,
  });
  try {
    if (names.length > 1) for (const name of names) add(await ctx.backendOf(name, WATCHING));
    else add(await ctx.backend(WATCHING));
    const several = served.several();
    for (const s of served.list) await startEngine(ctx, served, s, notify);
    const [first, ...rest] = served.list.map((s): DashboardProfile => ({ name: s.profile, engine: s.backend.engine }));
    if (first === undefined) throw new CommandFailure(ExitCode.usage, 'no profile to serve: add one with `ibkr-tray profile add`');
    try {
      dashboard = await startDashboard({ profiles: [first, ...rest], host, port, rendererDir: RENDERER_DIR });
    } catch (error) {
      // EADDRINUSE and friends come back as one-line messages that say what to do.
      throw new CommandFailure(ExitCode.usage, error instanceof Error ? error.message : String(error), { cause: error });
    }
    for (const warning of dashboard.warnings) ctx.out.problem(`warning: ${warning}`);
    const d = dashboard;
    const [only] = served.list;
    if (!several && only !== undefined) {
      ctx.out.result(`dashboard: ${d.url}\n(Ctrl-C stops it)`, { ok: true, url: d.url, host: d.host, port: d.port, gatewayUrl: only.backend.gatewayUrl });
    } else {
      const profiles = served.list.map((s) => ({ profile: s.profile, gatewayUrl: s.backend.gatewayUrl }));
      ctx.out.result(`dashboard: ${d.url}\nprofiles: ${served.list.map((s) => s.profile).join(', ')}\n(Ctrl-C stops it)`, { ok: true, url: d.url, host: d.host, port: d.port, profiles });
    }
    if (following) stopFollowing = followSettings(ctx, served, d, notify);
    await untilStopped(ctx.stop);
  } finally {
    // No change after Ctrl-C. The engines are closed at once, before the change in flight ends: an
    // engine being opened is already in the list, and closing it ends its start (which may wait up to
    // 30 s for a gateway to launch); a profile still being read is closed by open() itself.
    const following = stopFollowing();
    await dashboard?.close();
    await Promise.all(served.list.map((s) => stopEngine(s)));
    await following;
    stopSurviving();
  }
  ctx.out.say('dashboard stopped');
  return ExitCode.ok;
}

/** Start one profile's engine, with its --notify pings. */
async function startEngine(ctx: CommandContext, served: ServedList, s: Served, notify: NotifyTarget | null): Promise<void> {
  const prefix = (): string => (served.several() ? `${s.profile}: ` : '');
  // --notify: a ping when the session needs the user (it also answers /livez and /readyz: health.ts).
  const notifier =
    notify === null ? null : new Notifier({ target: notify, profile: () => (served.several() ? s.profile : null), log: (line) => ctx.out.problem(`${prefix()}${line}`) });
  s.notifier = notifier;
  if (notifier) s.unsubscribe = s.backend.engine.subscribe((snapshot) => notifier.observe(snapshot));
  await s.backend.engine.start();
  notifier?.observe(s.backend.engine.snapshot());
}

/**
 * Close what startEngine opened. The gateway is left as it is: serve never stops one, and a profile
 * removed while serve runs was removed by someone who decided about its gateway (the command refuses
 * to remove one whose gateway IBKR Tray started and still runs), as in the tray app.
 */
async function stopEngine(s: Served): Promise<void> {
  s.unsubscribe();
  await s.notifier?.close();
  await s.backend.dispose({ stopGateway: false });
}

/**
 * Follow the settings file: after every change of it, open the profiles it gained and close the ones it
 * lost (profileChanges, the tray app's rule), one change at a time. A file that cannot be read (being
 * written by hand, damaged) keeps the profiles served as they are, with one line saying so. Returns the
 * function that stops following; it resolves once the change in flight, if any, is done.
 */
function followSettings(ctx: CommandContext, served: ServedList, dashboard: Dashboard, notify: NotifyTarget | null): () => Promise<void> {
  const settings = confSettingsBackend(ctx.global.configDir ?? defaultConfigDir());
  let stopped = false;
  // Ctrl-C aborts ctx.stop before serve's shutdown reaches stopFollowing: no change from that moment on.
  const over = (): boolean => stopped || ctx.stop.aborted;
  // Said once until the file can be read again: one save by hand can be several unreadable moments.
  let unreadable = false;
  /** Why a profile could not be opened, said once per reason (the file changes often: pins, accounts). */
  const openProblems = new Map<string, string>();
  let inFlight: Promise<void> = Promise.resolve();

  const close = async (name: string): Promise<void> => {
    const s = served.list.find((x) => x.profile === name);
    if (s === undefined) return;
    dashboard.removeProfile(name);
    served.list.splice(served.list.indexOf(s), 1);
    await stopEngine(s);
    ctx.out.say(`profile removed: ${name} (serving ${served.list.map((x) => x.profile).join(', ') || 'none'})`);
  };
  const open = async (name: string): Promise<void> => {
    let backend: CliBackend;
    try {
      backend = await ctx.backendOf(name, WATCHING);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (openProblems.get(name) !== reason) ctx.out.problem(`${name}: cannot be served: ${reason}`);
      openProblems.set(name, reason);
      return;
    }
    openProblems.delete(name);
    if (over()) {
      await backend.dispose({ stopGateway: false });
      return;
    }
    const s: Served = { profile: backend.engine.snapshot().profile, backend, notifier: null, unsubscribe: () => undefined };
    // In the list before it starts, so that Ctrl-C meanwhile disposes it with the others.
    served.list.push(s);
    try {
      await startEngine(ctx, served, s, notify);
    } catch (error) {
      // Ctrl-C closed it meanwhile (and took it out of the list's care): nothing to say.
      if (over()) return;
      served.list.splice(served.list.indexOf(s), 1);
      await stopEngine(s).catch(() => undefined);
      ctx.out.problem(`${name}: cannot be served: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (over()) return;
    dashboard.addProfile({ name: s.profile, engine: backend.engine });
    ctx.out.say(`profile added: ${s.profile} (serving ${served.list.map((x) => x.profile).join(', ')})`);
  };
  const apply = async (): Promise<void> => {
    if (over()) return;
    const now = profileNamesNow(settings);
    if (!now.ok) {
      if (!unreadable) ctx.out.problem(`${now.reason}: serving the same profiles until it can be read`);
      unreadable = true;
      return;
    }
    unreadable = false;
    const { toOpen, toClose } = profileChanges(
      served.list.map((s) => s.profile),
      now.names,
    );
    for (const name of toClose) if (!over()) await close(name);
    for (const name of toOpen) if (!over()) await open(name);
  };
  // One save is several events (the temp file, the rename): at most one look waits behind the one in
  // flight, and it reads the file as it is by then.
  let queued = false;
  const changed = (): void => {
    if (queued) return;
    queued = true;
    inFlight = inFlight
      .then(() => {
        queued = false;
        return apply();
      })
      .catch((error: unknown) => ctx.out.problem(`following the settings: ${error instanceof Error ? error.message : String(error)}`));
  };

  let watcher: fs.FSWatcher | null = null;
  try {
    // The folder, not the file: the file is replaced (written aside, then renamed) on every save.
    watcher = fs.watch(path.dirname(settings.path), (_event, file) => {
      if (file === path.basename(settings.path)) changed();
    });
    watcher.on('error', (error) => ctx.out.problem(`no longer following the settings file (profiles added now appear after a restart): ${error.message}`));
  } catch (error) {
    ctx.out.problem(`cannot follow the settings file (profiles added now appear after a restart): ${error instanceof Error ? error.message : String(error)}`);
  }
  // A change between the first read and the watch is not missed.
  changed();
  return async () => {
    stopped = true;
    watcher?.close();
    await inFlight;
  };
}
