/**
 * What every command receives: its options, where to write, the core (connected lazily, once), the
 * clock, and the signal that Ctrl-C / SIGTERM abort.
 */
import type { GlobalOptions } from './arguments.js';
import type { CliBackend } from './backend.js';
import type { ExitCode } from './exit-codes.js';
import type { Output } from './output.js';
import type { ProgressLine } from './progress.js';

export interface BackendOptions {
  /** How "log in" shows the gateway's login page (browser or printed URL). */
  readonly openLoginPage?: (url: string) => void | Promise<void>;
  /** Follow the gateway's WebSocket (keepalive, serve); one-shot commands use REST only. */
  readonly useWebSocket?: boolean;
  /** Let the engine check by itself (keepalive, serve); one-shot commands check once. */
  readonly watch?: boolean;
}

export interface CommandContext {
  readonly global: GlobalOptions;
  readonly out: Output;
  /**
   * Connect to the core. The first call decides the options; later calls return the same backend.
   * Without --profile when the settings hold more than one profile, rejects with a usage failure
   * that asks for --profile (never a guess).
   */
  backend(options?: BackendOptions): Promise<CliBackend>;
  /** The profiles' names in the settings, in display order (one, "Gateway", unless the user added more). */
  profiles(): Promise<readonly string[]>;
  /** Connect to the core for one named profile (a fresh backend each call: the caller disposes it). */
  backendOf(profile: string, options?: BackendOptions): Promise<CliBackend>;
  readonly now: () => number;
  /** When the command started (the process's start in the real command): a wait's --timeout counts from here. */
  readonly startedAt: number;
  /** Aborted by Ctrl-C or SIGTERM: long commands stop cleanly when it fires. */
  readonly stop: AbortSignal;
  /** A fresh progress line (prints only when stdout is a terminal). */
  progress(): ProgressLine;
  /** Open `url` in the system browser; false when no opener is available. */
  openBrowser(url: string): Promise<boolean>;
}

/** Exit code 130 (128 + SIGINT), the shell's convention for a command the user interrupted. */
export const INTERRUPTED = 130;

export type CommandResult = ExitCode | typeof INTERRUPTED;
