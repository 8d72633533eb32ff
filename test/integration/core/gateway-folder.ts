/**
 * Temporary copies of the simulator's fake gateway folder (test/sim/clientportal.gw) for tests
 * that start it as a real process tree, and what those tests need to see the tree from outside.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SIM_DIR = fileURLToPath(new URL('../../sim/', import.meta.url));
const SOURCE = path.join(SIM_DIR, 'clientportal.gw');
const JAR = 'dist/ibgroup.web.core.iblink.router.clientportal.gw.jar';

/** Copy the fake folder to a temp dir with `listenPort` set; returns the folder. */
export function copyGatewayFolder(listenPort: number): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-gw-'));
  fs.cpSync(SOURCE, folder, { recursive: true, filter: (src) => !/[\\/](logs|\.vertx)([\\/]|$)/.test(src.slice(SOURCE.length)) });
  // run.sh checks for the jar (dist/ is git-ignored, so a fresh checkout may lack it).
  fs.mkdirSync(path.join(folder, 'dist'), { recursive: true });
  if (!fs.existsSync(path.join(folder, JAR))) fs.writeFileSync(path.join(folder, JAR), 'fake\n');
  // Where the copy finds the simulator's code (gateway.mjs reads it).
  fs.writeFileSync(path.join(folder, '.sim-home'), SIM_DIR);
  const conf = path.join(folder, 'root', 'conf.yaml');
  fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^(\s*)listenPort:.*$/m, `$1listenPort: ${listenPort}`));
  return folder;
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

/** Is `pid` running? (`kill(pid, 0)`, and not a zombie: pid 1 here does not reap orphans.) */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const s = stat(pid);
  return s !== null && s.state !== 'Z';
}

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

/** Poll `condition` until true or the limit passes (then throw, naming what was awaited). */
export async function until(what: string, condition: () => boolean | Promise<boolean>, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
