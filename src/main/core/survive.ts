/**
 * The last resort of the long-running shells (`serve`, the tray app): a failure nobody awaited (an
 * unhandled rejection) or an exception thrown from a callback must not end the process that keeps
 * the user's session and shows the dashboard. Every known failure is handled where it happens; this
 * catches what slipped through, logs it in one line, shows it as a notice in every window/dashboard,
 * and keeps running.
 */
import { oneLine } from './install/install-error.js';

export interface SurviveOptions {
  /** One line for the log (stderr). */
  readonly log: (line: string) => void;
  /** Show the line to the user (the engines' notices). */
  readonly show: (text: string) => void;
  /** Also log the stack (--verbose). */
  readonly verbose?: boolean;
  /** Default this process. */
  readonly process?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/** What went wrong, in one line (never a stack). */
export function failureLine(reason: unknown): string {
  const text = reason instanceof Error ? reason.message || reason.name : String(reason);
  return oneLine(text).slice(0, 500) || 'no reason given';
}

/** Keep the process alive through unhandled failures until the returned function is called. */
export function surviveUnhandled(options: SurviveOptions): () => void {
  const target = options.process ?? process;
  const caught = (reason: unknown): void => {
    const line = failureLine(reason);
    options.log(`unexpected failure (kept running): ${line}`);
    if (options.verbose && reason instanceof Error && reason.stack) options.log(reason.stack);
    try {
      options.show(`Something failed unexpectedly, and IBKR Tray kept running: ${line}`);
    } catch {
      // Showing it must never be a second failure.
    }
  };
  target.on('unhandledRejection', caught);
  target.on('uncaughtException', caught);
  return () => {
    target.off('unhandledRejection', caught);
    target.off('uncaughtException', caught);
  };
}
