/**
 * `ibkr-tray gateway install [--from URL|FILE] [--dir FOLDER]`: the core's installGateway with one
 * updating progress line on a terminal, Ctrl-C as its AbortSignal, and the installed folder
 * remembered as the gateway folder. The gateway is stopped for the swap only when an update
 * actually replaces the folder it runs from, and started again afterwards.
 */
import path from 'node:path';
import { amountWords, megabytes, percentDone } from '../../../shared/install-words.js';
import { downloadAddresses } from '../../core/install/download-addresses.js';
import { gatewayInstallFolder, installGateway, type GatewayControl, type InstallProgress } from '../../core/install/gateway-install.js';
import { asInstallError, InstallError } from '../../core/install/install-error.js';
import { isProcessAlive } from '../../core/gateway/process-tree.js';
import type { CliBackend } from '../backend.js';
import { INTERRUPTED, type CommandContext, type CommandResult } from '../context.js';
import { CommandFailure, ExitCode, exitCodeForInstallFailure } from '../exit-codes.js';
import { recordedPid } from './gateway.js';

export { megabytes };

/** The progress line's words: `downloading the gateway: 3.1 of 9.8 MB (32%), 1.4 MB/s`. */
export function progressWords(what: string, progress: InstallProgress, elapsedMs: number): string {
  if (progress.phase === 'unpack') return `unpacking ${what}…`;
  const rate = elapsedMs > 0 ? `, ${megabytes((progress.received * 1000) / elapsedMs)}/s` : '';
  const percent = percentDone(progress.received, progress.total);
  return `downloading ${what}: ${amountWords(progress.received, progress.total)}${percent === null ? '' : ` (${percent}%)`}${rate}`;
}

/** A progress callback that redraws at most ~10 times a second (a fast local copy must not flood). */
export function progressReporter(ctx: CommandContext, what: string): { onProgress: (p: InstallProgress) => void; clear: () => void } {
  const line = ctx.progress();
  const started = ctx.now();
  let drawnAt = -Infinity;
  return {
    onProgress: (p) => {
      const now = ctx.now();
      if (p.phase === 'download' && p.received !== p.total && now - drawnAt < 100) return;
      drawnAt = now;
      line.update(progressWords(what, p, now - started));
    },
    clear: () => line.clear(),
  };
}

/**
 * An InstallError becomes the command's one-line failure with its exit code; a cancel (Ctrl-C)
 * ends with the shell's 130, its reason on stderr like every other failure.
 */
export function installFailure(ctx: CommandContext, error: unknown): CommandResult {
  // The installers already give only InstallErrors; this keeps a stack trace off the user's screen anyway.
  error = asInstallError(error, 'the install');
  if (!(error instanceof InstallError)) throw error;
  const code = exitCodeForInstallFailure(error.kind);
  if (code === INTERRUPTED) {
    ctx.out.problem(`ibkr-tray: ${error.message}`);
    ctx.out.result(null, { ok: false, exitCode: code, error: { kind: error.kind, message: error.message } });
    return INTERRUPTED;
  }
  throw new CommandFailure(code, error.message, { cause: error });
}

/** Stopping and starting the gateway of `folder` the way `gateway stop` / `gateway start` do. */
function gatewayControl(backend: CliBackend, folder: string): GatewayControl {
  const ours = async (): Promise<number | null> => {
    const record = backend.gatewayRecord();
    if (!record || path.resolve(record.folder) !== folder) return null;
    const pid = await recordedPid(record);
    return pid !== null && isProcessAlive(pid) ? pid : null;
  };
  return {
    isRunning: async () => (await ours()) !== null,
    stop: async () => {
      const pid = await ours();
      if (pid === null) return;
      const closed = await backend.auth.closeGateway(pid);
      if (!closed.stopped) throw new Error(closed.message);
      backend.forgetGatewayRecord();
    },
    start: async () => {
      // The engine accepts a start only from a known state: let it see the gateway is gone.
      await backend.check().catch(() => undefined);
      const started = await backend.engine.dispatch({ type: 'start-gateway' });
      if (!started.ok) throw new Error(started.reason);
    },
  };
}

export async function gatewayInstall(ctx: CommandContext, from: string | null): Promise<CommandResult> {
  const backend = await ctx.backend();
  const folder = gatewayInstallFolder(backend.gatewayFolder, backend.configDir);
  const progress = progressReporter(ctx, 'the gateway');
  let result;
  try {
    result = await installGateway({
      folder,
      source: from === null ? downloadAddresses().gatewayZip : isUrlLike(from) ? from : path.resolve(from),
      signal: ctx.stop,
      onProgress: progress.onProgress,
      // --timeout is per request; a download may be silent a little longer before it counts as stalled.
      stallMs: ctx.global.requestTimeoutMs * 6,
      gateway: gatewayControl(backend, folder),
    });
  } catch (error) {
    progress.clear();
    return installFailure(ctx, error);
  }
  progress.clear();
  if (backend.engine.settings.get().gatewayFolder !== folder) backend.engine.settings.update({ gatewayFolder: folder });
  // Every file is in --json; the line names a few (a gateway's logs come along too).
  const others = result.kept.length - 3;
  const kept = result.kept.length ? ` (kept ${result.kept.slice(0, 3).join(', ')}${others > 0 ? ` and ${others} more of yours` : ''})` : '';
  const text =
    result.outcome === 'unchanged'
      ? `the gateway in ${folder} is up to date (${result.source} has not changed)`
      : `${result.outcome} the gateway in ${folder}${result.bytes === null ? '' : ` (${megabytes(result.bytes)})`}${kept}${result.restarted ? '; the gateway was restarted' : ''}`;
  if (result.restartFailed !== null) {
    ctx.out.result(null, { ok: false, ...result });
    throw new CommandFailure(ExitCode.unreachable, `${text}, but the gateway did not start again: ${result.restartFailed}`);
  }
  ctx.out.result(result.outcome === 'unchanged' ? text : `${text}\nnext: \`ibkr-tray gateway start\``, { ok: true, ...result });
  return ExitCode.ok;
}

function isUrlLike(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}
