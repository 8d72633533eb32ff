/**
 * Is this a Client Portal Gateway folder? Checked before anything is started, so the user hears
 * which part is missing instead of a Java stack trace (gateway-facts.md §1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { GatewayStartError } from '../errors.js';

export interface GatewayFolder {
  readonly folder: string;
  /** bin/run.sh or bin\run.bat, relative to the folder. */
  readonly runScript: string;
  /** root/conf.yaml, absolute. */
  readonly confFile: string;
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Check the folder's layout; throws GatewayStartError 'no-folder' / 'wrong-folder' with the fix. */
export function checkGatewayFolder(folder: string, platform: NodeJS.Platform = process.platform): GatewayFolder {
  if (!folder) throw new GatewayStartError('no-folder', 'No gateway folder chosen: choose the clientportal.gw folder (the one that contains bin/ and root/).');
  const absolute = path.resolve(folder);
  if (!isDirectory(absolute)) {
    const what = fs.existsSync(absolute) ? 'is a file, not a folder' : 'does not exist';
    throw new GatewayStartError('no-folder', `The gateway folder ${absolute} ${what}: choose the clientportal.gw folder (the one that contains bin/ and root/).`);
  }
  const runScript = platform === 'win32' ? path.join('bin', 'run.bat') : path.join('bin', 'run.sh');
  if (!isFile(path.join(absolute, runScript))) {
    const nested = ['clientportal.gw', 'clientportal'].find((name) => isFile(path.join(absolute, name, runScript)));
    const hint = nested ? ` (it is in ${path.join(absolute, nested)})` : '';
    throw new GatewayStartError('wrong-folder', `no ${runScript.replace(/\\/g, '/')} in ${absolute}: choose the folder that contains bin/ and root/${hint}.`);
  }
  const confFile = path.join(absolute, 'root', 'conf.yaml');
  if (!isFile(confFile)) {
    throw new GatewayStartError('wrong-folder', `no root/conf.yaml in ${absolute}: choose the folder that contains bin/ and root/, or restore conf.yaml from the gateway's zip.`);
  }
  if (!isDirectory(path.join(absolute, 'dist'))) {
    throw new GatewayStartError('wrong-folder', `no dist/ in ${absolute}: the gateway's jar files are missing; unzip clientportal.gw.zip again.`);
  }
  return { folder: absolute, runScript, confFile };
}
