/**
 * The tray with several profiles (issue 17): one icon for the profile that most needs the user, a
 * tooltip line per profile, a menu section per profile whose intents go to that profile's engine,
 * notifications that name the profile; with one profile, exactly the single-gateway tray.
 */
import { describe, expect, it } from 'vitest';
import { SESSION_KINDS, type SessionKind } from '../../../../src/shared/snapshot.js';
import { alertOfProfile, NotificationFilter } from '../../../../src/main/electron/notifications.js';
import { neediestProfile, trayIconFile, trayIconFileOf, trayTooltip, trayTooltipOf, type ProfileSnapshot, type UnopenedProfile } from '../../../../src/main/electron/tray-icon.js';
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
      'Remove Live…',
      '---',
      'Paper — Logged out (off)',
      'Log in…',
      'Log out (off)',
      'Accounts (off)',
      '---',
      'Start gateway (off)',
      'Stop gateway',
      'Remove Paper…',
      '---',
      'Open IBKR Tray',
      'Add gateway…',
      'Start at login',
      'Notifications',
      '---',
      'Quit IBKR Tray',
    ]);
  });

  it("marks each section's header with its own profile's colour, while the icon shows the neediest", () => {
    const headers = menu.filter((item) => item.label?.includes(' — ') === true);
    expect(headers.map((item) => [item.label, item.icon])).toEqual([
      ['Live — Ready', 'green'],
      ['Paper — Logged out', 'red'],
    ]);
    expect(trayMenuOf([profile('Live', 'competing'), { name: 'Paper', problem: 'gone' }]).filter((item) => item.icon !== undefined).map((item) => item.icon)).toEqual(['amber', 'red']);
    // Only headers have one: a single profile's menu has none.
    expect(menu.filter((item) => item.icon !== undefined)).toHaveLength(2);
    expect(trayMenuOf([profile('Gateway', 'ready')]).some((item) => item.icon !== undefined)).toBe(false);
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

describe('adding and removing gateways from the tray', () => {
  it('offers Add gateway… once, beside Open IBKR Tray, with one profile as with several', () => {
    for (const profiles of [[profile('Gateway', 'ready')], [profile('Live', 'ready'), profile('Paper', 'stopped')]]) {
      const labels = trayMenuOf(profiles).map((item) => item.label);
      expect(labels.filter((label) => label === 'Add gateway…')).toHaveLength(1);
      expect(labels[labels.indexOf('Open IBKR Tray') + 1]).toBe('Add gateway…');
      expect(trayMenuOf(profiles).find((item) => item.label === 'Add gateway…')?.command).toEqual({ kind: 'add-gateway' });
    }
  });

  it('offers no Remove with one profile (the last cannot be removed), and one per section with several', () => {
    const single = trayMenuOf([profile('Gateway', 'ready')]);
    expect(single.some((item) => item.label?.startsWith('Remove') === true)).toBe(false);
    const several = trayMenuOf([profile('Live', 'ready'), profile('Paper', 'stopped'), profile('Demo', 'login-required')]);
    const removes = several.filter((item) => item.label?.startsWith('Remove') === true);
    expect(removes.map((item) => [item.label, item.command])).toEqual([
      ['Remove Live…', { kind: 'remove-profile', profile: 'Live' }],
      ['Remove Paper…', { kind: 'remove-profile', profile: 'Paper' }],
      ['Remove Demo…', { kind: 'remove-profile', profile: 'Demo' }],
    ]);
  });
});

describe('a profile that could not be opened', () => {
  const vanished: UnopenedProfile = { name: 'Paper', problem: 'The gateway folder of "Paper", /gone, does not exist any more: restore the folder.' };

  it('has a section that says why in the engine\'s words, and can be removed', () => {
    const menu = trayMenuOf([profile('Live', 'ready'), vanished]);
    const at = menu.findIndex((item) => item.label === 'Paper — Cannot run');
    expect(at).toBeGreaterThan(0);
    expect(menu.slice(at, at + 3).map((item) => [item.label, item.enabled, item.command])).toEqual([
      ['Paper — Cannot run', false, undefined],
      [vanished.problem, false, undefined],
      ['Remove Paper…', true, { kind: 'remove-profile', profile: 'Paper' }],
    ]);
    // The other profile's section works as before.
    expect(menu.find((item) => item.label === 'Log out')?.command).toEqual({ kind: 'intent', intent: { type: 'log-out' }, profile: 'Live' });
  });

  it('makes the icon red and has its tooltip line, whatever the other profile is', () => {
    expect(trayIconFileOf([profile('Live', 'ready'), vanished], 'linux')).toBe(trayIconFile(snapshotOf('failed'), 'linux'));
    expect(neediestProfile([profile('Live', 'competing'), vanished])).toBe(vanished);
    expect(trayTooltipOf([profile('Live', 'ready'), vanished])).toBe('IBKR Tray\nLive: Ready\nPaper: Cannot run');
  });

  it('is never the one a click on the icon logs in to', () => {
    expect(trayClickCommandOf([vanished, profile('Live', 'login-required')])).toEqual({ kind: 'intent', intent: { type: 'log-in' }, profile: 'Live' });
  });

  it('alone, still gets its section and the items that need no engine', () => {
    expect(rows(trayMenuOf([vanished]))).toEqual(['Paper — Cannot run (off)', `${vanished.problem} (off)`, '---', 'Add gateway…', '---', 'Quit IBKR Tray']);
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
