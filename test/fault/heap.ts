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
