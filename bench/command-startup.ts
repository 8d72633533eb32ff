/**
 * Figure 4: command start-up. `ibkr-tray status --json` (the built command, a new Node process each
 * time, one auth/status + one tickle) against `curl -sk` to the same auth/status endpoint, and Node
 * starting an empty script; medians of N runs, alternating, against a ready simulator.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../test/sim/index.js';
import type { FigureResult } from './figure.js';
import { round, summarize } from './statistics.js';

const RUNS = 10;
/** IBKR allows one tickle per second and every `status` tickles: runs start at least this far apart. */
const SPACING_MS = 1_100;
export const BIN = fileURLToPath(new URL('../bin/ibkr-tray.js', import.meta.url));

/** Wall time of one command, in ms; rejects when it exits with another code than `expected`. */
function timed(command: string, args: readonly string[], expected = 0): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (code !== expected) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ ms, stdout });
    });
  });
}

export async function commandStartup(): Promise<FigureResult> {
  const sim = await startSimulator({ authDelayMs: 0 });
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-bench-cli-'));
  const cli = [BIN, '--gateway', sim.url, '--config-dir', configDir, '--json', 'status'];
  const endpoint = `${sim.url}/v1/api/iserver/auth/status`;
  const times = { cli: [] as number[], curl: [] as number[], node: [] as number[] };
  try {
    await sim.control.login();
    // Warm-up (and the first run pins the certificate), not counted.
    let last = performance.now();
    const first = await timed(process.execPath, cli);
    const state = (JSON.parse(first.stdout) as { state?: string }).state;
    if (state !== 'ready') throw new Error(`status --json said ${state}, expected ready`);
    await timed('curl', ['-sk', '-o', '/dev/null', endpoint]);
    for (let i = 0; i < RUNS; i++) {
      const wait = last + SPACING_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      last = performance.now();
      times.cli.push((await timed(process.execPath, cli)).ms);
      times.curl.push((await timed('curl', ['-sk', '-o', '/dev/null', endpoint])).ms);
      times.node.push((await timed(process.execPath, ['-e', '0'])).ms);
    }
  } finally {
    await sim.stop();
    fs.rmSync(configDir, { recursive: true, force: true });
  }
  const cliTime = summarize(times.cli);
  const curlTime = summarize(times.curl);
  const nodeTime = summarize(times.node);
  const tooMany = sim.requests.filter((r) => r.status === 429).length;
  const ms = (v: number): string => `${round(v)} ms`;
  return {
    id: 'command-startup',
    title: '4. Command start-up (`ibkr-tray status --json`)',
    method: `Median of ${RUNS} runs each, alternating, against a ready in-process simulator; runs ${SPACING_MS} ms apart since every status tickles (IBKR: 1 tickle/s). ${tooMany} 429s.`,
    rows: [
      { measure: 'ibkr-tray status --json (wall)', value: ms(cliTime.median), reference: `curl -sk auth/status ${ms(curlTime.median)}`, ratio: round(cliTime.median / curlTime.median) },
      { measure: 'ibkr-tray status --json (wall)', value: ms(cliTime.median), reference: `node -e 0 ${ms(nodeTime.median)}`, ratio: round(cliTime.median / nodeTime.median) },
    ],
    targets: [],
    data: { cli: cliTime, curl: curlTime, node: nodeTime, samples: times, tooMany },
  };
}
