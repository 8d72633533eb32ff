import { describe, expect, it } from 'vitest';
import { isPostLoginPage, LOAD_ABORTED, loginPageProblem } from '../../../../src/main/electron/login-page.js';

const GATEWAY = 'https://localhost:5000';

describe('isPostLoginPage', () => {
  it.each([
    ['https://localhost:5000/sso/Dispatcher', true],
    ['https://localhost:5000/sso/Dispatcher?x=1', true],
    ['https://localhost:5000/sso/Login?forwardTo=22', false],
    ['https://localhost:5000/', false],
    // Another origin saying the same thing proves nothing about our gateway.
    ['https://localhost:5001/sso/Dispatcher', false],
    ['https://api.ibkr.com/sso/Dispatcher', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isPostLoginPage(url, GATEWAY)).toBe(expected);
  });
});

describe('loginPageProblem', () => {
  it('names a certificate problem as one and says what to do', () => {
    const text = loginPageProblem({ errorCode: -202, errorDescription: 'ERR_CERT_AUTHORITY_INVALID' }, GATEWAY);
    expect(text).toContain('certificate');
    expect(text).toContain('ibkr-tray trust');
    expect(text).toContain(GATEWAY);
  });

  it('says the gateway is not answering for a connection failure, and what to do', () => {
    const text = loginPageProblem({ errorCode: -102, errorDescription: 'ERR_CONNECTION_REFUSED' }, GATEWAY);
    expect(text).toBe(`The login page at ${GATEWAY} did not load (ERR_CONNECTION_REFUSED): the gateway is not answering. IBKR Tray keeps checking it; choose Log in… again when the tray turns red.`);
  });

  it('knows Chromium\'s code for a navigation we cancelled ourselves', () => {
    expect(LOAD_ABORTED).toBe(-3);
  });
});
