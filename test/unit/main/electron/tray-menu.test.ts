import { describe, expect, it } from 'vitest';
import { SESSION_KINDS, type SessionKind } from '../../../../src/shared/snapshot.js';
import { trayClickCommand, trayMenu, type TrayMenuItem } from '../../../../src/main/electron/tray-menu.js';
import { missingOf } from '../../../../src/main/core/derive-snapshot.js';
import { snapshotOf } from '../../../fixtures/snapshots.js';

/** One line per item: label, then "off" when disabled and "[x]" / "[ ]" for check marks. */
function rows(items: readonly TrayMenuItem[]): string[] {
  return items.map((item) => {
    if (item.type === 'separator') return '---';
    let row = item.label ?? '';
    if (item.enabled === false) row += ' (off)';
    if (item.type === 'checkbox' || item.type === 'radio') row += item.checked ? ' [x]' : ' [ ]';
    if (item.submenu) row += ` ▸ ${rows(item.submenu).join(' | ')}`;
    return row;
  });
}

const ACCOUNTS_ON = 'Accounts ▸ Paper main (DU1234567) [x] | DU7654321 [ ]';
const ACCOUNTS_OFF_ITEMS = 'Accounts ▸ Paper main (DU1234567) (off) [x] | DU7654321 (off) [ ]';
const NO_ACCOUNTS = 'Accounts (off) ▸ No accounts yet (off)';
const TAIL = ['---', 'Open IBKR Tray', 'Add gateway…', 'Start at login [ ]', 'Notifications [x]', '---', 'Quit IBKR Tray'];

/** What the tray draws for the snapshot the core derives in each state (see test/fixtures/snapshots.ts). */
const EXPECTED: Record<SessionKind, string[]> = {
  stopped: ['Gateway stopped (off)', '---', 'Log in…', 'Log out (off)', NO_ACCOUNTS, 'Try again', '---', 'Start gateway', 'Stop gateway (off)', ...TAIL],
  starting: ['Gateway starting… (off)', '---', 'Log in… (off)', 'Log out (off)', NO_ACCOUNTS, '---', 'Start gateway (off)', 'Stop gateway', ...TAIL],
  failed: ['Gateway failed (off)', '---', 'Log in…', 'Log out (off)', NO_ACCOUNTS, 'Try again', '---', 'Start gateway', 'Stop gateway (off)', ...TAIL],
  'not-responding': ['Gateway not responding (off)', '---', 'Log in… (off)', 'Log out (off)', NO_ACCOUNTS, 'Try again', '---', 'Start gateway (off)', 'Stop gateway', ...TAIL],
  'login-required': ['Logged out (off)', '---', 'Log in…', 'Log out (off)', NO_ACCOUNTS, '---', 'Start gateway (off)', 'Stop gateway', ...TAIL],
  'logging-in': ['Logging in… (off)', '---', 'Log in… (off)', 'Cancel login', 'Log out (off)', NO_ACCOUNTS, '---', 'Start gateway (off)', 'Stop gateway', ...TAIL],
  'brokerage-starting': ['Brokerage session starting… (off)', '---', 'Log in… (off)', 'Log out', NO_ACCOUNTS, '---', 'Start gateway (off)', 'Stop gateway', ...TAIL],
  ready: ['Ready (off)', '---', 'Log in… (off)', 'Log out', ACCOUNTS_ON, '---', 'Start gateway (off)', 'Stop gateway', ...TAIL],
  competing: ['Session in use elsewhere (off)', '---', 'Log in… (off)', 'Log out', ACCOUNTS_OFF_ITEMS, 'Take over session', '---', 'Start gateway (off)', 'Stop gateway', ...TAIL],
  'rate-limited': ['Rate limited by IBKR (off)', '---', 'Log in… (off)', 'Log out (off)', ACCOUNTS_OFF_ITEMS, '---', 'Start gateway (off)', 'Stop gateway', ...TAIL],
};

describe('trayMenu', () => {
  it.each(SESSION_KINDS)('%s: items, enabled and checked', (kind) => {
    expect(rows(trayMenu(snapshotOf(kind)))).toEqual(EXPECTED[kind]);
  });

  it('offers "Take over session" only when competing', () => {
    for (const kind of SESSION_KINDS) {
      const labels = trayMenu(snapshotOf(kind)).map((item) => item.label);
      expect(labels.includes('Take over session')).toBe(kind === 'competing');
    }
  });

  it('maps every actionable item to its intent', () => {
    const menu = trayMenu(snapshotOf('competing'));
    const commandOf = (label: string) => menu.find((item) => item.label === label)?.command;
    expect(commandOf('Take over session')).toEqual({ kind: 'intent', intent: { type: 'take-over' } });
    expect(commandOf('Log out')).toEqual({ kind: 'intent', intent: { type: 'log-out' } });
    expect(commandOf('Log in…')).toEqual({ kind: 'intent', intent: { type: 'log-in' } });
    expect(commandOf('Start gateway')).toEqual({ kind: 'intent', intent: { type: 'start-gateway' } });
    expect(commandOf('Stop gateway')).toEqual({ kind: 'intent', intent: { type: 'stop-gateway' } });
    expect(commandOf('Open IBKR Tray')).toEqual({ kind: 'open-window' });
    expect(commandOf('Add gateway…')).toEqual({ kind: 'add-gateway' });
    expect(commandOf('Quit IBKR Tray')).toEqual({ kind: 'quit' });
    expect(menu[0]?.command).toBeUndefined();
  });

  it('choosing an account selects it', () => {
    const accounts = trayMenu(snapshotOf('ready')).find((item) => item.label === 'Accounts');
    expect(accounts?.submenu?.map((item) => item.command)).toEqual([
      { kind: 'intent', intent: { type: 'select-account', accountId: 'DU1234567' } },
      { kind: 'intent', intent: { type: 'select-account', accountId: 'DU7654321' } },
    ]);
    expect(accounts?.submenu?.every((item) => item.type === 'radio')).toBe(true);
  });

  it('checks the selected account, whichever it is', () => {
    const accounts = trayMenu(snapshotOf('ready', { selectedAccount: 'DU7654321' })).find((item) => item.label === 'Accounts');
    expect(accounts?.submenu?.map((item) => item.checked)).toEqual([false, true]);
  });

  it('"Start at login" shows the preference and flips it', () => {
    const on = snapshotOf('ready', { preferences: { startAtLogin: true, notifications: true, startGatewayWithApp: true, stopGatewayOnQuit: true } });
    const item = trayMenu(on).find((entry) => entry.label === 'Start at login');
    expect(item).toMatchObject({ type: 'checkbox', checked: true });
    expect(item?.command).toEqual({ kind: 'intent', intent: { type: 'set-preference', key: 'startAtLogin', value: false } });
    const off = trayMenu(snapshotOf('ready')).find((entry) => entry.label === 'Start at login');
    expect(off?.command).toEqual({ kind: 'intent', intent: { type: 'set-preference', key: 'startAtLogin', value: true } });
  });

  it('"Notifications" shows the preference and flips it', () => {
    const off = snapshotOf('ready', { preferences: { startAtLogin: false, notifications: false, startGatewayWithApp: true, stopGatewayOnQuit: true } });
    const item = trayMenu(off).find((entry) => entry.label === 'Notifications');
    expect(item).toMatchObject({ type: 'checkbox', checked: false });
    expect(item?.command).toEqual({ kind: 'intent', intent: { type: 'set-preference', key: 'notifications', value: true } });
  });

  it('a click on the icon logs in while a login is required, and opens the window otherwise', () => {
    for (const state of SESSION_KINDS) {
      const snapshot = snapshotOf(state);
      const expected = state === 'login-required' ? { kind: 'intent', intent: { type: 'log-in' } } : { kind: 'open-window' };
      expect(trayClickCommand(snapshot), state).toEqual(expected);
    }
  });

  it('on the first run (no gateway chosen) offers only to download the gateway or set up, and no Log in…', () => {
    const firstRun = snapshotOf('stopped', { gateway: { ...snapshotOf('stopped').gateway, folder: null, running: false } });
    expect(rows(trayMenu(firstRun))).toEqual(['Setup needed (off)', '---', 'Download the gateway', 'Set up IBKR Tray…', '---', 'Quit IBKR Tray']);
    expect(trayMenu(firstRun)[3]?.command).toEqual({ kind: 'open-window' });
    // A stopped gateway whose folder is known is not a first run.
    expect(rows(trayMenu(snapshotOf('stopped')))[0]).toBe('Gateway stopped (off)');
  });

  it('on the first run offers Download the gateway, then its progress and Cancel download while it runs', () => {
    const gateway = { ...snapshotOf('stopped').gateway, folder: null, running: false };
    const firstRun = snapshotOf('stopped', { gateway });
    expect(trayMenu(firstRun)[2]?.command).toEqual({ kind: 'intent', intent: { type: 'install-gateway' } });

    const downloading = snapshotOf('stopped', { gateway, install: { what: 'gateway', phase: 'download', received: 4_500_000, total: 10_000_000 } });
    expect(rows(trayMenu(downloading))).toEqual(['Setup needed (off)', '---', 'Downloading the gateway: 45 % (off)', 'Cancel download', 'Set up IBKR Tray…', '---', 'Quit IBKR Tray']);
    expect(trayMenu(downloading)[3]?.command).toEqual({ kind: 'intent', intent: { type: 'cancel-install' } });
  });

  it('offers Download Java for the gateway when the start found no Java, and Cancel download while any download runs', () => {
    const missing = missingOf({ kind: 'failed', reason: 'no Java', lastLog: [], cause: 'no-java' }, 'linux');
    const noJava = rows(trayMenu(snapshotOf('failed', { missing })));
    expect(noJava.slice(0, 4)).toEqual(['Gateway failed (off)', '---', 'Download Java for the gateway', '---']);
    expect(trayMenu(snapshotOf('failed', { missing }))[2]?.command).toEqual({ kind: 'intent', intent: { type: 'install-java' } });
    // Without that failure the menu is the state's own.
    expect(rows(trayMenu(snapshotOf('failed')))).toEqual(EXPECTED.failed);

    const installing = snapshotOf('failed', { missing, install: { what: 'java', phase: 'unpack', received: 0, total: null } });
    expect(rows(trayMenu(installing)).slice(0, 5)).toEqual(['Gateway failed (off)', '---', 'Unpacking Java for the gateway… (off)', 'Cancel download', '---']);
  });
});
