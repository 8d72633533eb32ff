/**
 * The tray with several profiles (issue 17): one icon for the profile that most needs the user, a
 * tooltip line per profile, a menu section per profile whose intents go to that profile's engine,
 * notifications that name the profile; with one profile, exactly the single-gateway tray.
 */
import { describe, expect, it } from 'vitest';
import { SESSION_KINDS, type SessionKind } from '../../../../src/shared/snapshot.js';
import { alertOfProfile, NotificationFilter } from '../../../../src/main/electron/notifications.js';
import { neediestProfile, trayIconFile, trayIconFileOf, trayTooltip, trayTooltipOf, type ProfileSnapshot } from '../../../../src/main/electron/tray-icon.js';
import { trayClickCommand, trayClickCommandOf, trayMenu, trayMenuOf, type TrayMenuItem } from '../../../../src/main/electron/tray-menu.js';
import { snapshotOf } from '../../../fixtures/snapshots.js';

function profile(name: string, kind: SessionKind): ProfileSnapshot {
  return { name, snapshot: snapshotOf(kind) };
}

function rows(items: readonly TrayMenuItem[]): string[] {
  return items.map((item) => (item.type === 'separator' ? '---' : `${item.label ?? ''}${item.enabled === false ? ' (off)' : ''}`));
}

describe('one icon for several profiles', () => {
  it.each([
    [['ready', 'login-required'], 'Paper'],
    [['competing', 'ready'], 'Live'],
    [['starting', 'ready'], 'Live'],
    [['ready', 'starting'], 'Paper'],
    [['competing', 'stopped'], 'Paper'],
    [['logging-in', 'starting'], 'Live'],
    [['ready', 'ready'], 'Live'],
  ] as const)('%j: the icon is %s’s (red over amber over grey over green)', ([live, paper], neediest) => {
    const profiles = [profile('Live', live), profile('Paper', paper)] as const;
    expect(neediestProfile(profiles)?.name).toBe(neediest);
    const expected = neediest === 'Live' ? profiles[0].snapshot : profiles[1].snapshot;
    expect(trayIconFileOf(profiles, 'linux')).toBe(trayIconFile(expected, 'linux'));
  });

  it('with one profile, icon, tooltip, menu and click are the single-gateway ones', () => {
    for (const kind of SESSION_KINDS) {
      const only = [profile('Gateway', kind)] as const;
      expect(trayIconFileOf(only, 'darwin')).toBe(trayIconFile(only[0].snapshot, 'darwin'));
      expect(trayTooltipOf(only)).toBe(trayTooltip(only[0].snapshot));
      expect(trayMenuOf(only)).toEqual(trayMenu(only[0].snapshot));
      expect(trayClickCommandOf(only)).toEqual(trayClickCommand(only[0].snapshot));
    }
  });
});

describe('the tooltip with several profiles', () => {
  it("lists each profile's state, one a line", () => {
    expect(trayTooltipOf([profile('Live', 'ready'), profile('Paper', 'login-required')])).toBe('IBKR Tray\nLive: Ready\nPaper: Logged out');
  });
});

describe('the menu with several profiles', () => {
  const menu = trayMenuOf([profile('Live', 'ready'), profile('Paper', 'login-required')]);

  it('has a section per profile under a disabled header, then the app-wide items once', () => {
    expect(rows(menu)).toEqual([
      'Live — Ready (off)',
      'Log in… (off)',
      'Log out',
      'Accounts',
      '---',
      'Start gateway (off)',
      'Stop gateway',
      '---',
      'Paper — Logged out (off)',
      'Log in…',
      'Log out (off)',
      'Accounts (off)',
      '---',
      'Start gateway (off)',
      'Stop gateway',
      '---',
      'Open IBKR Tray',
      'Start at login',
      'Notifications',
      '---',
      'Quit IBKR Tray',
    ]);
  });

  it("addresses each section's intents to its own profile, the app-wide ones to none", () => {
    const logIns = menu.filter((item) => item.label === 'Log in…').map((item) => item.command);
    expect(logIns).toEqual([
      { kind: 'intent', intent: { type: 'log-in' }, profile: 'Live' },
      { kind: 'intent', intent: { type: 'log-in' }, profile: 'Paper' },
    ]);
    const accounts = menu.find((item) => item.label === 'Accounts');
    expect(accounts?.submenu?.[0]?.command).toEqual({ kind: 'intent', intent: { type: 'select-account', accountId: 'DU1234567' }, profile: 'Live' });
    expect(menu.find((item) => item.label === 'Notifications')?.command).not.toHaveProperty('profile');
  });

  it('a click on the icon logs in to the profile that needs it, or opens the window', () => {
    expect(trayClickCommandOf([profile('Live', 'ready'), profile('Paper', 'login-required')])).toEqual({ kind: 'intent', intent: { type: 'log-in' }, profile: 'Paper' });
    expect(trayClickCommandOf([profile('Live', 'ready'), profile('Paper', 'competing')])).toEqual({ kind: 'open-window' });
  });
});

describe('notifications with several profiles', () => {
  it('name the profile', () => {
    const filter = new NotificationFilter();
    filter.next(snapshotOf('ready'));
    const alert = filter.next(snapshotOf('login-required'));
    expect(alert).not.toBeNull();
    if (alert) expect(alertOfProfile(alert, 'Paper').title).toBe('Paper: IBKR session ended');
  });
});
