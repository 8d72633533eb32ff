/** `ibkr-tray status` and `ibkr-tray wait`: what the session is, and waiting until it is ready. */
import { GatewayError } from '../../core/errors.js';
import type { AppSnapshot } from '../../../shared/snapshot.js';
import type { CommandContext, CommandResult } from '../context.js';
import { INTERRUPTED } from '../context.js';
import { pause } from '../deadline.js';
import type { CliBackend } from '../backend.js';
import { CommandFailure, ExitCode, exitCodeForError, exitCodeForGatewayFailure, exitCodeForState, worstExitCode } from '../exit-codes.js';
import { durationWords } from '../progress.js';
import { stateWords } from '../../../shared/state-words.js';
import { statusDocument, statusLine } from '../status-line.js';

/** One line (or the snapshot as JSON); exit 0 only when ready. With several profiles and no --profile: one line each. */
export async function status(ctx: CommandContext): Promise<CommandResult> {
  const names = ctx.global.profile === undefined ? await ctx.profiles() : [];
  if (names.length > 1) return statusOfEvery(ctx, names);
  const backend = await ctx.backend();
  const snapshot = await backend.check();
  ctx.out.result(statusLine(snapshot), statusDocument(snapshot));
  return exitCodeForState(snapshot.state);
}

/**
 * `status` without --profile when there are several: one line per profile, `Name: <status>`, and the
 * worst exit code (a profile that cannot be checked counts with its failure's code).
 */
async function statusOfEvery(ctx: CommandContext, names: readonly string[]): Promise<CommandResult> {
  const lines: string[] = [];
  const documents: unknown[] = [];
  const codes: ExitCode[] = [];
  for (const name of names) {
    let backend: CliBackend | null = null;
    try {
      backend = await ctx.backendOf(name);
      const snapshot = await backend.check();
      lines.push(`${name}: ${statusLine(snapshot)}`);
      documents.push({ ...statusDocument(snapshot), profile: name });
      codes.push(exitCodeForState(snapshot.state));
    } catch (error) {
      const code = exitCodeForError(error);
      const message = error instanceof Error ? error.message : String(error);
      lines.push(`${name}: ${message}`);
      documents.push({ profile: name, error: { message }, exitCode: code });
      codes.push(code);
    } finally {
      await backend?.dispose().catch(() => undefined);
    }
  }
  ctx.out.result(lines.join('\n'), { profiles: documents });
  return worstExitCode(codes);
}

/**
 * Ask every `intervalMs` until the session is ready, starting and opening nothing. A gateway that is
 * down or hangs is waited for (it may be starting); a 429 or a changed certificate ends the wait at
 * once, since neither goes away by waiting.
 */
export async function waitUntilReady(ctx: CommandContext, timeoutMs: number, intervalMs: number): Promise<CommandResult> {
  const backend = await ctx.backend();
  const progress = ctx.progress();
  const startedAt = ctx.now();
  let last = 'checking';
  for (;;) {
    let snapshot: AppSnapshot | null = null;
    try {
      snapshot = await backend.check();
    } catch (error) {
      if (!(error instanceof GatewayError) || exitCodeForGatewayFailure(error.kind) !== ExitCode.unreachable) {
        progress.clear();
        throw error;
      }
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
    const remaining = startedAt + timeoutMs - ctx.now();
    if (remaining <= 0) {
      progress.clear();
      throw new CommandFailure(ExitCode.timedOut, `timed out after ${durationWords(timeoutMs)} waiting for the session; last state: ${last}`);
    }
    progress.update(`waiting for the session: ${last}`);
    await pause(Math.min(intervalMs, remaining), ctx.stop);
    if (ctx.stop.aborted) {
      progress.clear();
      ctx.out.problem(`interrupted; last state: ${last}`);
      return INTERRUPTED;
    }
  }
}
