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
import { ProfileError } from '../../core/errors.js';
import { sameFolder } from '../../core/settings.js';
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
  const source = from === null ? downloadAddresses().gatewayZip : isUrlLike(from) ? from : path.resolve(from);
  let result;
  try {
    result = await installGateway({
      folder,
      source,
      signal: ctx.stop,
      onProgress: progress.onProgress,
      // --timeout is per request; a download may be silent a little longer before it counts as stalled.
      stallMs: ctx.global.requestTimeoutMs * 6,
      gateway: gatewayControl(backend, folder),
    });
  } catch (error) {
    progress.clear();
    // An address that is not HTTPS is a setting (IBKR_TRAY_GATEWAY_ZIP_URL) or --from: say the way around it.
    if (error instanceof InstallError && error.kind === 'source' && isUrlLike(source)) {
      return installFailure(ctx, new InstallError('source', `${error.message.replace(/\.$/, '')}; download it yourself and use \`--from FILE\`.`, { cause: error }));
    }
    return installFailure(ctx, error);
  }
  progress.clear();
  const pointed = pointProfileAt(backend, folder);
  // Every file is in --json; the line names a few (a gateway's logs come along too).
  const others = result.kept.length - 3;
  const kept = result.kept.length ? ` (kept ${result.kept.slice(0, 3).join(', ')}${others > 0 ? ` and ${others} more of yours` : ''})` : '';
  // A restarted gateway starts without a session (gateway-facts §4): the user logs in again.
  const text =
    result.outcome === 'unchanged'
      ? `the gateway in ${folder} is up to date (${result.source} has not changed)`
      : `${result.outcome} the gateway in ${folder}${result.bytes === null ? '' : ` (${megabytes(result.bytes)})`}${kept}${result.restarted ? '; the gateway was restarted: log in again (`ibkr-tray login`)' : ''}`;
  const document = { ok: pointed.ok, ...result, profile: backend.engine.settings.profile, profileFolder: pointed.profileFolder };
  if (result.restartFailed !== null) {
    ctx.out.result(null, { ...document, ok: false });
    throw new CommandFailure(ExitCode.unreachable, `${text}, but the gateway did not start again: ${result.restartFailed}`);
  }
  if (!pointed.ok) {
    ctx.out.result(null, document);
    throw new CommandFailure(ExitCode.usage, `${text}, but ${pointed.line}`);
  }
  const next = pointed.line ?? (result.outcome === 'unchanged' || result.restarted ? null : 'next: `ibkr-tray gateway start`');
  ctx.out.result(next === null ? text : `${text}\n${next}`, document);
  return ExitCode.ok;
}

/**
 * The profile's folder after an install into `folder`. A profile without a folder takes it (the
 * first install); one that has another keeps it: an install into a new --dir never moves a profile
 * to another gateway (and so another login) behind the user's back; the line says how to use it.
 */
function pointProfileAt(backend: CliBackend, folder: string): { readonly ok: boolean; readonly line: string | null; readonly profileFolder: string | null } {
  const settings = backend.engine.settings;
  const saved = settings.get().gatewayFolder;
  if (saved !== null && sameFolder(saved, folder)) return { ok: true, line: null, profileFolder: saved };
  if (saved !== null) {
    return {
      ok: true,
      line: `the profile "${settings.profile}" still uses ${saved}; to use this one, add a profile for it: \`ibkr-tray profile add NAME --dir ${folder} --port N\``,
      profileFolder: saved,
    };
  }
  try {
    settings.update({ gatewayFolder: folder });
    return { ok: true, line: null, profileFolder: folder };
  } catch (error) {
    if (!(error instanceof ProfileError)) throw error;
    return { ok: false, line: `the profile "${settings.profile}" was not pointed at it: ${error.message}`, profileFolder: null };
  }
}

function isUrlLike(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}
