/**
 * `npm run bench`: every figure against its reference, measured in the same run, printed as a table
 * and written to bench/results.json with the date and the machine. `npm run bench -- latency traffic`
 * runs only the named figures (results.json is then not written).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandStartup } from './command-startup.js';
import type { FigureResult } from './figure.js';
import { footprint } from './footprint.js';
import { gatewayLifecycle } from './gateway-lifecycle.js';
import { loginLatency } from './login-latency.js';
import { machine } from './machine.js';
import { pacingScript } from './pacing-script.js';
import { statusLatency } from './status-latency.js';
import { printFigure } from './table.js';
import { gatewayTraffic } from './traffic.js';
import { waitLatency } from './wait-latency.js';

const FIGURES: Record<string, () => Promise<FigureResult>> = {
  latency: () => statusLatency(),
  login: () => loginLatency(),
  traffic: () => gatewayTraffic(),
  lifecycle: () => gatewayLifecycle(),
  startup: () => commandStartup(),
  footprint: () => footprint(),
  pacing: () => pacingScript(),
  wait: () => waitLatency(),
};

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in FIGURES));
  if (unknown.length) throw new Error(`unknown figure(s) ${unknown.join(', ')}; known: ${Object.keys(FIGURES).join(', ')}`);
  const names = asked.length ? asked : Object.keys(FIGURES);
  const where = machine();
  process.stdout.write(`IBKR Tray benchmarks — ${where.date} — ${where.cpu}, ${where.nproc} cores, Node ${where.node}\n`);
  const started = performance.now();
  const results: FigureResult[] = [];
  for (const name of names) {
    const t = performance.now();
    const figure = await FIGURES[name]!();
    results.push(figure);
    printFigure(figure, performance.now() - t);
  }
  const seconds = Math.round((performance.now() - started) / 1000);
  const targets = results.flatMap((f) => f.targets);
  process.stdout.write(`\nTargets: ${targets.filter((t) => t.met).length} of ${targets.length} met; ${seconds} s in all.\n`);
  if (asked.length === 0) {
    const file = fileURLToPath(new URL('./results.json', import.meta.url));
    writeFileSync(file, `${JSON.stringify({ machine: where, seconds, figures: results }, null, 2)}\n`);
    process.stdout.write(`Written to ${file}\n`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
