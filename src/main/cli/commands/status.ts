/** `ibkr-tray status`: what the session is (`wait` is in wait.ts). */
import type { CommandContext, CommandResult } from '../context.js';
import type { CliBackend } from '../backend.js';
import type { ExitCode } from '../exit-codes.js';
import { exitCodeForError, exitCodeForState, worstExitCode } from '../exit-codes.js';
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
