/**
 * The gateway's stdout/stderr, kept as numbered lines in a bounded buffer. Chunks are split into
 * lines (a line may arrive in pieces); very long lines are cut so one bad line cannot fill memory.
 */
import type { LogLine } from '../../../shared/api.js';
import type { Clock } from './clock.js';

const MAX_LINE = 2000;

export class LogBuffer {
  private lines: LogLine[] = [];
  private seq = 0;
  private readonly partial = new Map<LogLine['stream'], string>();
  private readonly listeners = new Set<(lines: readonly LogLine[]) => void>();

  constructor(
    private readonly clock: Clock,
    private readonly capacity = 2000,
  ) {}

  /** Add a chunk of output; complete lines are kept and announced. */
  write(stream: LogLine['stream'], chunk: string): void {
    const text = (this.partial.get(stream) ?? '') + chunk;
    const pieces = text.split(/\r?\n/);
    const rest = pieces.pop() ?? '';
    this.partial.set(stream, rest.length > MAX_LINE ? '' : rest);
    if (rest.length > MAX_LINE) pieces.push(rest);
    this.add(stream, pieces);
  }

  /** Keep whatever partial lines remain (the process ended). */
  flush(): void {
    for (const [stream, rest] of this.partial) if (rest) this.add(stream, [rest]);
    this.partial.clear();
  }

  /** A line of our own (what the supervisor did), shown among the gateway's. */
  note(text: string): void {
    this.add('app', [text]);
  }

  all(): readonly LogLine[] {
    return this.lines;
  }

  /** The last `count` lines' text, for failure reasons. */
  tail(count = 10): string[] {
    return this.lines.slice(-count).map((line) => line.text);
  }

  onLines(listener: (lines: readonly LogLine[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private add(stream: LogLine['stream'], texts: string[]): void {
    const added = texts.map((text) => ({ seq: ++this.seq, at: this.clock.now(), stream, text: text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}…` : text }));
    if (added.length === 0) return;
    this.lines.push(...added);
    if (this.lines.length > this.capacity) this.lines = this.lines.slice(-this.capacity);
    for (const listener of this.listeners) listener(added);
  }
}
