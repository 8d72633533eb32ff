/**
 * Whether processes live, and ending a whole tree. run.sh does not exec java: killing the bash pid
 * leaves java running and serving (gateway-facts §1), so we signal the process group (`-pid`, the
 * child is spawned detached) or, on Windows, `taskkill /T /F` (java is a child of cmd).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';

/** Linux: a process's state letter and process group from /proc/<pid>/stat, or null. */
function linuxStat(pid: number): { state: string; pgid: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}

/**
 * Is `pid` a live process? A zombie counts as dead: where pid 1 does not reap orphans (containers),
 * a killed java stays a zombie that `kill(pid, 0)` still finds.
 */
export function isProcessAlive(pid: number, platform: NodeJS.Platform = process.platform): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (platform === 'linux') {
    const stat = linuxStat(pid);
    return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
  }
  return true;
}

/** Live (non-zombie) members of process group `pgid`; on other platforms, whether any exists. */
export function isGroupAlive(pgid: number, platform: NodeJS.Platform = process.platform): boolean {
  if (!Number.isInteger(pgid) || pgid <= 0) return false;
  if (platform === 'win32') return isProcessAlive(pgid, platform);
  if (platform === 'linux') {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = linuxStat(Number(entry));
      if (stat && stat.pgid === pgid && stat.state !== 'Z' && stat.state !== 'X') return true;
    }
    return false;
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How to reach a gateway's processes. */
export interface ProcessTarget {
  readonly pid: number;
  /** True when `pid` leads its own process group (we spawned it detached): signal the group. */
  readonly group: boolean;
}

/** Is anything of the target still running? */
export function isTargetAlive(target: ProcessTarget, platform: NodeJS.Platform = process.platform): boolean {
  return target.group && platform !== 'win32' ? isGroupAlive(target.pid, platform) : isProcessAlive(target.pid, platform);
}

/** Send `signal` to the target (the whole group when it is one). Never throws for a gone process. */
export function signalTarget(target: ProcessTarget, signal: NodeJS.Signals, platform: NodeJS.Platform = process.platform): Promise<void> {
  if (platform === 'win32') {
    // No process groups to signal: taskkill ends java, which is a child of cmd.
    return new Promise((resolve) => {
      execFile('taskkill', ['/T', '/F', '/PID', String(target.pid)], { windowsHide: true, timeout: 10_000 }, () => resolve());
    });
  }
  try {
    process.kill(target.group ? -target.pid : target.pid, signal);
  } catch {
    // already gone
  }
  return Promise.resolve();
}

/** Does `pid` lead its own process group (so signalling `-pid` reaches its children too)? */
export function isGroupLeader(pid: number, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32') return false;
  if (platform === 'linux') return linuxStat(pid)?.pgid === pid;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
