/**
 * The words every window on the session uses for states and accounts: the tray's menu and tooltip,
 * notifications and the status page say the same thing. Pure: no Node, no DOM, no Electron.
 */
import type { SessionKind } from './snapshot.js';

/** The state in a few words, as the status line, tooltip and page badge show it. No default: a new state is a compile error. */
export function stateTitle(kind: SessionKind): string {
  switch (kind) {
    case 'stopped':
      return 'Gateway stopped';
    case 'starting':
      return 'Gateway starting…';
    case 'failed':
      return 'Gateway failed';
    case 'not-responding':
      return 'Gateway not responding';
    case 'login-required':
      return 'Logged out';
    case 'logging-in':
      return 'Logging in…';
    case 'brokerage-starting':
      return 'Brokerage session starting…';
    case 'ready':
      return 'Ready';
    case 'competing':
      return 'Session in use elsewhere';
    case 'rate-limited':
      return 'Rate limited by IBKR';
  }
}

/** How the user names an account: its alias when IBKR has one besides the id, else the id. */
export function accountLabel(account: { readonly id: string; readonly alias: string | null }): string {
  return account.alias && account.alias !== account.id ? `${account.alias} (${account.id})` : account.id;
}
