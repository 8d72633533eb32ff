/**
 * One HTTP exchange with the gateway, through Node's own http/https: the whole of it (connect,
 * handshake, headers, body) bounded by one deadline, since the gateway can hang forever (§4); the
 * body bounded in size; a redirect returned as the answer it is, never followed.
 *
 * Node's client rather than axios: importing axios makes Node load its bundled undici (axios' fetch
 * adapter reads the fetch globals), about 12 MB resident and 20 ms at every command's start, for a
 * client that only ever sends small JSON requests to one origin.
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body as text (decoded if the gateway compressed it). */
  readonly text: string;
}

export interface ExchangeOptions {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  /** A JSON text, sent as application/json. */
  readonly body?: string;
  /** The pinned https agent or the http agent. */
  readonly agent: http.Agent;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
}

/** The code of the error an exchange fails with when the deadline passes. */
export const DEADLINE_PASSED = 'ETIMEDOUT';
/** The code of the error an exchange fails with when the body is larger than allowed. */
export const BODY_TOO_LARGE = 'ERR_BODY_TOO_LARGE';

function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Send one request and read the whole answer; rejects with the transport's error (the client maps it). */
export function exchange(options: ExchangeOptions): Promise<Answer> {
  const { url, body } = options;
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: options.method,
      agent: options.agent,
      headers: {
        Accept: 'application/json, text/plain, */*',
        'User-Agent': 'ibkr-tray',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }),
      },
    });
    let settled = false;
    const finish = (error: Error | null, answer?: Answer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error || !answer) {
        request.destroy();
        reject(error ?? failure('ECONNRESET', 'no answer'));
      } else {
        resolve(answer);
      }
    };
    const timer = setTimeout(() => finish(failure(DEADLINE_PASSED, `no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.once('error', (error) => finish(error));
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBodyBytes) finish(failure(BODY_TOO_LARGE, `body larger than ${options.maxBodyBytes} bytes`));
        else chunks.push(chunk);
      });
      response.once('error', (error) => finish(error));
      // A connection dropped mid-body ends the response without 'end'.
      response.once('close', () => {
        if (!response.complete) finish(failure('ECONNRESET', 'socket hang up'));
      });
      response.once('end', () => {
        try {
          const text = decoded(Buffer.concat(chunks), response.headers['content-encoding'], options.maxBodyBytes).toString('utf8');
          finish(null, { status: response.statusCode ?? 0, headers: response.headers, text });
        } catch (error) {
          const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
          finish(tooLarge ? failure(BODY_TOO_LARGE, `body larger than ${options.maxBodyBytes} bytes`) : (error as Error));
        }
      });
    });
    request.end(body);
  });
}

/** We never ask for compression; a gateway that compresses anyway is still read. */
function decoded(raw: Buffer, encoding: string | undefined, maxBytes: number): Buffer {
  const options = { maxOutputLength: maxBytes };
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(raw, options);
    case 'deflate':
      return zlib.inflateSync(raw, options);
    case 'br':
      return zlib.brotliDecompressSync(raw, options);
    default:
      return raw;
  }
}
