/**
 * What every benchmark returns: rows for the printed table (each against a reference measured in the
 * same run), the targets it was held to, and the raw numbers for bench/results.json.
 */

export interface Row {
  /** What was measured. */
  readonly measure: string;
  /** The product's figure, with its unit. */
  readonly value: string;
  /** The reference it is compared with, with its unit. */
  readonly reference: string;
  /** value ÷ reference where that means something, else null. */
  readonly ratio: number | null;
}

export interface Target {
  readonly name: string;
  /** The target in words, e.g. "median < 250 ms". */
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface FigureResult {
  readonly id: string;
  readonly title: string;
  /** How it was measured (clock, counts, what was scaled), one line. */
  readonly method: string;
  readonly rows: readonly Row[];
  readonly targets: readonly Target[];
  readonly data: Record<string, unknown>;
}
