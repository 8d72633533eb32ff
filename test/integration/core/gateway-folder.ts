/**
 * The simulator's fake gateway folder set up as a user's, and what tests that start it as a real
 * process tree need to see that tree from outside (pids, groups, zombies).
 */
import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../../../src/main/core/gateway/process-tree.js';
import { makeGatewayFolder } from '../../sim/gateway-folder.js';

/**
 * A temp copy of the fake folder (the simulator's makeGatewayFolder) with root/conf.yaml's
 * listenPort set: the folder a user would choose. `cleanup` removes it.
 */
export async function copyGatewayFolder(listenPort: number): Promise<{ folder: string; cleanup: () => Promise<void> }> {
  const copy = await makeGatewayFolder();
  const conf = path.join(copy.dir, 'root', 'conf.yaml');
  fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^(\s*)listenPort:.*$/m, `$1listenPort: ${listenPort}`));
  return { folder: copy.dir, cleanup: copy.cleanup };
}

function stat(pid: number): { state: string; ppid: number; pgid: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}

/** Is `pid` running? The product's own check: `kill(pid, 0)`, and not a zombie (pid 1 here does not reap orphans). */
export const alive = (pid: number): boolean => isProcessAlive(pid);

function livePids(match: (s: { ppid: number; pgid: number }) => boolean): number[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      const s = stat(pid);
      return s !== null && s.state !== 'Z' && match(s);
    });
}

/** Live members of process group `pgid`. */
export function groupPids(pgid: number): number[] {
  return livePids((s) => s.pgid === pgid);
}

/** Live children of `pid` (run.sh's "java"). */
export function childPids(pid: number): number[] {
  return livePids((s) => s.ppid === pid);
}
