/**
 * `ibkr-tray java install`: a Temurin JRE for this OS and processor from Adoptium into the settings
 * folder, where the gateway's start finds it (java.ts, DOWNLOADED_JAVA_DIR). IBKR_TRAY_ADOPTIUM_API
 * points it at another copy of Adoptium's API (a mirror, or the tests' local server).
 */
import { downloadAddresses } from '../../core/install/download-addresses.js';
import { installJava } from '../../core/install/java-install.js';
import type { CommandContext, CommandResult } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { installFailure, megabytes, progressReporter } from './install.js';

export async function javaInstall(ctx: CommandContext): Promise<CommandResult> {
  const backend = await ctx.backend();
  const progress = progressReporter(ctx, 'Java');
  let result;
  try {
    result = await installJava({
      appDataDir: backend.configDir,
      apiBase: downloadAddresses().adoptiumApi,
      signal: ctx.stop,
      onProgress: progress.onProgress,
      stallMs: ctx.global.requestTimeoutMs * 6,
    });
  } catch (error) {
    progress.clear();
    return installFailure(ctx, error);
  }
  progress.clear();
  const text =
    result.outcome === 'unchanged'
      ? `Java ${result.version} (${result.release}) is already installed in ${result.home}`
      : `installed Java ${result.version} (${result.release}${result.bytes === null ? '' : `, ${megabytes(result.bytes)}`}) in ${result.home}\nthe gateway uses it when no other Java 8+ is found`;
  ctx.out.result(text, { ok: true, ...result });
  return ExitCode.ok;
}
