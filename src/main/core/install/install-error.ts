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
  | 'gateway'
  /** The target folder holds what the app did not install there: it is left as it is. */
  | 'occupied'
  /** The source named (a local file, an address in a setting or --from) cannot be used: not there, not a file, not HTTPS. */
  | 'source';

export class InstallError extends Error {
  override readonly name = 'InstallError';
  constructor(
    readonly kind: InstallFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    // One line, whatever a library's message carried (a user sees exactly this).
    super(oneLine(message), options);
  }
}

/** `text` on one line: runs of whitespace (newlines included) become one space; NULs and other controls go. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * Whatever an install threw, as an InstallError: the file system's failures as 'disk', anything else
 * (a library's surprise) as 'damaged' with its message, so that no shell ever shows a stack trace.
 */
export function asInstallError(error: unknown, what: string): InstallError {
  if (error instanceof InstallError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOSPC') return new InstallError('disk', `The disk is full while installing ${what}: free some space and try again.`, { cause: error });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new InstallError('disk', `${what} cannot be installed here (${message}): choose a folder you can write to.`, { cause: error });
  return new InstallError('damaged', `Installing ${what} failed (${message}): nothing was changed.`, { cause: error });
}
