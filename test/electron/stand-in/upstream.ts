/**
 * How a stand-in session reaches real servers for its pages: the stand-in answers every request of a
 * page itself (Playwright's route), so that it can do what Chromium does inside Electron and a plain
 * headless browser cannot: show the server's real certificate to the session's certificate verify
 * proc BEFORE any request byte is sent, and fail the load with Chromium's own error code otherwise.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Certificate } from 'electron';

/** A Chromium net error, as did-fail-load and loadURL's rejection report it. */
export interface NetError {
  readonly code: number;
  /** e.g. ERR_CONNECTION_REFUSED (Electron's errorDescription and the rejection's `code`). */
  readonly name: string;
}

export const NET_ERRORS = {
  aborted: { code: -3, name: 'ERR_ABORTED' },
  failed: { code: -2, name: 'ERR_FAILED' },
  timedOut: { code: -7, name: 'ERR_TIMED_OUT' },
  connectionClosed: { code: -100, name: 'ERR_CONNECTION_CLOSED' },
  connectionReset: { code: -101, name: 'ERR_CONNECTION_RESET' },
  connectionRefused: { code: -102, name: 'ERR_CONNECTION_REFUSED' },
  nameNotResolved: { code: -105, name: 'ERR_NAME_NOT_RESOLVED' },
  certCommonNameInvalid: { code: -200, name: 'ERR_CERT_COMMON_NAME_INVALID' },
  certDateInvalid: { code: -201, name: 'ERR_CERT_DATE_INVALID' },
  certAuthorityInvalid: { code: -202, name: 'ERR_CERT_AUTHORITY_INVALID' },
  certInvalid: { code: -207, name: 'ERR_CERT_INVALID' },
  unknownUrlScheme: { code: -302, name: 'ERR_UNKNOWN_URL_SCHEME' },
  emptyResponse: { code: -324, name: 'ERR_EMPTY_RESPONSE' },
} as const satisfies Record<string, NetError>;

/** The Chromium error a failed connection or request becomes. */
export function netErrorOf(error: unknown): NetError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return NET_ERRORS.connectionRefused;
    case 'ECONNRESET':
      return NET_ERRORS.connectionReset;
    case 'ETIMEDOUT':
      return NET_ERRORS.timedOut;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return NET_ERRORS.nameNotResolved;
    case 'EPIPE':
      return NET_ERRORS.connectionClosed;
    default:
      return (error as Error | null)?.message === 'socket hang up' ? NET_ERRORS.emptyResponse : NET_ERRORS.failed;
  }
}

/** Chromium's own verdict on a certificate Node's TLS reported (default CAs and NODE_EXTRA_CA_CERTS). */
function chromiumVerdict(socket: tls.TLSSocket, hostname: string, certificate: X509Certificate): NetError | null {
  if (!socket.authorized) {
    const reason = String(socket.authorizationError ?? '');
    if (reason === 'CERT_HAS_EXPIRED' || reason === 'CERT_NOT_YET_VALID') return NET_ERRORS.certDateInvalid;
    if (/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY_LEAF/.test(reason)) return NET_ERRORS.certAuthorityInvalid;
    return NET_ERRORS.certInvalid;
  }
  const identity = tls.checkServerIdentity(hostname, { subject: { CN: '' }, subjectaltname: certificate.subjectAltName ?? '' } as tls.PeerCertificate);
  return identity ? NET_ERRORS.certCommonNameInvalid : null;
}

/** A certificate principal from Node's distinguished name text (one `key=value` per line). */
function principal(name: string): Certificate['subject'] {
  const field = (key: string): string[] => name.split('\n').filter((line) => line.startsWith(`${key}=`)).map((line) => line.slice(key.length + 1));
  return { commonName: field('CN')[0] ?? '', organizations: field('O'), organizationUnits: field('OU'), locality: field('L')[0] ?? '', state: field('ST')[0] ?? '', country: field('C')[0] ?? '' };
}

/** Electron's Certificate for what the server presented (a self-signed one is its own issuer). */
function present(certificate: X509Certificate): Certificate {
  const subject = principal(certificate.subject);
  const issuer = principal(certificate.issuer);
  const shown: Omit<Certificate, 'issuerCert'> & { issuerCert?: Certificate } = {
    data: certificate.toString(),
    fingerprint: `sha256/${createHash('sha256').update(certificate.raw).digest('base64')}`,
    subject,
    subjectName: subject.commonName,
    issuer,
    issuerName: issuer.commonName,
    serialNumber: certificate.serialNumber,
    validStart: Math.floor(Date.parse(certificate.validFrom) / 1000),
    validExpiry: Math.floor(Date.parse(certificate.validTo) / 1000),
  };
  shown.issuerCert = shown as Certificate;
  return shown as Certificate;
}

/** The session's answer for a certificate: null = go ahead, else the load fails with this error. */
export type CertificateDecision = (hostname: string, certificate: Certificate, chromium: NetError | null) => Promise<NetError | null>;

export interface UpstreamRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | null;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/**
 * One request to the real server, on a connection of its own. For https the certificate decision is
 * made after the handshake and before the request is written; a refusal rejects with its NetError.
 * `signal` aborts it (the page went away: the gateway can hang forever, gateway-facts §4).
 */
export async function fetchUpstream(request: UpstreamRequest, decide: CertificateDecision, signal: AbortSignal): Promise<UpstreamResponse> {
  const { url } = request;
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const onAbort = (): void => {
      connection.destroy();
      reject(NET_ERRORS.aborted);
    };
    const connection = secure
      ? tls.connect({ host: hostname, port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...(/^[\d.:]+$/.test(hostname) ? {} : { servername: hostname }) })
      : net.connect({ host: hostname, port });
    signal.addEventListener('abort', onAbort, { once: true });
    connection.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(netErrorOf(error));
    });
    connection.once(secure ? 'secureConnect' : 'connect', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(connection);
    });
  });
  try {
    if (socket instanceof tls.TLSSocket) {
      const certificate = socket.getPeerX509Certificate();
      if (!certificate) throw NET_ERRORS.certInvalid;
      const refused = await decide(hostname, present(certificate), chromiumVerdict(socket, hostname, certificate));
      if (refused) throw refused;
    }
    return await new Promise<UpstreamResponse>((resolve, reject) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) if (!HOP_BY_HOP.has(name.toLowerCase())) headers[name] = value;
      headers['accept-encoding'] = 'identity';
      headers['connection'] = 'close';
      const outgoing = http.request({ createConnection: () => socket, host: hostname, port, method: request.method, path: `${url.pathname}${url.search}`, headers, signal }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', (error) => reject(netErrorOf(error)));
        incoming.on('end', () => {
          const answer: Record<string, string> = {};
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (value === undefined || HOP_BY_HOP.has(name)) continue;
            // Playwright's convention for repeated headers (Set-Cookie) is one value per line.
            answer[name] = Array.isArray(value) ? value.join('\n') : value;
          }
          resolve({ status: incoming.statusCode ?? 502, headers: answer, body: Buffer.concat(chunks) });
        });
      });
      outgoing.on('error', (error) => reject(signal.aborted ? NET_ERRORS.aborted : netErrorOf(error)));
      outgoing.end(request.body ?? undefined);
    });
  } finally {
    socket.destroy();
  }
}
