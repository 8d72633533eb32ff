/**
 * The engine's downloads for the user (the gateway, Java), as the tray app and the dashboard start
 * them: one at a time (two would race for the same folders and the same gateway), cancellable, and
 * their progress published as plain data at most a few times a second, because every change becomes
 * a snapshot sent to every shell over IPC and HTTP. How each one ends is told as a notice.
 */
import type { InstallView, InstallWhat, Notice } from '../../../shared/snapshot.js';
import type { Clock } from '../gateway/clock.js';
import type { InstallProgress } from './gateway-install.js';
import { InstallError } from './install-error.js';

/** One install: does the work, reports progress, stops when `signal` fires; resolves with the line to tell the user. */
export type InstallWork = (signal: AbortSignal, onProgress: (progress: InstallProgress) => void) => Promise<string>;

export interface InstallsOptions {
  readonly clock: Clock;
  /** The view changed: the owner emits a snapshot. */
  readonly onChange: () => void;
  /** How an install ended, for the user. */
  readonly notice: (level: Notice['level'], text: string) => void;
  /** At most one progress update per this many ms (default 200: five snapshots a second). */
  readonly progressIntervalMs?: number;
}

/** An install's start refused: the reason, in the user's words. */
export interface InstallRefused {
  readonly refused: string;
}

const NAMES: { readonly [K in InstallWhat]: string } = { gateway: 'the gateway', java: 'Java' };

interface Running {
  readonly what: InstallWhat;
  readonly controller: AbortController;
  /** What the snapshots show. */
  shown: InstallView;
  shownAt: number;
  /** The newest progress, shown when the interval allows. */
  latest: InstallView;
  timer: unknown;
  readonly settled: Promise<void>;
}

export class Installs {
  private running: Running | null = null;
  private readonly intervalMs: number;

  constructor(private readonly options: InstallsOptions) {
    this.intervalMs = options.progressIntervalMs ?? 200;
  }

  /** The install under way, as the snapshot shows it, or null. */
  view(): InstallView | null {
    return this.running?.shown ?? null;
  }

  /**
   * Begin `work` unless an install is under way (then refused, with why). Resolves when it has
   * ended (never rejects: the outcome goes to a notice).
   */
  begin(what: InstallWhat, work: InstallWork): Promise<void> | InstallRefused {
    const busy = this.running;
    if (busy) {
      const name = NAMES[busy.what];
      return { refused: `${name.charAt(0).toUpperCase()}${name.slice(1)} is being downloaded already: wait for it to finish, or cancel it first.` };
    }
    const controller = new AbortController();
    const first: InstallView = { what, phase: 'download', received: 0, total: null };
    let settle = (): void => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const run: Running = { what, controller, shown: first, shownAt: this.options.clock.now(), latest: first, timer: null, settled };
    this.running = run;
    this.options.onChange();
    void (async () => {
      try {
        const done = await work(controller.signal, (progress) => this.progress(run, progress));
        this.options.notice('info', done);
      } catch (error) {
        this.options.notice(...failureNotice(what, error, controller.signal.aborted));
      } finally {
        if (run.timer !== null) this.options.clock.clearTimeout(run.timer);
        if (this.running === run) this.running = null;
        settle();
        this.options.onChange();
      }
    })().catch((error: unknown) => {
      // A listener of the notice or of the change threw: the install has ended anyway, and the
      // process must not end with it (this runs in the background of the tray app and serve).
      try {
        this.options.notice('error', `Showing how ${NAMES[what]}'s download ended failed: ${error instanceof Error ? error.message : String(error)}`);
      } catch {
        // nothing more to do: the failure is not the download's
      }
    });
    return settled;
  }

  /** Cancel the install under way; false when there is none. */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.controller.abort();
    return true;
  }

  /** Cancel whatever runs and resolve once it has cleaned up, or after `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    const run = this.running;
    if (!run) return;
    run.controller.abort();
    let timer: unknown = null;
    await Promise.race([run.settled, new Promise<void>((resolve) => (timer = this.options.clock.setTimeout(resolve, timeoutMs)))]);
    this.options.clock.clearTimeout(timer);
  }

  private progress(run: Running, progress: InstallProgress): void {
    if (this.running !== run) return;
    run.latest = { what: run.what, phase: progress.phase, received: progress.received, total: progress.total };
    const now = this.options.clock.now();
    // A new phase is shown at once; bytes within a phase at most every intervalMs (the last one too).
    if (run.latest.phase !== run.shown.phase || now - run.shownAt >= this.intervalMs) {
      this.show(run);
      return;
    }
    run.timer ??= this.options.clock.setTimeout(() => {
      run.timer = null;
      if (this.running === run) this.show(run);
    }, this.intervalMs - (now - run.shownAt));
  }

  private show(run: Running): void {
    if (run.timer !== null) {
      this.options.clock.clearTimeout(run.timer);
      run.timer = null;
    }
    run.shown = run.latest;
    run.shownAt = this.options.clock.now();
    this.options.onChange();
  }
}

/** The notice for an install that did not complete: its InstallError's line, or what went wrong. */
function failureNotice(what: InstallWhat, error: unknown, aborted: boolean): [Notice['level'], string] {
  if (error instanceof InstallError) return [error.kind === 'cancelled' ? 'info' : 'error', error.message];
  if (aborted) return ['info', `The download of ${NAMES[what]} was cancelled.`];
  return ['error', `Installing ${NAMES[what]} failed: ${error instanceof Error ? error.message : String(error)}`];
}
