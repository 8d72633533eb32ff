/**
 * Figure 5: what `ibkr-tray keepalive` costs while it idles for 60 s against a ready simulator:
 * resident memory (VmRSS, and its peak VmHWM) and CPU time (utime + stime) from /proc, against a
 * bare Node process idling beside it for the same 60 s (`setInterval` doing nothing).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator } from '../test/sim/index.js';
import { BIN } from './command-startup.js';
import type { FigureResult } from './figure.js';
import { round } from './statistics.js';

const IDLE_MS = 60_000;

interface Sample {
  /** kB */
  readonly rss: number;
  /** kB */
  readonly hwm: number;
  /** ms of CPU (user + system) since the process started. */
  readonly cpuMs: number;
}

const TICKS_PER_SECOND = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function sample(pid: number): Sample {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name "(…)": state is field 3, utime 14, stime 15 (1-based).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), cpuMs: (ticks * 1000) / TICKS_PER_SECOND };
}

/** Resolve once the child has printed a line matching `pattern` on stdout. */
function printed(child: ChildProcess, pattern: RegExp, limitMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`not printed within ${limitMs} ms: ${pattern}; got: ${out.slice(-500)}`)), limitMs);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before printing ${pattern}: ${out.slice(-500)}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function footprint(): Promise<FigureResult> {
  const sim = await startSimulator({ authDelayMs: 0 });
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-bench-keepalive-'));
  const children: ChildProcess[] = [];
  try {
    await sim.control.login();
    const keepalive = spawn(process.execPath, [BIN, '--gateway', sim.url, '--config-dir', configDir, 'keepalive'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(keepalive, bare);
    await printed(keepalive, /\bready: /);
    const from = sim.requests.length;
    const before = { keepalive: sample(keepalive.pid!), bare: sample(bare.pid!) };
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const after = { keepalive: sample(keepalive.pid!), bare: sample(bare.pid!) };
    const requests = sim.requests.slice(from).map((r) => `${r.method} ${r.path} ${r.status}`);
    keepalive.kill('SIGTERM');
    await exited(keepalive);
    const cpu = { keepalive: after.keepalive.cpuMs - before.keepalive.cpuMs, bare: after.bare.cpuMs - before.bare.cpuMs };
    const mb = (kb: number): string => `${round(kb / 1024)} MB`;
    return {
      id: 'footprint',
      title: '5. Footprint of `ibkr-tray keepalive` idle for 60 s',
      method: `Built command against a ready in-process simulator (WebSocket heartbeat every 10 s); /proc/<pid>/status and /proc/<pid>/stat (${TICKS_PER_SECOND} ticks/s) read once ready and 60 s later; a bare Node process idles beside it. ${requests.length} HTTP requests/upgrades reached the gateway meanwhile.`,
      rows: [
        { measure: 'resident memory after 60 s (VmRSS)', value: mb(after.keepalive.rss), reference: `bare Node ${mb(after.bare.rss)}`, ratio: round(after.keepalive.rss / after.bare.rss) },
        { measure: 'peak resident memory (VmHWM)', value: mb(after.keepalive.hwm), reference: `bare Node ${mb(after.bare.hwm)}`, ratio: round(after.keepalive.hwm / after.bare.hwm) },
        { measure: 'CPU time during the 60 s idle', value: `${round(cpu.keepalive)} ms`, reference: `bare Node ${round(cpu.bare)} ms`, ratio: cpu.bare > 0 ? round(cpu.keepalive / cpu.bare) : null },
        { measure: 'CPU time from start to ready', value: `${round(before.keepalive.cpuMs)} ms`, reference: `bare Node start ${round(before.bare.cpuMs)} ms`, ratio: before.bare.cpuMs > 0 ? round(before.keepalive.cpuMs / before.bare.cpuMs) : null },
      ],
      targets: [
        {
          name: 'keepalive idle RSS',
          target: '≤ 1.5× bare idle Node',
          measured: `${round(after.keepalive.rss / after.bare.rss)}× (${mb(after.keepalive.rss)} / ${mb(after.bare.rss)})`,
          met: after.keepalive.rss <= 1.5 * after.bare.rss,
        },
      ],
      data: { before, after, cpuDuringIdleMs: cpu, idleMs: IDLE_MS, requests },
    };
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await sim.stop();
    fs.rmSync(configDir, { recursive: true, force: true });
  }
}
