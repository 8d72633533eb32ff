/**
 * The heap in use after a full garbage collection, so that "memory stays flat" compares live data
 * and not garbage waiting for the collector. Node only exposes gc() with --expose-gc; the flag can
 * be set at run time and gc() taken from a fresh context (V8 installs it there once the flag is on).
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null = null;

function gc(): () => void {
  if (collect) return collect;
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return (collect = existing);
  v8.setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc') as () => void;
  return collect;
}

/** Bytes of heap in use after collecting twice (weak references and finalizers need a second pass). */
export function liveHeapBytes(): number {
  const run = gc();
  run();
  run();
  return process.memoryUsage().heapUsed;
}

/** Active handles and requests by type (timers, sockets, …): what a leak of real resources grows. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/**
 * Active resources once the sockets of requests already given up have finished closing on both ends
 * (the simulator runs in this process, so its side of each connection counts too). Waits a bounded
 * number of event-loop turns for the counts to stop changing: a measurement taken mid-close would
 * count a socket that is already on its way out.
 */
export async function settledResources(): Promise<Record<string, number>> {
  let last = JSON.stringify(activeResources());
  for (let turn = 0; turn < 50; turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const now = JSON.stringify(activeResources());
    if (now === last) return JSON.parse(now) as Record<string, number>;
    last = now;
  }
  return JSON.parse(last) as Record<string, number>;
}
