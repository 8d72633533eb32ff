/**
 * Typed failures the rest of the app acts on. Every message is one line in the user's words and says
 * what to do; none carries a session token, a cookie or a full account number.
 */

/** Why a request to the gateway did not produce a usable answer. */
export type GatewayFailureKind =
  /** Connection refused / reset before any answer: the gateway is not running on that port. */
  | 'unreachable'
  /** No answer within the request timeout: the gateway hangs (IBKR unreachable, gateway-facts §4). */
  | 'not-responding'
  /** 401: nobody is logged in (or the SSO session expired). */
  | 'not-authenticated'
  /** 200 `{"error":"no session"}` from tickle: the SSO session is gone. */
  | 'no-session'
  /** 429 from IBKR, or our own pacing refusing to send during the penalty period. */
  | 'rate-limited'
  /** 5xx, or an IBKR-side error such as "no bridge" / "Init session first". */
  | 'ibkr-error'
  /** A body that does not fit its schema, HTML where JSON was due, truncated JSON. */
  | 'unexpected-answer'
  /** The certificate presented is not the pinned one. */
  | 'certificate-changed';

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly kind: GatewayFailureKind,
    message: string,
    readonly details: {
      readonly endpoint?: string;
      readonly status?: number;
      /** For rate-limited: epoch ms until which nothing will be sent. */
      readonly retryAt?: number;
      /** For rate-limited: our own pacing refused it, nothing reached the gateway (no 429; a retry is fine). */
      readonly notSent?: true;
      /** For certificate-changed: both fingerprints. */
      readonly expectedFingerprint?: string;
      readonly actualFingerprint?: string;
      /** For unexpected-answer: the first 200 characters of the body. */
      readonly bodyStart?: string;
    } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Every failure as a GatewayError (a bug elsewhere shows as "not responding" with its message). */
export function asGatewayError(error: unknown, endpoint: string): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('not-responding', `The request to ${endpoint} failed: ${(error as Error)?.message ?? String(error)}`, { endpoint });
}

/** Failures of the seed library's API (login timeouts, no pid to close, …). */
export class IBCAuthenticationError extends Error {
  override readonly name = 'IBCAuthenticationError';
}

/** Bad input to the seed library's API (an empty or non-string account id, …). */
export class IBCValidationError extends Error {
  override readonly name = 'IBCValidationError';
}

/** Why the gateway could not be started or stopped, in words the user can act on. */
export type GatewayStartFailureKind =
  | 'no-folder'
  | 'wrong-folder'
  | 'no-java'
  | 'port-taken'
  | 'listen-failed'
  | 'exited'
  | 'not-ready'
  | 'cannot-stop';

export class GatewayStartError extends Error {
  override readonly name = 'GatewayStartError';
  constructor(
    readonly kind: GatewayStartFailureKind,
    message: string,
    readonly lastLog: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Shorten an account id for logs: U1234567 → U…567. Never log account ids in full. */
export function maskAccount(id: string): string {
  return id.length <= 4 ? '…' : `${id.slice(0, 1)}…${id.slice(-3)}`;
}

/** Shorten a session token for logs: first 4 hex digits only. */
export function maskToken(token: string): string {
  return token.length <= 4 ? '…' : `${token.slice(0, 4)}…`;
}

/** A profile that does not exist, a name taken twice, two profiles on one folder: a one-line reason. */
export class ProfileError extends Error {
  override readonly name = 'ProfileError';
}

/** The settings could not be changed now (another process holds their lock): a one-line reason, like a ProfileError. */
export class SettingsBusyError extends ProfileError {}
