/**
 * Every command has an overall deadline on top of the per-request timeouts: a gateway that hangs
 * (gateway-facts.md §4: with IBKR unreachable every forwarded request hangs forever) never hangs
 * the command.
 */
import type { CommandFailure } from './exit-codes.js';

/**
 * Resolve with `work`, or reject with `onTimeout()` once `ms` have passed; the loser's result is
 * ignored. The timer keeps the process alive on purpose: a promise that waits on nothing must still
 * end in a failure, never in a silent exit 0.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => CommandFailure): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Resolve after `ms`, or at once when `signal` aborts (a Ctrl-C during a wait). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Resolve when `signal` aborts: how keepalive and serve stay in the foreground until Ctrl-C. A timer
 * holds the process open meanwhile: an engine with nothing to do (e.g. the user stopped the gateway)
 * has no socket or timer of its own, and Node would otherwise end with the top-level await unsettled.
 */
export function untilStopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const hold = setInterval(() => undefined, 2 ** 30);
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(hold);
        resolve();
      },
      { once: true },
    );
  });
}
