/**
 * Downloading one file over HTTPS into a file, the way the rest of the ecosystem does it: the
 * system's CAs (plus NODE_EXTRA_CA_CERTS, for users behind a corporate CA) verify the server as
 * usual, HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured (undici's EnvHttpProxyAgent, the agent
 * Node itself uses for its own proxy support), redirects are followed within a budget, a server
 * that falls silent fails after `stallMs`, and the caller's AbortSignal cancels at once.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { InstallError } from './install-error.js';

/** How far a download got: bytes so far and the size the server announced (null when it did not). */
export interface DownloadProgress {
  readonly received: number;
  readonly total: number | null;
}

/** What a previous download saw, to ask the server whether the file changed since. */
export interface Validators {
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
}

export interface DownloadOptions {
  readonly url: string;
  /** The file the body goes to (created or truncated). */
  readonly file: string;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: DownloadProgress) => void) | undefined;
  /** Ask for the body only when the file changed since these were seen. */
  readonly ifChanged?: Validators | undefined;
  /** A server that sends nothing for this long (headers or body) fails the download. Default 30 s. */
  readonly stallMs?: number | undefined;
  /** Refuse a body larger than this (announced or received). */
  readonly maxBytes: number;
  /** What the file is, for messages ("the gateway's zip"). */
  readonly what: string;
  /** Proxy variables (default process.env). */
  readonly env?: NodeJS.ProcessEnv | undefined;
}

export type Downloaded =
  | { readonly changed: false }
  | { readonly changed: true; readonly bytes: number; readonly sha256: string; readonly contentType: string | null; readonly validators: Validators };

const MAX_REDIRECTS = 5;

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The proxy agent when a proxy is configured, else a plain agent (same timeouts either way). */
export function dispatcherFor(env: NodeJS.ProcessEnv, stallMs: number): Dispatcher {
  const timeouts = { headersTimeout: stallMs, bodyTimeout: stallMs, connect: { timeout: stallMs } };
  const httpsProxy = env['HTTPS_PROXY'] ?? env['https_proxy'];
  const httpProxy = env['HTTP_PROXY'] ?? env['http_proxy'];
  if (!httpsProxy && !httpProxy) return new Agent(timeouts);
  const noProxy = env['NO_PROXY'] ?? env['no_proxy'] ?? '';
  // undici announces this agent as experimental on stderr; it is what Node's own proxy support
  // is built on, and the notice would only puzzle a user of the command: drop that one warning.
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0] as { code?: string } | undefined;
    if (options?.code === 'UNDICI-EHPA') return;
    (emitWarning as (w: string | Error, ...r: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return new EnvHttpProxyAgent({ ...timeouts, httpProxy: httpProxy ?? '', httpsProxy: httpsProxy ?? httpProxy ?? '', noProxy });
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Turn what undici / the network threw into one line that says what to do. */
function networkFailure(error: unknown, url: string, what: string, stallMs: number, signal: AbortSignal | undefined): InstallError {
  if (signal?.aborted) return new InstallError('cancelled', `The download of ${what} was cancelled; nothing was changed.`);
  const err = error as NodeJS.ErrnoException & { code?: string };
  const host = new URL(url).host;
  const seconds = Math.round(stallMs / 100) / 10;
  switch (err.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new InstallError('download', `${host} sent nothing for ${seconds} s while downloading ${what}: check the connection (or HTTPS_PROXY) and try again.`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new InstallError('download', `${host} could not be found (DNS) while downloading ${what}: check the connection, or set HTTPS_PROXY if you are behind a proxy.`);
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return new InstallError('download', `The connection to ${host} failed (${err.code}) while downloading ${what}: check the connection (or HTTPS_PROXY) and try again.`);
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return new InstallError('download', `${what} from ${host} was not as long as the server announced: the connection broke, or the server is misconfigured. Try again.`);
    case 'ENOSPC':
      return new InstallError('disk', `The disk is full: ${what} could not be saved. Free some space and try again.`);
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new InstallError(
        'download',
        `The certificate of ${host} could not be verified (${err.code}): behind a company proxy that inspects HTTPS, point NODE_EXTRA_CA_CERTS at its CA certificate.`,
      );
    default:
      return new InstallError('download', `Downloading ${what} from ${host} failed: ${err.message || String(error)}.`);
  }
}

/** Where a URL leads, for a refusal: its origin, or its scheme when it has none (file:, data:, …). */
function whereFrom(url: string): string {
  const parsed = new URL(url);
  return parsed.origin === 'null' ? `a ${parsed.protocol} address` : parsed.origin;
}

/**
 * Download `url` into `file`, following redirects, with a SHA-256 of the body. Resolves
 * `{ changed: false }` when `ifChanged` matched (304). Rejects with InstallError: 'source' (the
 * address given is not an https:// one), 'download' (HTTP error, stall, network, wrong content, a
 * redirect away from HTTPS), 'too-big', 'disk' or 'cancelled'.
 */
export async function download(options: DownloadOptions): Promise<Downloaded> {
  const stallMs = options.stallMs ?? 30_000;
  const dispatcher = dispatcherFor(options.env ?? process.env, stallMs);
  try {
    return await downloadWith(dispatcher, options, stallMs);
  } finally {
    await dispatcher.destroy().catch(() => undefined);
  }
}

async function downloadWith(dispatcher: Dispatcher, options: DownloadOptions, stallMs: number): Promise<Downloaded> {
  const { what, signal } = options;
  let url = options.url;
  const headers: Record<string, string> = { 'user-agent': 'ibkr-tray', accept: '*/*' };
  if (options.ifChanged?.etag) headers['if-none-match'] = options.ifChanged.etag;
  if (options.ifChanged?.lastModified) headers['if-modified-since'] = options.ifChanged.lastModified;
  for (let redirects = 0; ; redirects++) {
    // The first address is the caller's (a setting, --from): a bad one is the caller's to fix ('source');
    // one a server redirected to is the server's ('download').
    const kind = redirects === 0 ? 'source' : 'download';
    if (!URL.canParse(url)) throw new InstallError(kind, `${what}: "${url.slice(0, 200)}" is not a web address: give an https:// address.`);
    if (new URL(url).protocol !== 'https:') throw new InstallError(kind, `${what} would come from ${whereFrom(url)}, which is not HTTPS: refused.`);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { dispatcher, method: 'GET', headers, signal: signal ?? null });
    } catch (error) {
      throw networkFailure(error, url, what, stallMs, signal);
    }
    const { statusCode } = response;
    if (statusCode >= 300 && statusCode < 400 && statusCode !== 304) {
      await response.body.dump().catch(() => undefined);
      const location = header(response.headers, 'location');
      if (!location) throw new InstallError('download', `${new URL(url).host} answered ${statusCode} without a Location for ${what}.`);
      if (redirects >= MAX_REDIRECTS) throw new InstallError('download', `${what}: more than ${MAX_REDIRECTS} redirects from ${new URL(url).host}; try again later.`);
      if (!URL.canParse(location, url)) throw new InstallError('download', `${new URL(url).host} redirected ${what} to "${location.slice(0, 200)}", which is not a web address: refused.`);
      url = new URL(location, url).toString();
      continue;
    }
    if (statusCode === 304) {
      await response.body.dump().catch(() => undefined);
      // "Not modified" answers a conditional request only: to a plain one it would install nothing and say "up to date".
      if (!headers['if-none-match'] && !headers['if-modified-since']) throw new InstallError('download', `${new URL(url).host} answered 304 (not modified) for ${what}, which was not asked for: check the address, or try again later.`);
      return { changed: false };
    }
    if (statusCode !== 200) {
      await response.body.dump().catch(() => undefined);
      throw new InstallError('download', `${new URL(url).host} answered HTTP ${statusCode} for ${what}: check the address, or try again later.`);
    }
    const lengthHeader = header(response.headers, 'content-length');
    const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
    if (total !== null && total > options.maxBytes) {
      // Destroying a body emits 'error' on it: heard here, or it would be an uncaught exception.
      response.body.on('error', () => undefined);
      response.body.destroy();
      throw new InstallError('too-big', `${what} is ${total} bytes, more than the ${options.maxBytes} expected: not downloaded. Check the address.`);
    }
    const received = await saveBody(response.body, options, total, url, stallMs);
    return {
      changed: true,
      bytes: received.bytes,
      sha256: received.sha256,
      contentType: header(response.headers, 'content-type') ?? null,
      validators: { etag: header(response.headers, 'etag'), lastModified: header(response.headers, 'last-modified') },
    };
  }
}

async function saveBody(body: Dispatcher.ResponseData['body'], options: DownloadOptions, total: number | null, url: string, stallMs: number): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  const out = createWriteStream(options.file);
  const outFailed = new Promise<never>((_resolve, reject) => out.once('error', reject));
  outFailed.catch(() => undefined);
  let bytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) throw new InstallError('too-big', `${options.what} is larger than the ${options.maxBytes} bytes expected: stopped. Check the address.`);
      hash.update(chunk);
      // Respect back-pressure: a slow disk must not fill memory.
      if (!out.write(chunk)) await Promise.race([new Promise<void>((resolve) => out.once('drain', () => resolve())), outFailed]);
      options.onProgress?.({ received: bytes, total });
    }
    await Promise.race([new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve()))), outFailed]);
  } catch (error) {
    body.on('error', () => undefined);
    body.destroy();
    out.destroy();
    if (error instanceof InstallError) throw error;
    throw networkFailure(error, url, options.what, stallMs, options.signal);
  }
  if (total !== null && bytes !== total) {
    throw new InstallError('download', `${options.what} ended after ${bytes} of ${total} bytes: the connection broke. Try again.`);
  }
  return { bytes, sha256: hash.digest('hex') };
}
