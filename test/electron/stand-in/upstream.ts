/**
 * What Chromium does inside Electron and a plain headless browser cannot: show the server's real
 * certificate to the session's certificate verify proc before a request goes out, and fail the load
 * with Chromium's own error code when the proc (or Chromium's own verdict) refuses it.
 */
import { createHash, type X509Certificate } from 'node:crypto';
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

/** The Chromium error for a failed request, from Node's or Chromium's error text. */
export function netErrorOfText(text: string): NetError {
  const chromium = /net::(ERR_[A-Z_]+)/.exec(text)?.[1];
  if (chromium) return Object.values(NET_ERRORS).find((error) => error.name === chromium) ?? NET_ERRORS.failed;
  if (text.includes('ECONNREFUSED')) return NET_ERRORS.connectionRefused;
  if (text.includes('ECONNRESET')) return NET_ERRORS.connectionReset;
  if (text.includes('ETIMEDOUT')) return NET_ERRORS.timedOut;
  if (text.includes('ENOTFOUND')) return NET_ERRORS.nameNotResolved;
  if (text.includes('socket hang up')) return NET_ERRORS.emptyResponse;
  return NET_ERRORS.failed;
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

/**
 * The certificate the server at `url` presents, with Chromium's own verdict on it, seen on a TLS
 * connection of the stand-in's before the page's request is let through (no request byte is sent
 * on it). Null when no TLS connection can be made: Chromium then fails the request by itself.
 */
export async function presentedCertificate(url: URL, signal: AbortSignal): Promise<{ certificate: Certificate; chromium: NetError | null } | null> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  return new Promise((resolve) => {
    const socket = tls.connect({ host: hostname, port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...(net.isIP(hostname) ? {} : { servername: hostname }) });
    const done = (answer: { certificate: Certificate; chromium: NetError | null } | null): void => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(answer);
    };
    const onAbort = (): void => done(null);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', () => done(null));
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerX509Certificate();
      done(certificate ? { certificate: present(certificate), chromium: chromiumVerdict(socket, hostname, certificate) } : null);
    });
  });
}
