/**
 * Why an install (the gateway, or Java) did not happen, as a kind a shell can act on and a one-line
 * message that says what to do. Whatever the kind, the previous folder is left as it was.
 */

export type InstallFailureKind =
  /** The network, the server's answer or the proxy: try again, check the address or connection. */
  | 'download'
  /** Not a zip / archive, or one that is damaged or truncated. */
  | 'damaged'
  /** A zip that is not the gateway (files missing) or an archive that holds no Java. */
  | 'layout'
  /** An entry that would land outside the target folder (zip-slip), or another unsafe entry. */
  | 'unsafe'
  /** Larger (or smaller) than such a file can be. */
  | 'too-big'
  /** The SHA-256 differs from the one published. */
  | 'checksum'
  /** Writing failed: disk full, no permission. */
  | 'disk'
  /** No download for this OS or processor. */
  | 'unsupported'
  /** The caller's AbortSignal fired. */
  | 'cancelled'
  /** The gateway could not be stopped or started around the update. */
  | 'gateway';

export class InstallError extends Error {
  override readonly name = 'InstallError';
  constructor(
    readonly kind: InstallFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
