import { describe, expect, it } from 'vitest';
import { amountWords, installLine, installTitle, megabytes, percentDone } from '../../../src/shared/install-words.js';

describe('the words for a download', () => {
  it.each([
    [42_000, '42 kB'],
    [400, '1 kB'],
    [3_100_000, '3.1 MB'],
    [45_600_000, '45.6 MB'],
  ])('%i bytes are %s', (bytes, words) => {
    expect(megabytes(bytes)).toBe(words);
  });

  it.each([
    [12_300_000, 45_600_000, '12.3 of 45.6 MB'],
    [1_200_000, null, '1.2 MB'],
    [40_000, 90_000, '40 of 90 kB'],
  ])('%i of %s is "%s"', (received, total, words) => {
    expect(amountWords(received, total)).toBe(words);
  });

  it.each([
    [45, 100, 45],
    [999, 1000, 99],
    [10, 0, 100],
    [150, 100, 100],
    [5, null, null],
  ])('%i of %s is %s percent', (received, total, percent) => {
    expect(percentDone(received, total)).toBe(percent);
  });

  it('names what is downloaded or unpacked, with a percentage once the size is known', () => {
    expect(installTitle({ what: 'gateway', phase: 'download' })).toBe('Downloading the gateway');
    expect(installTitle({ what: 'java', phase: 'unpack' })).toBe('Unpacking Java for the gateway');
    expect(installLine({ what: 'gateway', phase: 'download', received: 4_560_000, total: 10_000_000 })).toBe('Downloading the gateway: 45 %');
    expect(installLine({ what: 'gateway', phase: 'download', received: 0, total: null })).toBe('Downloading the gateway…');
    expect(installLine({ what: 'java', phase: 'unpack', received: 3, total: 10 })).toBe('Unpacking Java for the gateway…');
  });
});
