/**
 * `ibkr-tray keepalive [--health HOST:PORT] [--notify URL]`: the engine in the foreground. It keeps
 * the session alive (tickles, the WebSocket, brokerage re-init) and prints one line per change of
 * state, until Ctrl-C or SIGTERM. `--health` answers /livez and /readyz for a supervisor; `--notify`
 * pings a webhook or ntfy topic when the session needs the user.
 * On the way out it stops the gateway only if this run started it: a gateway that was already
 * running (started by the user, the tray app or `ibkr-tray gateway start`) is left alone.
 * Without --profile and with several profiles in the settings, it does all this for every profile at
 * once (one engine each, sharing nothing), each line prefixed with the profile's name.
 */
import { Notifier, type NotifyTarget } from '../../core/notify.js';
import { neediestOf, startHealthServer, type HealthAddress, type HealthServer } from '../../web/health.js';
import type { AppSnapshot, SessionKind } from '../../../shared/snapshot.js';
import type { CliBackend } from '../backend.js';
import type { CommandContext, CommandResult } from '../context.js';
import { untilStopped } from '../deadline.js';
import { CommandFailure, ExitCode } from '../exit-codes.js';
import { statusDocument, statusLine } from '../status-line.js';

export interface KeepaliveOptions {
  readonly health: HealthAddress | null;
  readonly notify: NotifyTarget | null;
}

/** What keepalive holds of one profile while it runs. */
interface Watched {
  /** The profile's name when several run (it prefixes their lines), null for one profile (lines as before profiles). */
  readonly name: string | null;
  readonly backend: CliBackend;
  /** A gateway was answering before this run started anything (its first line waits for a check). */
  runningBefore: boolean;
  /**
   * The gateway running now was launched by this run (at its start, or as a restart after a crash),
   * as the supervisor said: Ctrl-C stops it. One that was adopted (running before) is left alone.
   */
  launchedHere: boolean;
  notifier: Notifier | null;
  /** The state of the last line printed: a line only when it changes (the details of one state fill in over a second). */
  lastState: SessionKind | null;
  /** Lines are printed once the engine has started (and adopted a running gateway): what comes before is its start-up. */
  live: boolean;
  /**
   * A line held back: a "ready" waiting (at most DETAILS_WAIT_MS) for the user and account that
   * follow it (printed when another state comes first), or a "gateway stopped" the engine assumed at
   * its start while a gateway answered a moment before (dropped when the first check says otherwise).
   */
  pending: { snapshot: AppSnapshot; timer: NodeJS.Timeout; supersededBy: 'printed' | 'dropped' } | null;
}

/** How long a "ready" line waits for the user name and the account (they arrive within a second). */
const DETAILS_WAIT_MS = 2_000;

/** A ready session shows who and which account; a line printed before they arrive would be printed again. */
function hasItsDetails(snapshot: AppSnapshot): boolean {
  return snapshot.state !== 'ready' || (snapshot.username !== null && snapshot.selectedAccount !== null);
}

const WATCHING = { useWebSocket: true, watch: true } as const;

/**
 * Keep the session of one profile alive, or of every profile when the settings hold several and no
 * --profile was given (one engine each, each line prefixed with the profile's name).
 */
export async function keepalive(ctx: CommandContext, options: KeepaliveOptions = { health: null, notify: null }): Promise<CommandResult> {
  const names = ctx.global.profile === undefined ? await ctx.profiles() : [];
  const watched: Watched[] = [];
  const watch = (name: string | null, backend: CliBackend): void => {
    watched.push({ name, backend, runningBefore: false, launchedHere: false, notifier: null, lastState: null, live: false, pending: null });
  };
  let disposed = false;
  try {
    if (names.length > 1) for (const name of names) watch(name, await ctx.backendOf(name, WATCHING));
    else watch(null, await ctx.backend(WATCHING));
    const result = await keepEveryAlive(ctx, options, watched);
    disposed = true;
    return result;
  } finally {
    // A failure half way (a profile that cannot be opened, a probe port taken): release the engines
    // already opened. The gateways are left running: stopping them is for a clean Ctrl-C only.
    if (!disposed) await Promise.all(watched.map((w) => w.backend.dispose().catch(() => undefined)));
  }
}

async function keepEveryAlive(ctx: CommandContext, options: KeepaliveOptions, watched: readonly Watched[]): Promise<CommandResult> {
  let engineRunning = false;
  // The probe port first: a port already taken should stop us before anything (a gateway) starts.
  // With several profiles the probes answer for the one that most needs the user: ready only when all are.
  const neediest = (): AppSnapshot => {
    const [first, ...rest] = watched.map((w) => w.backend.engine.snapshot());
    if (first === undefined) throw new Error('keepalive: no profile to answer the probes for');
    return neediestOf([first, ...rest]);
  };
  const health = options.health === null ? null : await listenForProbes(options.health, { snapshot: neediest, running: () => engineRunning });
  for (const warning of health?.warnings ?? []) ctx.out.problem(`warning: ${warning}`);
  const unsubscribes: (() => void)[] = [];
  for (const w of watched) {
    const prefix = w.name === null ? '' : `${w.name}: `;
    w.notifier = options.notify === null ? null : new Notifier({ target: options.notify, profile: () => w.name, log: (line) => ctx.out.problem(`${prefix}${line}`) });
    w.runningBefore = w.backend.engine.snapshot().gateway.running || (await isServing(w.backend));
  }
  const write = (w: Watched, snapshot: AppSnapshot): void => {
    const stamp = new Date(snapshot.at).toISOString().replace('T', ' ').slice(0, 19);
    // With --json: one JSON document per line on stdout would break "exactly one document", so
    // keepalive --json writes JSON lines to stderr and a final summary document to stdout.
    if (ctx.global.json) ctx.out.stderr.write(`${JSON.stringify(w.name === null ? statusDocument(snapshot) : { ...statusDocument(snapshot), profile: w.name })}\n`);
    else ctx.out.stdout.write(`${stamp} ${w.name === null ? '' : `${w.name}: `}${statusLine(snapshot)}\n`);
  };
  const flush = (w: Watched): void => {
    const pending = w.pending;
    if (pending === null) return;
    clearTimeout(pending.timer);
    w.pending = null;
    write(w, pending.snapshot);
  };
  const print = (w: Watched, snapshot: AppSnapshot): void => {
    w.notifier?.observe(snapshot);
    if (!w.live) return;
    if (w.pending !== null) {
      if (snapshot.state === w.pending.snapshot.state) {
        w.pending.snapshot = snapshot;
        if (w.pending.supersededBy === 'printed' && hasItsDetails(snapshot)) flush(w);
        return;
      }
      // In order: the state that was filling in, then the new one; an assumption is just dropped.
      if (w.pending.supersededBy === 'printed') flush(w);
      else {
        clearTimeout(w.pending.timer);
        w.pending = null;
      }
    }
    if (snapshot.state === w.lastState) return;
    w.lastState = snapshot.state;
    if (hasItsDetails(snapshot)) write(w, snapshot);
    else w.pending = { snapshot, timer: setTimeout(() => flush(w), DETAILS_WAIT_MS), supersededBy: 'printed' };
  };
  /** The first line of a profile: its state now, unless that is a "stopped" only assumed at the start (see Watched.pending). */
  const first = (w: Watched): void => {
    w.live = true;
    const now = w.backend.engine.snapshot();
    if (!(w.runningBefore && now.state === 'stopped')) return print(w, now);
    w.lastState = now.state;
    // The first check answers within a request timeout; if it still says stopped then, it is so.
    w.pending = { snapshot: now, timer: setTimeout(() => flush(w), ctx.global.requestTimeoutMs + 1_000), supersededBy: 'dropped' };
  };
  /** A crash gets its own line (the states alone would only say "starting"); the restart's start follows. */
  const crashed = (w: Watched, how: string, restart: { readonly attempt: number; readonly of: number }): void => {
    const stamp = new Date().toISOString().replace('T', ' ').slice(0, 19);
    const text = `the gateway stopped unexpectedly (${how}); starting it again (restart ${restart.attempt} of ${restart.of})`;
    if (ctx.global.json) ctx.out.stderr.write(`${JSON.stringify({ event: 'gateway-exit', how, restart, ...(w.name === null ? {} : { profile: w.name }) })}\n`);
    else ctx.out.stdout.write(`${stamp} ${w.name === null ? '' : `${w.name}: `}${text}\n`);
  };
  for (const w of watched) {
    unsubscribes.push(w.backend.engine.subscribe((snapshot) => print(w, snapshot)));
    unsubscribes.push(
      w.backend.engine.onGatewayEvent((event) => {
        if (event.type === 'state' && event.state.kind === 'running') w.launchedHere = event.state.startedByUs && !event.state.adopted;
        if (event.type === 'exit' && event.restart) crashed(w, event.how ?? 'it is gone', event.restart);
      }),
    );
  }
  try {
    await Promise.all(watched.map((w) => w.backend.engine.start()));
    engineRunning = true;
    if (health) ctx.out.say(`health probes: ${health.url}/livez ${health.url}/readyz`);
    // What the engine showed while starting (a "gateway stopped" it assumed before adopting the
    // running gateway) is not printed; no request is added for it (IBKR: sso/validate once a minute).
    for (const w of watched) first(w);
    await untilStopped(ctx.stop);
  } finally {
    engineRunning = false;
    for (const unsubscribe of unsubscribes) unsubscribe();
    for (const w of watched) flush(w);
    await health?.close();
    await Promise.all(watched.map((w) => w.notifier?.close()));
  }
  const stopped = await Promise.all(
    watched.map(async (w) => {
      const startedHere = w.launchedHere && w.backend.engine.snapshot().gateway.startedByUs;
      await w.backend.dispose({ stopGateway: startedHere });
      return { w, startedHere, last: statusDocument(w.backend.engine.snapshot()) };
    }),
  );
  const words = (startedHere: boolean): string => (startedHere ? 'stopped; the gateway this run started was stopped too' : 'stopped');
  const [only] = stopped;
  if (stopped.length === 1 && only !== undefined && only.w.name === null) {
    ctx.out.result(words(only.startedHere), { ok: true, stoppedGateway: only.startedHere, last: only.last });
  } else {
    ctx.out.result(
      stopped.map((s) => `${s.w.name ?? ''}: ${words(s.startedHere)}`).join('\n'),
      { ok: true, profiles: stopped.map((s) => ({ profile: s.w.name, stoppedGateway: s.startedHere, last: s.last })) },
    );
  }
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
async function isServing(backend: CliBackend): Promise<boolean> {
  try {
    return (await backend.check()).gateway.running;
  } catch {
    return false;
  }
}
