/**
 * Where a command's words go. Plain mode: results on stdout, problems on stderr. With --json, stdout
 * carries exactly one JSON document (written once, by `result`) and every other message goes to
 * stderr, so `ibkr-tray status --json | jq` always parses.
 */

/** The part of a stream the command writes to (process.stdout/stderr, or a fake in tests). */
export interface TextStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
}

export class Output {
  private resultWritten = false;

  constructor(
    readonly stdout: TextStream,
    readonly stderr: TextStream,
    readonly json: boolean,
  ) {}

  /** A line for the user that is not the result: stdout in plain mode, stderr with --json. */
  say(line: string): void {
    (this.json ? this.stderr : this.stdout).write(`${line}\n`);
  }

  /** A problem, always on stderr. */
  problem(line: string): void {
    this.stderr.write(`${line}\n`);
  }

  /**
   * The command's result: `text` in plain mode, `data` as one JSON document with --json. Only the
   * first call writes the JSON document, so stdout can never hold two.
   */
  result(text: string | null, data: unknown): void {
    if (this.json) {
      if (this.resultWritten) return;
      this.resultWritten = true;
      this.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    } else if (text !== null) {
      this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  /** Whether the JSON document has been written (main writes an error document otherwise). */
  get hasResult(): boolean {
    return this.resultWritten;
  }
}
