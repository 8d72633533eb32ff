/**
 * A download runs in the background of the tray app and serve: however it ends, and whatever a
 * listener of its outcome does, nothing escapes as an unhandled rejection (which would end `serve`
 * and shows as a crash in the tray app). The failure is told as a notice instead.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Installs } from '../../../../../src/main/core/install/installs.js';
import { flush, ManualClock } from '../../../../sim/manual-clock.js';

const unhandled: unknown[] = [];
const hear = (reason: unknown): void => void unhandled.push(reason);
process.on('unhandledRejection', hear);
afterEach(() => {
  unhandled.length = 0;
});
afterAll(() => {
  process.off('unhandledRejection', hear);
});

describe('a background install', () => {
  it.each([
    ['the work throws a plain error', () => Promise.reject(new Error('boom'))],
    ['the work throws a string', () => Promise.reject('nope' as unknown as Error)],
    ['the work succeeds', () => Promise.resolve('done')],
  ])('%s, and the listener of the change after it throws: no unhandled rejection, a notice says so', async (_label, work) => {
    const notices: string[] = [];
    let broken = false;
    const installs = new Installs({
      clock: new ManualClock(),
      onChange: () => {
        if (broken) throw new Error('a listener broke');
      },
      notice: (_level, text) => void notices.push(text),
    });
    const began = installs.begin('gateway', work);
    broken = true;
    expect('refused' in began).toBe(false);
    await began;
    for (let i = 0; i < 5; i++) await flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    expect(notices.at(-1)).toMatch(/failed: a listener broke/);
    expect(installs.view()).toBeNull();
  });
});
