/**
 * The exit codes of `ibkr-tray`, a public interface that scripts test for: keep them stable.
 * Every mapping from a failure or a session state to an exit code lives in this file.
 */
import { GatewayError, GatewayStartError, IBCAuthenticationError, IBCValidationError, ProfileError } from '../core/errors.js';
import type { GatewayFailureKind } from '../core/errors.js';
import type { SessionKind } from '../../shared/snapshot.js';
import type { InstallFailureKind } from '../core/install/install-error.js';

export const ExitCode = {
  /** Done; for `status` and `wait`: the session is ready. */
  ok: 0,
  /** Usage or invalid input (a bad option, an empty or unknown account), with a one-line reason. */
  usage: 1,
  /** The gateway answers but the session is not ready (logged out, competing, brokerage starting). */
  notReady: 2,
  /** The gateway is unreachable (nothing listens) or does not answer within the timeout. */
  unreachable: 3,
  /** Timed out waiting (e.g. `wait`, `login --wait`). */
  timedOut: 4,
  /** IBKR answered 429: nothing is sent until the penalty period is over. */
  rateLimited: 5,
  /** The gateway presents a certificate other than the pinned one: check it, then `ibkr-tray trust`. */
  certificateChanged: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the command expected and explains in one line; no stack trace unless --verbose. */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The exit code for a typed gateway failure. */
export function exitCodeForGatewayFailure(kind: GatewayFailureKind): ExitCode {
  switch (kind) {
    case 'unreachable':
    case 'not-responding':
      return ExitCode.unreachable;
    case 'rate-limited':
      return ExitCode.rateLimited;
    case 'certificate-changed':
      return ExitCode.certificateChanged;
    case 'not-authenticated':
    case 'no-session':
    case 'ibkr-error':
    case 'unexpected-answer':
      return ExitCode.notReady;
  }
}

/**
 * What most needs the user, first: a changed certificate (it may not be your gateway), then a
 * failure of the command itself (a profile that cannot run), an unreachable gateway, a wait that
 * timed out, a 429, a session that is not ready, and last "ready".
 */
const WORST_FIRST: readonly ExitCode[] = [ExitCode.certificateChanged, ExitCode.usage, ExitCode.unreachable, ExitCode.timedOut, ExitCode.rateLimited, ExitCode.notReady, ExitCode.ok];

/** The code of several profiles' outcomes (`status` of every profile): the one that most needs the user. */
export function worstExitCode(codes: readonly ExitCode[]): ExitCode {
  return WORST_FIRST.find((code) => codes.includes(code)) ?? ExitCode.ok;
}

/** The exit code `status` and `wait` give for a session state (0 only when ready). */
export function exitCodeForState(kind: SessionKind): ExitCode {
  switch (kind) {
    case 'ready':
      return ExitCode.ok;
    case 'stopped':
    case 'not-responding':
    case 'failed':
      return ExitCode.unreachable;
    case 'rate-limited':
      return ExitCode.rateLimited;
    case 'starting':
    case 'login-required':
    case 'logging-in':
    case 'brokerage-starting':
    case 'competing':
      return ExitCode.notReady;
  }
}

/**
 * The exit code for anything a command threw. Expected failures (typed errors) map to their code;
 * anything else is a bug and also ends with 1, but main prints its stack.
 */
export function exitCodeForError(error: unknown): ExitCode {
  if (error instanceof CommandFailure) return error.exitCode;
  if (error instanceof GatewayError) return exitCodeForGatewayFailure(error.kind);
  if (error instanceof IBCValidationError) return ExitCode.usage;
  // waitForLogin's timeout is turned into ExitCode.timedOut by the commands that wait.
  if (error instanceof IBCAuthenticationError) return ExitCode.notReady;
  if (error instanceof GatewayStartError) return error.kind === 'no-folder' || error.kind === 'wrong-folder' ? ExitCode.usage : ExitCode.unreachable;
  return ExitCode.usage;
}

/** Whether a thrown value is one of the failures we explain in one line (no stack trace). */
export function isExpectedFailure(error: unknown): boolean {
  return (
    error instanceof CommandFailure ||
    error instanceof GatewayError ||
    error instanceof IBCValidationError ||
    error instanceof IBCAuthenticationError ||
    error instanceof GatewayStartError ||
    error instanceof ProfileError
  );
}

/** The exit code for an install that did not happen (`gateway install`, `java install`). */
export function exitCodeForInstallFailure(kind: InstallFailureKind): ExitCode | 130 {
  // 130: the shell's code for a command the user interrupted (Ctrl-C cancels a download).
  switch (kind) {
    case 'download':
    case 'gateway':
      return ExitCode.unreachable;
    case 'cancelled':
      return 130;
    case 'damaged':
    case 'layout':
    case 'unsafe':
    case 'too-big':
    case 'checksum':
    case 'disk':
    case 'unsupported':
    case 'occupied':
    case 'source':
      return ExitCode.usage;
  }
}
