/**
 * The one updating line a long wait shows on a terminal: elapsed time and the current state.
 * When stdout is not a terminal (a script, a pipe, a file) it prints nothing at all.
 */
import type { TextStream } from './output.js';

export class ProgressLine {
  private shown = false;
  private readonly enabled: boolean;

  /**
   * @param stdout decides whether we are on a terminal; @param stream receives the line (stderr, so
   * that even `--json` on a terminal keeps stdout to its one document).
   */
  constructor(
    stdout: TextStream,
    private readonly stream: TextStream,
    private readonly now: () => number,
    private readonly startedAt: number = now(),
  ) {
    this.enabled = stdout.isTTY === true && stream.isTTY === true;
  }

  /** Redraw the line: `[0:42] waiting for the session: login required — log in at …`. */
  update(what: string): void {
    if (!this.enabled) return;
    const text = `[${formatElapsed(this.now() - this.startedAt)}] ${what}`;
    // \r back to column 0, then erase to the end of the line (CSI K) so a shorter text leaves no tail.
    this.stream.write(`\r${text}\u001b[K`);
    this.shown = true;
  }

  /** Remove the line before the final message. */
  clear(): void {
    if (!this.enabled || !this.shown) return;
    this.stream.write('\r\u001b[K');
    this.shown = false;
  }
}

/** 65_000 ms → "1:05"; an hour or more → "1:00:05". */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A duration for a sentence: "0.2 s", "45 s", "5 min 0 s". */
export function durationWords(ms: number): string {
  if (ms < 10_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)} min ${total % 60} s`;
}
