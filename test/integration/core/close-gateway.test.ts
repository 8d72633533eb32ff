/**
 * InteractiveBrokersAuthentication.closeGateway(pid) on real process trees: a pid that leads its
 * group, one that does not (its children are found from the process table), one that ignores
 * SIGTERM, and a dead pid. The answer is structured; its message is for display only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { InteractiveBrokersAuthentication } from '../../../src/main/core/auth.js';
import { createGatewayClient } from '../../../src/main/core/gateway/client.js';
import { until } from '../../sim/until.js';
import { alive, childPids, groupPids } from './gateway-folder.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) {
    for (const pid of [child.pid!, ...childPids(child.pid!)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
});

/** No gateway is needed to close a process: the client is never called. */
function auth(stopGraceMs = 3000): InteractiveBrokersAuthentication {
  return new InteractiveBrokersAuthentication({ client: createGatewayClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 500 }), stopGraceMs });
}

/** A stand-in for run.sh and its java: a shell with a child (`script` runs before the child starts). */
async function tree(detached: boolean, script = ''): Promise<{ pid: number; child: number }> {
  const shell = spawn('bash', ['-c', `${script} sleep 60 & wait`], { detached, stdio: 'ignore' });
  started.push(shell);
  const pid = shell.pid!;
  await until('the child sleep', () => childPids(pid).length === 1);
  return { pid, child: childPids(pid)[0]! };
}

describe('closeGateway(pid)', () => {
  it('a pid that leads its group: the whole group ends', async () => {
    const { pid, child } = await tree(true);
    const closed = await auth().closeGateway(pid);
    expect(closed).toMatchObject({ stopped: true, wasRunning: true, pid, forced: false, message: `Gateway process ${pid} stopped.` });
    expect(closed.pids).toEqual(expect.arrayContaining([pid, child]));
    expect(groupPids(pid)).toEqual([]);
  });

  it('a pid that does not lead a group: it and its children end, its group (this test runner) lives on', async () => {
    const { pid, child } = await tree(false);
    expect(groupPids(pid)).toEqual([]); // not a group leader: it is in the test runner's group
    const closed = await auth().closeGateway(pid);
    expect(closed).toMatchObject({ stopped: true, wasRunning: true, forced: false });
    expect([...closed.pids].sort((a, b) => a - b)).toEqual([pid, child].sort((a, b) => a - b));
    expect([pid, child].filter(alive)).toEqual([]);
    expect(alive(process.pid)).toBe(true);
  });

  it('a tree that ignores SIGTERM: SIGKILL after the grace period, reported as forced', async () => {
    const { pid, child } = await tree(true, 'trap "" TERM;');
    const closed = await auth(300).closeGateway(pid);
    expect(closed).toMatchObject({ stopped: true, wasRunning: true, forced: true });
    expect([pid, child].filter(alive)).toEqual([]);
  });

  it('a dead pid: nothing to stop, said so, no error', async () => {
    const { pid } = await tree(true);
    process.kill(-pid, 'SIGKILL');
    await until('the tree to die', () => groupPids(pid).length === 0);
    await expect(auth().closeGateway(pid)).resolves.toEqual({
      stopped: true,
      wasRunning: false,
      pid,
      pids: [pid],
      forced: false,
      survivors: [],
      message: `No process ${pid} is running: nothing to stop.`,
    });
  });

  it('not a pid: IBCValidationError', async () => {
    await expect(auth().closeGateway(-3)).rejects.toThrow(/Not a process id: -3/);
  });
});
