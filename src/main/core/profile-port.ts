/**
 * One port, one profile: the rule that no two profiles' gateways listen on one port. Two profiles on
 * one port talk to one gateway, so the second one's status, login and account are the first one's
 * session (the wrong account, shown under the wrong name). Beside folderTakenReason (settings.ts),
 * which is the same rule for folders.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseGatewayConf } from './gateway/conf.js';
import { profileKey } from './profile-key.js';

/** What of a profile (settings.ts's Profile) says where its gateway listens. */
interface PortOf {
  readonly name: string;
  readonly gatewayFolder: string | null;
  readonly gatewayPort: number;
}

/**
 * The port a profile's gateway listens on: its folder's root/conf.yaml listenPort (the gateway's
 * only setting for it; `profile add --port` writes it there), else the profile's gatewayPort when
 * that file cannot be read. Null for a profile without a folder (it runs no gateway of its own).
 */
export function gatewayPortOf(profile: Pick<PortOf, 'gatewayFolder' | 'gatewayPort'>): number | null {
  if (profile.gatewayFolder === null) return null;
  const conf = path.join(profile.gatewayFolder, 'root', 'conf.yaml');
  try {
    return parseGatewayConf(fs.readFileSync(conf, 'utf8'), conf).listenPort;
  } catch {
    return profile.gatewayPort;
  }
}

/**
 * Why a gateway on `port` cannot be `owner`'s: another profile's gateway listens there. The line
 * names that profile and a port no profile uses. Null when the port is free among the profiles.
 */
export function portTakenReason(profiles: readonly PortOf[], port: number | null, owner: string | null): string | null {
  if (port === null) return null;
  const others = profiles.filter((p) => owner === null || profileKey(p.name) !== profileKey(owner));
  const other = others.find((p) => gatewayPortOf(p) === port);
  if (!other) return null;
  const used = new Set(profiles.map(gatewayPortOf));
  let free = 5000;
  while (used.has(free) || free === port) free++;
  return `Port ${port} is already the gateway port of the profile "${other.name}": two profiles on one port would share one gateway and one login, so give this one another port: \`--port ${free}\` (or listenPort ${free} in its folder's root/conf.yaml).`;
}
