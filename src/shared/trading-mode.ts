/**
 * Paper or live: read once from IBKR's sso/validate LOGIN_TYPE (1 live, 2 paper, gateway-facts §5) and
 * said the same way by every shell. Pure: no Node, no DOM.
 */

/** true for a paper login, false for a live one, null when IBKR gave no type or one we do not know. */
export function isPaperLogin(loginType: number | null | undefined): boolean | null {
  if (loginType === 2) return true;
  if (loginType === 1) return false;
  return null;
}

/** The trading mode in one lower-case word (`paper`, `live`), or null when it is not known. */
export function tradingMode(paper: boolean | null): 'paper' | 'live' | null {
  return paper === null ? null : paper ? 'paper' : 'live';
}
