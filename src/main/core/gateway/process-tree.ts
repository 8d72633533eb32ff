/**
 * Whether processes live, and stopping a whole tree: the one way the app ends a gateway (the
 * supervisor, `closeGateway`, `ibkr-tray gateway stop`). run.sh does not exec java: killing the bash
 * pid leaves java running and serving (gateway-facts §1), so we signal the process group (`-pid`,
 * the child is spawned detached) and every descendant we can find, or, on Windows,
 * `taskkill /T /F` (java is a child of cmd).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { sleep, systemClock, type Clock } from './clock.js';

/** Linux: a process's state letter, parent and process group from /proc/<pid>/stat, or null. */
function linuxStat(pid: number): { state: string; ppid: number; pgid: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}

const isZombie = (state: string): boolean => state === 'Z' || state === 'X';

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
    return stat !== null && !isZombie(stat.state);
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
      if (stat && stat.pgid === pgid && !isZombie(stat.state)) return true;
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

/** What stopping a tree asks of the operating system (injected in tests). */
export interface ProcessOs {
  readonly platform: NodeJS.Platform;
  /** A live, non-zombie process. */
  isAlive(pid: number): boolean;
  /** Any live member of process group `pgid`. */
  isGroupAlive(pgid: number): boolean;
  /** kill(2): a negative pid signals the group. Never throws for a gone process. */
  signal(pid: number, signal: NodeJS.Signals): void;
  /** [pid, parent pid] of every process (Linux /proc, elsewhere `ps`); empty when unknown. */
  parents(): Promise<readonly (readonly [number, number])[]>;
  /** Windows: `taskkill /T /F /PID pid` (the pid and its descendants). */
  taskkill(pid: number): Promise<void>;
}

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, windowsHide: true }, (error, stdout) => resolve(error && !stdout ? '' : String(stdout)));
  });
}

async function listParents(platform: NodeJS.Platform): Promise<[number, number][]> {
  if (platform === 'win32') return []; // taskkill /T walks the tree itself
  if (platform === 'linux') {
    const pairs: [number, number][] = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = linuxStat(Number(entry));
      if (stat && !isZombie(stat.state)) pairs.push([Number(entry), stat.ppid]);
    }
    return pairs;
  }
  const out = await run('ps', ['-A', '-o', 'pid=,ppid='], 3000);
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((cols): cols is [number, number] => cols.length === 2 && cols.every((n) => Number.isInteger(n) && n > 0));
}

/** This machine's processes. */
export function realProcessOs(platform: NodeJS.Platform = process.platform): ProcessOs {
  return {
    platform,
    isAlive: (pid) => isProcessAlive(pid, platform),
    isGroupAlive: (pgid) => isGroupAlive(pgid, platform),
    signal: (pid, signal) => {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    },
    parents: () => listParents(platform),
    taskkill: async (pid) => {
      await run('taskkill', ['/T', '/F', '/PID', String(pid)], 10_000);
    },
  };
}

/** How to reach a gateway's processes. */
export interface ProcessTarget {
  readonly pid: number;
  /** True when `pid` leads its own process group (we spawned it detached): signal the group. */
  readonly group: boolean;
  /** Other known members of the tree, e.g. the java that listens (recorded, since its parent may be gone). */
  readonly also?: readonly number[];
}

/** Is anything of the target still running? */
export function isTargetAlive(target: ProcessTarget, os: ProcessOs = realProcessOs()): boolean {
  if (target.group && os.platform !== 'win32' && os.isGroupAlive(target.pid)) return true;
  return [target.pid, ...(target.also ?? [])].some((pid) => os.isAlive(pid));
}

/** What stopProcessTree did. */
export interface TreeStopped {
  /** Nothing of the tree lives any more. */
  readonly stopped: boolean;
  /** Something of the tree was alive when asked. */
  readonly wasRunning: boolean;
  /** The processes found and signalled: the target, its recorded members and their descendants. */
  readonly pids: readonly number[];
  /** SIGKILL (or taskkill /F) was needed. */
  readonly forced: boolean;
  /** What still lives when `stopped` is false. */
  readonly survivors: readonly number[];
}

export interface StopTreeOptions {
  /** Between SIGTERM and SIGKILL (0: SIGKILL at once). Java exits ~2 s after SIGTERM. */
  readonly graceMs: number;
  /** How long to wait for death after SIGKILL (default 5 s). */
  readonly killWaitMs?: number;
  /** How often death is checked (default 100 ms). */
  readonly pollMs?: number;
  readonly os?: ProcessOs;
  readonly clock?: Clock;
}

/** The target's members and every live descendant of them, found by walking parent links. */
async function treeOf(target: ProcessTarget, os: ProcessOs): Promise<number[]> {
  const found = new Set([target.pid, ...(target.also ?? [])]);
  const parents = await os.parents();
  // Each pass adds at least one pid or stops: bounded by the size of the process table.
  for (let grew = true, pass = 0; grew && pass <= parents.length; pass++) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (found.has(ppid) && !found.has(pid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return [...found];
}

/**
 * Stop a process tree, one behaviour for every caller: find the tree (before any signal, since
 * java is re-parented once bash dies), SIGTERM the group and every member, wait up to `graceMs`
 * judging death by process state (zombies are dead), then SIGKILL what is left and wait again.
 * Windows: `taskkill /T /F` on each known member. Never throws for a process that is already gone.
 */
export async function stopProcessTree(target: ProcessTarget, options: StopTreeOptions): Promise<TreeStopped> {
  const os = options.os ?? realProcessOs();
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? 100;
  const pids = await treeOf(target, os);
  const groupSignals = target.group && os.platform !== 'win32';
  const living = (): number[] => {
    const alive = pids.filter((pid) => os.isAlive(pid));
    return alive.length === 0 && groupSignals && os.isGroupAlive(target.pid) ? [target.pid] : alive;
  };
  const waitGone = async (limitMs: number): Promise<boolean> => {
    const deadline = clock.now() + limitMs;
    for (;;) {
      if (living().length === 0) return true;
      if (clock.now() >= deadline) return false;
      await sleep(clock, pollMs);
    }
  };
  const send = (signal: NodeJS.Signals): void => {
    if (groupSignals) os.signal(-target.pid, signal);
    for (const pid of pids) os.signal(pid, signal);
  };
  if (living().length === 0) return { stopped: true, wasRunning: false, pids, forced: false, survivors: [] };

  if (os.platform === 'win32') {
    // No signals to send: taskkill /F is the only stop cmd and java answer to.
    for (const pid of [target.pid, ...(target.also ?? [])]) await os.taskkill(pid);
    const stopped = await waitGone(options.killWaitMs ?? 5000);
    return { stopped, wasRunning: true, pids, forced: true, survivors: stopped ? [] : living() };
  }
  if (options.graceMs > 0) {
    send('SIGTERM');
    if (await waitGone(options.graceMs)) return { stopped: true, wasRunning: true, pids, forced: false, survivors: [] };
  }
  send('SIGKILL');
  const stopped = await waitGone(options.killWaitMs ?? 5000);
  return { stopped, wasRunning: true, pids, forced: true, survivors: stopped ? [] : living() };
}
