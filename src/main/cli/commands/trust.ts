/**
 * `ibkr-tray trust`: trust the certificate the gateway presents now, for its origin, and print the
 * old and the new fingerprint. Needed after the gateway was reinstalled or its certificate replaced
 * (exit code 6 of every other command). Reading the certificate sends no request byte.
 */
import { GatewayError } from '../../core/errors.js';
import { readPresentedFingerprint } from '../../core/gateway/tls.js';
import { normalizeFingerprint } from '../../core/gateway/trust.js';
import type { CommandContext, CommandResult } from '../context.js';
import { CommandFailure, ExitCode } from '../exit-codes.js';

export async function trust(ctx: CommandContext): Promise<CommandResult> {
  const backend = await ctx.backend();
  if (!backend.gatewayUrl.startsWith('https:')) {
    throw new CommandFailure(ExitCode.usage, `${backend.gatewayUrl} is plain HTTP (listenSsl: false): there is no certificate to trust`);
  }
  let presented: string;
  try {
    presented = await readPresentedFingerprint(backend.gatewayUrl, { timeoutMs: ctx.global.requestTimeoutMs });
  } catch (error) {
    // A socket error (nothing listens, a reset) is the gateway not being there, not a bug.
    if (error instanceof GatewayError) throw error;
    const why = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new CommandFailure(ExitCode.unreachable, `cannot read the certificate of ${backend.gatewayUrl} (${why}): is the gateway running? (\`ibkr-tray gateway start\`)`, { cause: error });
  }
  const old = backend.pinnedFingerprint();
  const previous = old === null ? null : (normalizeFingerprint(old) ?? old);
  const changed = previous !== presented;
  if (changed) backend.pinFingerprint(presented);
  const text = changed
    ? `trusted the certificate of ${backend.gatewayUrl}\n  old: ${previous ?? '(none)'}\n  new: ${presented}`
    : `already trusted: ${backend.gatewayUrl} presents ${presented}`;
  ctx.out.result(text, { ok: true, gatewayUrl: backend.gatewayUrl, previousFingerprint: previous, fingerprint: presented, changed });
  return ExitCode.ok;
}
