/**
 * Where a gateway listens, each rule written once: a folder's conf → its URL, and a URL → its port.
 * The supervisor, the engine, the controller, the TLS code and the shells all ask here, so that they
 * cannot disagree about which port a gateway folder means.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OWN_CONF, parseGatewayConf, type GatewayConf } from './conf.js';

/** The gateway's origin for a conf: `https://localhost:5000` (http:// when listenSsl is false). */
export function gatewayUrl(conf: GatewayConf, host = 'localhost'): string {
  return `${conf.listenSsl ? 'https' : 'http'}://${host}:${conf.listenPort}`;
}

/** The port a URL talks to: its explicit port, else its scheme's (443 for https/wss, 80 for http/ws). */
export function portOf(url: string | URL): number {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  if (parsed.port) return Number(parsed.port);
  return parsed.protocol === 'https:' || parsed.protocol === 'wss:' ? 443 : 80;
}

/**
 * The origin of a folder's gateway: our own conf when we wrote one (the configured port was taken),
 * else root/conf.yaml; null when neither can be read (the supervisor reports the folder's problems).
 */
export function folderGatewayUrl(folder: string): string | null {
  for (const conf of [OWN_CONF, 'root/conf.yaml']) {
    const file = path.join(folder, conf);
    try {
      return gatewayUrl(parseGatewayConf(fs.readFileSync(file, 'utf8'), conf));
    } catch {
      // missing or unreadable: try the next
    }
  }
  return null;
}
