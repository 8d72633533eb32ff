/**
 * `ibkr-tray wait`: check every `--interval` (default 1 s) until the session is ready, starting and
 * opening nothing. The wait ends at its `--timeout`, counted from when the command started: a check
 * still in flight at that moment is abandoned (a gateway that hangs must not add a request timeout
 * to the wait the user asked for).
 */
import { GatewayError } from '../../core/errors.js';
import type { AppSnapshot } from '../../../shared/snapshot.js';
import type { CommandContext, CommandResult } from '../context.js';
import { INTERRUPTED } from '../context.js';
import { pause, withDeadline } from '../deadline.js';
import { CommandFailure, ExitCode, exitCodeForGatewayFailure, exitCodeForState } from '../exit-codes.js';
import { durationWords } from '../progress.js';
import { stateWords } from '../../../shared/state-words.js';
import { statusDocument, statusLine } from '../status-line.js';

/**
 * Ask every `intervalMs` until the session is ready. A gateway that is down or hangs is waited for
 * (it may be starting); a 429 or a changed certificate ends the wait at once, since neither goes
 * away by waiting.
 */
export async function waitUntilReady(ctx: CommandContext, timeoutMs: number, intervalMs: number): Promise<CommandResult> {
  const endsAt = ctx.startedAt + timeoutMs;
  let last = 'no answer from the gateway yet';
  const timedOut = (): CommandFailure => new CommandFailure(ExitCode.timedOut, `timed out after ${durationWords(timeoutMs)} waiting for the session; last state: ${last}`);
  const progress = ctx.progress();
  try {
    const backend = await withDeadline(ctx.backend(), Math.max(0, endsAt - ctx.now()), timedOut);
    for (;;) {
      let snapshot: AppSnapshot | null = null;
      try {
        snapshot = await withDeadline(backend.check(), Math.max(0, endsAt - ctx.now()), timedOut);
      } catch (error) {
        // Unreachable for now, or our own pacing had no slot in time (nothing sent): wait on.
        if (!(error instanceof GatewayError) || (exitCodeForGatewayFailure(error.kind) !== ExitCode.unreachable && error.details.notSent !== true)) throw error;
        last = error.message;
      }
      if (snapshot) {
        if (snapshot.state === 'ready' || snapshot.state === 'rate-limited') {
          progress.clear();
          ctx.out.result(statusLine(snapshot), statusDocument(snapshot));
          return exitCodeForState(snapshot.state);
        }
        last = `${stateWords(snapshot.state)}${snapshot.reason ? ` (${snapshot.reason})` : ''}`;
      }
      const remaining = endsAt - ctx.now();
      if (remaining <= 0) throw timedOut();
      progress.update(`waiting for the session: ${last}`);
      await pause(Math.min(intervalMs, remaining), ctx.stop);
      if (ctx.stop.aborted) {
        progress.clear();
        ctx.out.problem(`interrupted; last state: ${last}`);
        return INTERRUPTED;
      }
      // The pause took us to the deadline: no check is sent at the moment the wait ends.
      if (endsAt - ctx.now() <= 0) throw timedOut();
    }
  } finally {
    progress.clear();
  }
}
