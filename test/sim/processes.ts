/**
 * Which processes run in a gateway folder: the gateway's run.sh and java (here, the simulator) run with
 * the folder as their working directory, whoever started them. Liveness by /proc state (the product's
 * isProcessAlive): where pid 1 does not reap orphans, a killed process stays a zombie.
 */
import fs from 'node:fs';
import { isProcessAlive } from '../../src/main/core/gateway/process-tree.js';

/** Live processes whose working directory is `folder`. */
export function processesIn(folder: string): number[] {
  const real = fs.realpathSync(folder);
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return isProcessAlive(pid) && fs.readlinkSync(`/proc/${pid}/cwd`) === real;
      } catch {
        return false;
      }
    });
}
