/**
 * The tray menu as a pure function of the snapshot. tray.ts maps this plain template onto Electron's
 * MenuItemConstructorOptions and rebuilds the whole menu on every snapshot (never pokes items by id),
 * so the unit tests check every state without loading Electron. With several profiles (trayMenuOf),
 * each gets its own section under a header naming it, then come the app-wide items.
 */
import type { Intent } from '../../shared/intents.js';
import { installLine } from '../../shared/install-words.js';
import { needsSetup, SETUP_TITLE, type AppSnapshot } from '../../shared/snapshot.js';
import { profileColorOf, UNOPENED_TITLE, type IconColor, type ProfileSnapshot, type TrayProfile } from './tray-icon.js';
import { accountLabel, stateTitle } from './tray-words.js';

/**
 * What choosing a menu item does: an intent for the engine of `profile` (absent: the first profile,
 * the only one before profiles, which also holds the app-wide settings), or something only the shell can do.
 */
export type TrayCommand =
  | { readonly kind: 'intent'; readonly intent: Intent; readonly profile?: string }
  | { readonly kind: 'open-window' }
  /** Choose another gateway folder and run it as a new profile beside the others. */
  | { readonly kind: 'add-gateway' }
  /** Ask, then stop what the app started for that profile, close it and take it out of the settings. */
  | { readonly kind: 'remove-profile'; readonly profile: string }
  | { readonly kind: 'quit' };

/** A plain, Electron-free subset of MenuItemConstructorOptions. */
export interface TrayMenuItem {
  readonly type: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  readonly label?: string;
  readonly enabled?: boolean;
  readonly checked?: boolean;
  readonly submenu?: readonly TrayMenuItem[];
  readonly command?: TrayCommand;
  /** A coloured disc beside the label (a profile's header: its own state's colour, while the tray shows the neediest). */
  readonly icon?: IconColor;
}

const separator: TrayMenuItem = { type: 'separator' };

function intentItem(label: string, intent: Intent, enabled: boolean): TrayMenuItem {
  return { type: 'normal', label, enabled, command: { kind: 'intent', intent } };
}

function accountsMenu(snapshot: AppSnapshot): TrayMenuItem {
  const items: TrayMenuItem[] = snapshot.accounts.map((account) => ({
    type: 'radio',
    label: accountLabel(account),
    checked: account.id === snapshot.selectedAccount,
    enabled: snapshot.actions.selectAccount,
    command: { kind: 'intent', intent: { type: 'select-account', accountId: account.id } },
  }));
  return {
    type: 'submenu',
    label: 'Accounts',
    enabled: items.length > 0,
    submenu: items.length > 0 ? items : [{ type: 'normal', label: 'No accounts yet', enabled: false }],
  };
}

/**
 * The download under way (its progress as a disabled line, and Cancel), or the download the state
 * calls for: the gateway on the first run, Java when the gateway's start found none.
 */
function installItems(snapshot: AppSnapshot): TrayMenuItem[] {
  if (snapshot.install !== null) {
    return [{ type: 'normal', label: installLine(snapshot.install), enabled: false }, intentItem('Cancel download', { type: 'cancel-install' }, true)];
  }
  if (needsSetup(snapshot)) return [intentItem('Download the gateway', { type: 'install-gateway' }, true)];
  if (snapshot.missing?.what === 'java') return [intentItem('Download Java for the gateway', { type: 'install-java' }, true)];
  return [];
}

/** One gateway's own items: its download, Log in…, Log out, Accounts ▸, Take over, Start/Stop gateway. */
function sessionItems(snapshot: AppSnapshot): TrayMenuItem[] {
  const { actions } = snapshot;
  const menu: TrayMenuItem[] = [];
  const install = installItems(snapshot);
  if (install.length > 0) menu.push(...install, separator);
  menu.push(intentItem('Log in…', { type: 'log-in' }, actions.logIn));
  if (actions.cancelLogin) menu.push(intentItem('Cancel login', { type: 'cancel-login' }, true));
  menu.push(intentItem('Log out', { type: 'log-out' }, actions.logOut));
  menu.push(accountsMenu(snapshot));
  // Taking the session back logs out the other platform (gateway-facts §7): offer it, never do it alone.
  if (snapshot.state === 'competing' || snapshot.competing) menu.push(intentItem('Take over session', { type: 'take-over' }, actions.takeOver));
  if (actions.retry) menu.push(intentItem('Try again', { type: 'retry' }, true));
  menu.push(separator);
  menu.push(intentItem('Start gateway', { type: 'start-gateway' }, actions.startGateway));
  menu.push(intentItem('Stop gateway', { type: 'stop-gateway' }, actions.stopGateway));
  return menu;
}

/** The app-wide item that runs another gateway (paper beside live) as a new profile. */
export const ADD_GATEWAY_LABEL = 'Add gateway…';

/** A profile's own Remove item, named so that it cannot be mistaken for another section's. */
export function removeLabel(profile: string): string {
  return `Remove ${profile}…`;
}

/** The app-wide items at the foot of the menu (their preferences are app-wide: any profile's snapshot has them). */
function appItems(snapshot: AppSnapshot): TrayMenuItem[] {
  return [
    separator,
    { type: 'normal', label: 'Open IBKR Tray', enabled: true, command: { kind: 'open-window' } },
    { type: 'normal', label: ADD_GATEWAY_LABEL, enabled: true, command: { kind: 'add-gateway' } },
    {
      type: 'checkbox',
      label: 'Start at login',
      enabled: true,
      checked: snapshot.preferences.startAtLogin,
      command: { kind: 'intent', intent: { type: 'set-preference', key: 'startAtLogin', value: !snapshot.preferences.startAtLogin } },
    },
    {
      type: 'checkbox',
      label: 'Notifications',
      enabled: true,
      checked: snapshot.preferences.notifications,
      command: { kind: 'intent', intent: { type: 'set-preference', key: 'notifications', value: !snapshot.preferences.notifications } },
    },
    separator,
    { type: 'normal', label: 'Quit IBKR Tray', enabled: true, command: { kind: 'quit' } },
  ];
}

/** The whole tray menu for one snapshot. */
export function trayMenu(snapshot: AppSnapshot): TrayMenuItem[] {
  if (needsSetup(snapshot)) {
    // First run: download the gateway, or open the window that asks for its folder.
    return [
      { type: 'normal', label: SETUP_TITLE, enabled: false },
      separator,
      ...installItems(snapshot),
      { type: 'normal', label: 'Set up IBKR Tray…', enabled: true, command: { kind: 'open-window' } },
      separator,
      { type: 'normal', label: 'Quit IBKR Tray', enabled: true, command: { kind: 'quit' } },
    ];
  }
  return [{ type: 'normal', label: stateTitle(snapshot.state), enabled: false }, separator, ...sessionItems(snapshot), ...appItems(snapshot)];
}

/** The same items with every intent addressed to `profile`'s engine. */
function addressedTo(items: readonly TrayMenuItem[], profile: string): TrayMenuItem[] {
  return items.map((item) => {
    const submenu = item.submenu ? { submenu: addressedTo(item.submenu, profile) } : {};
    const command = item.command?.kind === 'intent' ? { command: { ...item.command, profile } } : {};
    return { ...item, ...submenu, ...command };
  });
}

/** A profile's section header: "Live — Ready" (disabled: it names, it does nothing). */
export function profileHeader(profile: TrayProfile): string {
  if (!('snapshot' in profile)) return `${profile.name} — ${UNOPENED_TITLE}`;
  return `${profile.name} — ${needsSetup(profile.snapshot) ? SETUP_TITLE : stateTitle(profile.snapshot.state)}`;
}

/** A profile's own items: its session's, what sets it up, or (not open) why it cannot run. */
function profileItems(profile: TrayProfile): TrayMenuItem[] {
  if (!('snapshot' in profile)) return [{ type: 'normal', label: profile.problem, enabled: false }];
  const own = needsSetup(profile.snapshot)
    ? [...installItems(profile.snapshot), { type: 'normal', label: 'Set up IBKR Tray…', enabled: true, command: { kind: 'open-window' } } satisfies TrayMenuItem]
    : sessionItems(profile.snapshot);
  return addressedTo(own, profile.name);
}

/**
 * The tray menu for every profile: with one open profile, exactly trayMenu; with several, a section
 * per profile (its header, its own items with each intent addressed to its engine, and Remove…: the
 * last profile cannot be removed, so one profile has none), then the app-wide items.
 */
export function trayMenuOf(profiles: readonly TrayProfile[]): TrayMenuItem[] {
  const [first] = profiles;
  if (first === undefined) return [{ type: 'normal', label: 'Quit IBKR Tray', enabled: true, command: { kind: 'quit' } }];
  if (profiles.length === 1 && 'snapshot' in first) return trayMenu(first.snapshot);
  const menu: TrayMenuItem[] = [];
  for (const profile of profiles) {
    if (menu.length > 0) menu.push(separator);
    menu.push({ type: 'normal', label: profileHeader(profile), enabled: false, icon: profileColorOf(profile) });
    menu.push(...profileItems(profile));
    if (profiles.length > 1) menu.push({ type: 'normal', label: removeLabel(profile.name), enabled: true, command: { kind: 'remove-profile', profile: profile.name } });
  }
  // The app-wide preferences are in every open profile's snapshot; with none open, only what needs none.
  const open = profiles.find((profile): profile is ProfileSnapshot => 'snapshot' in profile);
  if (open) menu.push(...appItems(open.snapshot));
  else menu.push(separator, { type: 'normal', label: ADD_GATEWAY_LABEL, enabled: true, command: { kind: 'add-gateway' } }, separator, { type: 'normal', label: 'Quit IBKR Tray', enabled: true, command: { kind: 'quit' } });
  return menu;
}

/**
 * What a click on the tray icon does: log in while a login is required (one click from the red icon
 * to IBKR's login page), otherwise open the window. Windows and macOS report clicks; on Linux some
 * trays do (StatusNotifierItem "activate") and some only show the menu, whose first action is then
 * "Log in…".
 */
export function trayClickCommand(snapshot: Pick<AppSnapshot, 'state' | 'actions'>): TrayCommand {
  if (snapshot.state === 'login-required' && snapshot.actions.logIn) return { kind: 'intent', intent: { type: 'log-in' } };
  return { kind: 'open-window' };
}

/** With several profiles: log in to the first one whose login is required, otherwise open the window. */
export function trayClickCommandOf(profiles: readonly TrayProfile[]): TrayCommand {
  const [first] = profiles;
  if (profiles.length === 1 && first && 'snapshot' in first) return trayClickCommand(first.snapshot);
  const waiting = profiles.find((p) => 'snapshot' in p && trayClickCommand(p.snapshot).kind === 'intent');
  return waiting ? { kind: 'intent', intent: { type: 'log-in' }, profile: waiting.name } : { kind: 'open-window' };
}
