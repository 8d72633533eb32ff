import { describe, expect, it } from 'vitest';
import { isPaperLogin, tradingMode } from '../../../src/shared/trading-mode.js';

describe('isPaperLogin', () => {
  it.each([
    [2, true],
    [1, false],
    [3, null],
    [0, null],
    [null, null],
    [undefined, null],
  ] as const)('LOGIN_TYPE %s means paper = %s', (loginType, paper) => {
    expect(isPaperLogin(loginType)).toBe(paper);
  });
});

describe('tradingMode', () => {
  it.each([
    [true, 'paper'],
    [false, 'live'],
    [null, null],
  ] as const)('paper = %s reads %s', (paper, word) => {
    expect(tradingMode(paper)).toBe(word);
  });
});
