/**
 * The simulator's certificates (gateway-facts.md §3): the real gateway serves a self-signed
 * certificate, CN "Client Portal Web API", O "Interactive Brokers", expired on 2019-05-11, over TLS 1.2
 * only. The PEMs in certs/ were made once with `openssl ca -selfsign -startdate … -enddate …`;
 * "other" is a second, different one for certificate-changed tests.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import type { TlsOptions } from 'node:tls';
import { fileURLToPath } from 'node:url';

/** Which certificate a simulator serves. */
export type CertificateChoice = 'gateway' | 'other' | { key: string; cert: string };

export interface ServedCertificate {
  key: string;
  cert: string;
  /** Upper-case colon hex, like X509Certificate.fingerprint256. */
  fingerprint256: string;
}

const certDir = fileURLToPath(new URL('./certs/', import.meta.url));

/** Load the chosen certificate and key (PEM) and compute its SHA-256 fingerprint. */
export function loadCertificate(choice: CertificateChoice = 'gateway'): ServedCertificate {
  const pems =
    typeof choice === 'string'
      ? { key: readFileSync(`${certDir}${choice}.key.pem`, 'utf8'), cert: readFileSync(`${certDir}${choice}.cert.pem`, 'utf8') }
      : choice;
  return { ...pems, fingerprint256: new X509Certificate(pems.cert).fingerprint256 };
}

/** Server options: TLS 1.2 and nothing else, like the gateway's Vert.x 3.5 listener. */
export function tlsServerOptions(certificate: ServedCertificate): TlsOptions {
  return { key: certificate.key, cert: certificate.cert, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
}
