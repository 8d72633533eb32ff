/**
 * The words the tray uses for states and accounts, shared by the menu, the tooltip and notifications.
 * Pure: no Electron.
 */
import type { SessionKind } from '../../shared/snapshot.js';

/** The state in a few words, as the status line and tooltip show it. No default: a new state is a compile error. */
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
