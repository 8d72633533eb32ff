import { describe, expect, it } from 'vitest';
import { Output } from '../../../../src/main/cli/output.js';
import { durationWords, formatElapsed, ProgressLine } from '../../../../src/main/cli/progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (text: string) => (chunks.push(text), true) };
}

describe('ProgressLine', () => {
  it('redraws one line with the elapsed time on a terminal and erases it at the end', () => {
    const stdout = stream(true);
    const stderr = stream(true);
    let now = 1_000;
    const progress = new ProgressLine(stdout, stderr, () => now);
    now += 65_000;
    progress.update('waiting for the session: login required');
    progress.clear();
    expect(stderr.chunks).toEqual(['\r[1:05] waiting for the session: login required\u001b[K', '\r\u001b[K']);
    expect(stdout.chunks).toEqual([]);
  });

  it('prints nothing when stdout is not a terminal', () => {
    const stdout = stream(false);
    const stderr = stream(true);
    const progress = new ProgressLine(stdout, stderr, () => 0);
    progress.update('waiting');
    progress.clear();
    expect(stderr.chunks).toEqual([]);
  });

  it.each([
    [0, '0:00'],
    [59_999, '0:59'],
    [3_605_000, '1:00:05'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });

  it.each([
    [200, '0.2 s'],
    [45_000, '45 s'],
    [300_000, '5 min 0 s'],
  ])('says %i ms as %s', (ms, text) => {
    expect(durationWords(ms)).toBe(text);
  });
});

describe('Output', () => {
  it('with --json writes exactly one document to stdout and everything else to stderr', () => {
    const stdout = stream(false);
    const stderr = stream(false);
    const out = new Output(stdout, stderr, true);
    out.say('opening the browser');
    out.result('text', { a: 1 });
    out.result('again', { b: 2 });
    out.problem('oops');
    expect(JSON.parse(stdout.chunks.join(''))).toEqual({ a: 1 });
    expect(stderr.chunks.join('')).toBe('opening the browser\noops\n');
  });

  it('without --json writes the text result and messages to stdout, problems to stderr', () => {
    const stdout = stream(false);
    const stderr = stream(false);
    const out = new Output(stdout, stderr, false);
    out.say('hello');
    out.result('ready', { ignored: true });
    out.problem('oops');
    expect(stdout.chunks.join('')).toBe('hello\nready\n');
    expect(stderr.chunks.join('')).toBe('oops\n');
  });
});
