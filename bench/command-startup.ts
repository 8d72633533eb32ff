/**
 * Figure 4: command start-up and back-to-back use, against a ready simulator, every time a new Node
 * process (the built command, bin/ibkr-tray.js):
 * - `ibkr-tray --help` against Node starting an empty script (`node -e 0`): target ≤ 2×;
 * - `ibkr-tray status --json` (one auth/status + one tickle: runs spaced so that each may tickle)
 *   against `node -e 0` (target ≤ 3×) and `curl -sk` to the same auth/status endpoint;
 * - 10 × `status` back to back (each starts when the previous exits) against 10 × one status (run
 *   just before each burst) + 0.5 s, with no 429 and at most 10 requests in any second, also
 *   counted over 1.2 s as the pacer does (a status right after another answers from auth/status,
 *   with the account list another status got ≤ 1.5 s before; IBKR's limits still hold).
 * Medians of RUNS runs, alternating, so that load on the machine hits every figure alike.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../test/sim/index.js';
import type { FigureResult } from './figure.js';
import { maxInWindow, round, summarize } from './statistics.js';

const RUNS = 15;
/** Bursts of back-to-back statuses (each of BURST commands). */
const BURSTS = 5;
const BURST = 10;
/** IBKR allows one tickle per second: single runs start at least this far apart, so each one tickles. */
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

function pause(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

export async function commandStartup(): Promise<FigureResult> {
  const sim = await startSimulator({ authDelayMs: 0 });
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-bench-cli-'));
  const cli = [BIN, '--gateway', sim.url, '--config-dir', configDir, '--json', 'status'];
  const help = [BIN, '--help'];
  const endpoint = `${sim.url}/v1/api/iserver/auth/status`;
  const times = { cli: [] as number[], curl: [] as number[], node: [] as number[], help: [] as number[], single: [] as number[], burst: [] as number[] };
  let burstRequests: string[] = [];
  /** The most requests in any second during the bursts (IBKR: 10), and in any 1.2 s (the pacer's window with margin). */
  let burstBusiest = 0;
  let burstBusiestPacer = 0;
  try {
    await sim.control.login();
    // Warm-up (and the first run pins the certificate), not counted.
    let last = performance.now();
    const first = await timed(process.execPath, cli);
    const state = (JSON.parse(first.stdout) as { state?: string }).state;
    if (state !== 'ready') throw new Error(`status --json said ${state}, expected ready`);
    await timed('curl', ['-sk', '-o', '/dev/null', endpoint]);
    await timed(process.execPath, help);
    for (let i = 0; i < RUNS; i++) {
      await pause(last + SPACING_MS - performance.now());
      last = performance.now();
      times.cli.push((await timed(process.execPath, cli)).ms);
      times.curl.push((await timed('curl', ['-sk', '-o', '/dev/null', endpoint])).ms);
      times.node.push((await timed(process.execPath, ['-e', '0'])).ms);
      times.help.push((await timed(process.execPath, help)).ms);
    }
    const from = sim.requests.length;
    for (let b = 0; b < BURSTS; b++) {
      // One status just before each burst is its reference, so that both see the same load.
      await pause(last + SPACING_MS - performance.now());
      times.single.push((await timed(process.execPath, cli)).ms);
      const started = performance.now();
      for (let i = 0; i < BURST; i++) await timed(process.execPath, cli);
      last = performance.now();
      times.burst.push(last - started);
    }
    burstRequests = sim.requests.slice(from).map((r) => `${r.path} ${r.status}`);
    burstBusiest = maxInWindow(sim.requests.slice(from).map((r) => r.at), 1_000);
    burstBusiestPacer = maxInWindow(sim.requests.slice(from).map((r) => r.at), 1_200);
  } finally {
    await sim.stop();
    fs.rmSync(configDir, { recursive: true, force: true });
  }
  const cliTime = summarize(times.cli);
  const curlTime = summarize(times.curl);
  const nodeTime = summarize(times.node);
  const helpTime = summarize(times.help);
  const burstTime = summarize(times.burst);
  const singleTime = summarize(times.single);
  const tooMany = sim.requests.filter((r) => r.status === 429).length;
  const burstTickles = burstRequests.filter((r) => r.startsWith('/v1/api/tickle ')).length;
  const burstAccountLists = burstRequests.filter((r) => r.startsWith('/v1/api/iserver/accounts ')).length;
  const burstLimit = BURST * singleTime.median + 500;
  const ms = (v: number): string => `${round(v)} ms`;
  const helpRatio = round(helpTime.median / nodeTime.median);
  const statusRatio = round(cliTime.median / nodeTime.median);
  return {
    id: 'command-startup',
    title: '4. Command start-up (`ibkr-tray --help`, `status --json`, 10 × status back to back)',
    method: `Medians of ${RUNS} runs each, alternating, against a ready in-process simulator; single runs ${SPACING_MS} ms apart so that each status tickles (IBKR: 1 tickle/s); ${BURSTS} bursts of ${BURST} statuses back to back, each after one single status as its reference (${burstTickles} tickles and ${burstAccountLists} account lists for ${BURSTS * BURST} statuses in ${burstRequests.length} requests, at most ${burstBusiest} in any second, ${burstBusiestPacer} in any 1.2 s). ${tooMany} 429s in all.`,
    rows: [
      { measure: 'ibkr-tray --help (wall)', value: ms(helpTime.median), reference: `node -e 0 ${ms(nodeTime.median)}`, ratio: helpRatio },
      { measure: 'ibkr-tray status --json (wall)', value: ms(cliTime.median), reference: `node -e 0 ${ms(nodeTime.median)}`, ratio: statusRatio },
      { measure: 'ibkr-tray status --json (wall)', value: ms(cliTime.median), reference: `curl -sk auth/status ${ms(curlTime.median)}`, ratio: round(cliTime.median / curlTime.median) },
      {
        measure: `${BURST} × status back to back (wall)`,
        value: ms(burstTime.median),
        reference: `${BURST} × one status just before ${ms(BURST * singleTime.median)}`,
        ratio: round(burstTime.median / (BURST * singleTime.median)),
      },
    ],
    targets: [
      { name: '--help start-up', target: '≤ 2× node -e 0', measured: `${helpRatio}×`, met: helpTime.median <= 2 * nodeTime.median },
      { name: 'status --json start-up', target: '≤ 3× node -e 0', measured: `${statusRatio}×`, met: cliTime.median <= 3 * nodeTime.median },
      {
        name: `${BURST} × status back to back`,
        target: `≤ ${BURST} × one status + 0.5 s (${ms(burstLimit)}), ≤ 10 requests/s, 0 × 429`,
        measured: `${ms(burstTime.median)}, at most ${burstBusiest} requests in a second, ${tooMany} × 429`,
        met: burstTime.median <= burstLimit && burstBusiest <= 10 && tooMany === 0,
      },
    ],
    data: { cli: cliTime, curl: curlTime, node: nodeTime, help: helpTime, single: singleTime, burst: burstTime, samples: times, tooMany, burstRequests: burstRequests.length, burstTickles, burstAccountLists, burstBusiest, burstBusiestPacer },
  };
}
