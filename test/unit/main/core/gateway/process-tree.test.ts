/**
 * stopProcessTree, the one way a gateway tree is stopped, over a pretend process table: which
 * processes it finds, what it sends them and in which order, and what it reports. (Real trees:
 * test/integration/core/close-gateway.test.ts and the supervisor's integration tests.)
 */
import { describe, expect, it } from 'vitest';
import { isTargetAlive, stopProcessTree, type ProcessOs, type ProcessTarget } from '../../../../../src/main/core/gateway/process-tree.js';
import { ManualClock } from '../../../../sim/manual-clock.js';

/** Processes with parents and groups; each ends on the first signal it does not ignore. */
class FakeProcesses implements ProcessOs {
  readonly sent: [number, string][] = [];
  /** pid → [ppid, pgid] */
  readonly table = new Map<number, [number, number]>();
  /** Processes that ignore SIGTERM. */
  readonly stubborn = new Set<number>();
  /** Processes nothing ends. */
  readonly immortal = new Set<number>();

  constructor(readonly platform: NodeJS.Platform = 'linux') {}

  add(pid: number, ppid: number, pgid: number): this {
    this.table.set(pid, [ppid, pgid]);
    return this;
  }
  isAlive = (pid: number) => this.table.has(pid);
  isGroupAlive = (pgid: number) => [...this.table.values()].some(([, g]) => g === pgid);
  parents = () => Promise.resolve([...this.table].map(([pid, [ppid]]) => [pid, ppid] as const));
  signal = (pid: number, signal: NodeJS.Signals) => {
    this.sent.push([pid, signal]);
    const hit = pid < 0 ? [...this.table].filter(([, [, g]]) => g === -pid).map(([p]) => p) : [pid];
    for (const p of hit) if (!this.immortal.has(p) && (signal === 'SIGKILL' || !this.stubborn.has(p))) this.table.delete(p);
  };
  taskkill = (pid: number) => {
    this.sent.push([pid, 'taskkill']);
    // /T: the pid and its descendants
    const doomed = new Set([pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [p, [pp]] of this.table) if (doomed.has(pp) && !doomed.has(p)) grew = doomed.add(p).size > 0;
    }
    for (const p of doomed) if (!this.immortal.has(p)) this.table.delete(p);
    return Promise.resolve();
  };
}

async function stop(os: FakeProcesses, target: ProcessTarget, graceMs = 3000) {
  const clock = new ManualClock();
  const result = stopProcessTree(target, { graceMs, os, clock, pollMs: 100 });
  await clock.run(graceMs + 6000);
  return result;
}

describe('stopProcessTree', () => {
  it('a dead pid: nothing sent, reported as not running and stopped', async () => {
    const os = new FakeProcesses();
    await expect(stop(os, { pid: 50, group: false })).resolves.toEqual({ stopped: true, wasRunning: false, pids: [50], forced: false, survivors: [] });
    expect(os.sent).toEqual([]);
  });

  it('a group leader (run.sh → java): SIGTERM to the group and to each member, then done', async () => {
    const os = new FakeProcesses().add(10, 1, 10).add(11, 10, 10).add(99, 1, 99);
    const result = await stop(os, { pid: 10, group: true });
    expect(result).toEqual({ stopped: true, wasRunning: true, pids: [10, 11], forced: false, survivors: [] });
    expect(os.sent[0]).toEqual([-10, 'SIGTERM']);
    expect(os.isAlive(99)).toBe(true);
  });

  it('a pid that does not lead a group: its descendants are found and signalled, its group is not', async () => {
    // 10 shares the caller's group 5 (not detached); 11 and its child 12 are the tree; 13 is unrelated.
    const os = new FakeProcesses().add(5, 1, 5).add(10, 5, 5).add(11, 10, 5).add(12, 11, 5).add(13, 5, 5);
    const result = await stop(os, { pid: 10, group: false });
    expect(result).toMatchObject({ stopped: true, wasRunning: true, forced: false });
    expect([...result.pids].sort((a, b) => a - b)).toEqual([10, 11, 12]);
    expect(os.sent.every(([pid]) => pid > 0)).toBe(true);
    expect([...os.table.keys()].sort((a, b) => a - b)).toEqual([5, 13]);
  });

  it('finds the tree before signalling: a java re-parented when bash dies is still stopped', async () => {
    const os = new FakeProcesses().add(10, 1, 10).add(11, 10, 10);
    os.stubborn.add(11);
    const result = await stop(os, { pid: 10, group: false });
    expect(result).toMatchObject({ stopped: true, forced: true, pids: [10, 11] });
    expect(os.sent).toContainEqual([11, 'SIGKILL']);
  });

  it('SIGKILL only after the grace period, and says it was forced', async () => {
    const os = new FakeProcesses().add(10, 1, 10);
    os.stubborn.add(10);
    const clock = new ManualClock();
    const pending = stopProcessTree({ pid: 10, group: true }, { graceMs: 3000, os, clock, pollMs: 100 });
    await clock.run(2900);
    expect(os.sent.map(([, s]) => s)).toEqual(['SIGTERM', 'SIGTERM']);
    await clock.run(200);
    expect(os.sent.map(([, s]) => s)).toEqual(['SIGTERM', 'SIGTERM', 'SIGKILL', 'SIGKILL']);
    await expect(pending).resolves.toMatchObject({ stopped: true, forced: true });
  });

  it('graceMs 0: SIGKILL at once', async () => {
    const os = new FakeProcesses().add(10, 1, 10);
    await expect(stop(os, { pid: 10, group: true }, 0)).resolves.toMatchObject({ stopped: true, forced: true });
    expect(os.sent.map(([, s]) => s)).toEqual(['SIGKILL', 'SIGKILL']);
  });

  it('a process that survives SIGKILL: not stopped, and which one is named', async () => {
    const os = new FakeProcesses().add(10, 1, 10).add(11, 10, 10);
    os.immortal.add(11);
    await expect(stop(os, { pid: 10, group: true })).resolves.toMatchObject({ stopped: false, wasRunning: true, forced: true, survivors: [11] });
  });

  it('Windows: taskkill /T /F on the pid and each recorded member, no signals', async () => {
    const os = new FakeProcesses('win32').add(20, 1, 20).add(21, 20, 20).add(30, 1, 30);
    const result = await stop(os, { pid: 20, group: false, also: [30] });
    expect(result).toMatchObject({ stopped: true, wasRunning: true, forced: true });
    expect(os.sent).toEqual([
      [20, 'taskkill'],
      [30, 'taskkill'],
    ]);
    expect(os.table.size).toBe(0);
  });
});

describe('isTargetAlive', () => {
  it('a group counts while any member lives; a recorded member counts on its own', () => {
    const os = new FakeProcesses().add(11, 1, 10).add(30, 1, 30);
    expect(isTargetAlive({ pid: 10, group: true }, os)).toBe(true);
    expect(isTargetAlive({ pid: 10, group: false }, os)).toBe(false);
    expect(isTargetAlive({ pid: 10, group: false, also: [30] }, os)).toBe(true);
  });
});
