/** Print one figure as a plain-text table (measure | value | reference | ratio) with its targets. */
import type { FigureResult } from './figure.js';

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function printFigure(figure: FigureResult, elapsedMs: number, write: (text: string) => void = (t) => process.stdout.write(t)): void {
  const header = ['measure', 'value', 'reference', 'ratio'];
  const lines = figure.rows.map((r) => [r.measure, r.value, r.reference, r.ratio === null ? '' : `${r.ratio}×`]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: readonly string[]): string => `  ${cells.map((c, i) => pad(c, widths[i]!)).join(' | ')}\n`;
  write(`\n${figure.title}  (${Math.round(elapsedMs / 1000)} s)\n  ${figure.method}\n`);
  write(row(header));
  write(`  ${widths.map((w) => '-'.repeat(w)).join('-+-')}\n`);
  for (const l of lines) write(row(l));
  for (const t of figure.targets) write(`  target ${t.met ? 'MET   ' : 'MISSED'} ${t.name}: ${t.target} (measured ${t.measured})\n`);
}
