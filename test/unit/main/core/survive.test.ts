/**
 * The long-running shells' last resort: an unhandled rejection or an uncaught exception is logged in
 * one line (the stack only when verbose), shown to the user, and does not end the process; a `show`
 * that throws is not a second failure; once stopped, the process's own behaviour is back.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { failureLine, surviveUnhandled } from '../../../../src/main/core/survive.js';

function fakeProcess(): EventEmitter & Pick<NodeJS.Process, 'on' | 'off'> {
  return new EventEmitter() as EventEmitter & Pick<NodeJS.Process, 'on' | 'off'>;
}

describe('surviveUnhandled', () => {
  it('logs one line and shows it, for a rejection and for an exception, until stopped', () => {
    const target = fakeProcess();
    const logged: string[] = [];
    const shown: string[] = [];
    const stop = surviveUnhandled({ log: (l) => logged.push(l), show: (t) => shown.push(t), process: target });
    target.emit('unhandledRejection', new Error('first\n    at somewhere (file.js:1:2)'));
    target.emit('uncaughtException', 'a string thrown');
    expect(logged).toEqual(['unexpected failure (kept running): first at somewhere (file.js:1:2)', 'unexpected failure (kept running): a string thrown']);
    expect(shown).toEqual([expect.stringMatching(/kept running: first/), expect.stringMatching(/kept running: a string thrown/)]);
    stop();
    expect(target.listenerCount('unhandledRejection') + target.listenerCount('uncaughtException')).toBe(0);
  });

  it('a show that throws is swallowed; verbose adds the stack', () => {
    const target = fakeProcess();
    const logged: string[] = [];
    surviveUnhandled({ log: (l) => logged.push(l), show: () => { throw new Error('window gone'); }, verbose: true, process: target });
    expect(() => target.emit('unhandledRejection', new Error('boom'))).not.toThrow();
    expect(logged[0]).toBe('unexpected failure (kept running): boom');
    expect(logged[1]).toMatch(/^Error: boom\n\s+at /);
  });

  it('says something even for an empty reason', () => {
    expect(failureLine(new Error(''))).toBe('Error');
    expect(failureLine(undefined)).toBe('undefined');
    expect(failureLine('')).toBe('no reason given');
  });
});
