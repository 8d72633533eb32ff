/**
 * Figure: the five-command script (`status; accounts; use X; accounts; status`, three times), each
 * command the real built `ibkr-tray` in a process of its own, back to back, against a ready
 * simulator with two accounts. Measured: the most requests the gateway received in any 1 s (IBKR
 * allows 10). Reference, in the same run: the same script with every command given a settings folder
 * of its own, so that no pacing record is shared and each process paces only itself (the simulator's
 * pacing off there, or its penalty box would stop the count). Runnable alone: `npx tsx bench/pacing-script.ts`.
 */
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt, run } from '../test/integration/cli/command.js';
import { startSimulator, type Simulator } from '../test/sim/index.js';
import { busiestWindow } from '../test/sim/request-log.js';
import { until } from '../test/sim/until.js';
import type { FigureResult } from './figure.js';

const ACCOUNTS = [
  { id: 'U1111111', alias: 'Main' },
  { id: 'U2222222', alias: 'Hedge' },
];

async function readySimulator(pacing: boolean): Promise<Simulator> {
  const sim = await startSimulator({ authDelayMs: 100, accounts: ACCOUNTS, paper: false, emptyAccountsAnswers: 0, pacing });
  await sim.control.login();
  await until('the simulated IBKR to be authenticated', async () => (await sim.control.state()).authenticated, 5_000);
  return sim;
}

/** Run the script; `folder()` gives each command its settings folder. Returns the peak and the 429s. */
async function script(sim: Simulator, folder: () => string): Promise<{ peak: number; tooMany: number; requests: number; failed: number }> {
  const from = sim.requests.length;
  let failed = 0;
  const cli = async (...args: string[]): Promise<void> => {
    const result = await run(['--gateway', sim.url, ...args], { configDir: folder() });
    if (result.code !== 0) failed++;
  };
  for (let i = 0; i < 3; i++) {
    await cli('status');
    await cli('accounts');
    await cli('use', ACCOUNTS[(i + 1) % 2]!.id);
    await cli('accounts');
    await cli('status');
  }
  const seen = sim.requests.slice(from);
  return { peak: busiestWindow(seen), tooMany: seen.filter((r) => r.status === 429).length, requests: seen.length, failed };
}

export async function pacingScript(): Promise<FigureResult> {
  ensureBuilt();
  const dirs: string[] = [];
  const newDir = (): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ibkr-tray-bench-pacing-'));
    dirs.push(dir);
    return dir;
  };
  try {
    const shared = newDir();
    const paced = await readySimulator(true);
    const product = await script(paced, () => shared).finally(() => paced.stop());
    const unpaced = await readySimulator(false);
    const reference = await script(unpaced, newDir).finally(() => unpaced.stop());
    return {
      id: 'pacing-script',
      title: 'Five-command script ×3: peak requests in any second at the gateway',
      method: `15 commands, each a process of its own, back to back, against an in-process simulator with IBKR's pacing on (two accounts); reference: the same script with a settings folder per command (no shared record) and the simulator's pacing off. Product: ${product.requests} requests, ${product.tooMany} 429s, ${product.failed} commands failed; reference: ${reference.requests} requests.`,
      rows: [
        {
          measure: 'peak requests in any 1 s',
          value: String(product.peak),
          reference: `no shared record ${reference.peak}`,
          ratio: reference.peak > 0 ? Math.round((product.peak / reference.peak) * 100) / 100 : null,
        },
      ],
      targets: [
        { name: 'script peak', target: '≤ 10 requests in any 1 s', measured: String(product.peak), met: product.peak <= 10 },
        { name: 'script 429s', target: 'no 429', measured: String(product.tooMany), met: product.tooMany === 0 },
      ],
      data: { product, reference },
    };
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

// Alone: `npx tsx bench/pacing-script.ts` prints the figure.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { printFigure } = await import('./table.js');
  const started = performance.now();
  printFigure(await pacingScript(), performance.now() - started);
  process.exit(0);
}
