/**
 * Where a gateway listens, each rule written once: a folder's conf → its URL, and a URL → its port.
 * The supervisor, the engine, the controller, the TLS code and the shells all ask here, so that they
 * cannot disagree about which port a gateway folder means.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseGatewayConf, type GatewayConf } from './conf.js';
import { liveRecord, PidFile } from './pidfile.js';
import type { ProcessOs } from './process-tree.js';
import type { GatewayLocation } from './types.js';

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
 * Where a folder's gateway is, the one answer every command, the tray app and `serve` use: the port
 * IBKR Tray started it on while that gateway's process tree lives (its pid record in `stateDir`,
 * which holds the port it picked when the folder's was taken), else root/conf.yaml's listenPort.
 * Our own root/ibkr-tray.yaml is not read here: it outlives the gateway it was written for, and the
 * next start chooses again. null when root/conf.yaml cannot be read (the supervisor reports why).
 */
export function folderGatewayLocation(folder: string, stateDir: string, options: { host?: string; os?: ProcessOs } = {}): GatewayLocation | null {
  const host = options.host ?? 'localhost';
  const record = liveRecord(new PidFile(stateDir), folder, options.os);
  if (record) return { url: gatewayUrl({ listenPort: record.port, listenSsl: record.tls }, host), port: record.port, tls: record.tls, conf: record.conf };
  const conf = 'root/conf.yaml';
  try {
    const parsed = parseGatewayConf(fs.readFileSync(path.join(folder, conf), 'utf8'), conf);
    return { url: gatewayUrl(parsed, host), port: parsed.listenPort, tls: parsed.listenSsl, conf };
  } catch {
    return null;
  }
}
