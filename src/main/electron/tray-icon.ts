/**
 * Which tray icon and tooltip a snapshot gets. Pure (no Electron): tray.ts turns the file name into a
 * nativeImage, and the unit tests check every state without loading Electron. With several profiles
 * the one icon shows the profile that most needs the user, and the tooltip lists each profile's state.
 */
import { installLine } from '../../shared/install-words.js';
import { needsSetup, SETUP_TITLE, toneOf, type AppSnapshot, type Tone } from '../../shared/snapshot.js';
import { accountLabelOf, stateTitle } from './tray-words.js';

/** The colour of the tray icon, one per tone; also the icon's file name stem under assets/tray/. */
export type IconColor = 'green' | 'amber' | 'red' | 'grey';

/** The platforms the tray draws differently on (Node's `process.platform` values). */
export type TrayPlatform = 'darwin' | 'win32' | 'linux';

export function iconColorOf(tone: Tone): IconColor {
  switch (tone) {
    case 'ok':
      return 'green';
    case 'attention':
      return 'amber';
    case 'error':
      return 'red';
    case 'busy':
      return 'grey';
  }
}

/**
 * The icon file for a snapshot, relative to the assets/ folder.
 * macOS gets the monochrome `*Template.png` (the menu bar tints it; the glyph — check, "!", "×",
 * "…" — carries the state), Windows the `.ico` (sharpest at every DPI), Linux the 22 px PNG that
 * status-notifier hosts expect. Electron picks the `@2x` sibling of a PNG by itself.
 */
export function trayIconFile(snapshot: Pick<AppSnapshot, 'state' | 'gateway'>, platform: TrayPlatform): string {
  // The first run is not an error: grey until the user has chosen the gateway.
  return iconFileOf(colorOf(snapshot), platform);
}

/** The icon file of a colour on a platform (see trayIconFile). */
function iconFileOf(color: IconColor, platform: TrayPlatform): string {
  switch (platform) {
    case 'darwin':
      return `tray/${color}Template.png`;
    case 'win32':
      return `tray/${color}.ico`;
    case 'linux':
      return `tray/${color}-linux.png`;
  }
}

/**
 * The small icon beside a profile's section header in the menu: the coloured disc with its glyph
 * (16 px, Electron picks the @2x beside it), never the template (a menu item is not tinted by macOS).
 */
export function menuIconFile(color: IconColor): string {
  return `tray/${color}.png`;
}

/** Windows cuts tray tooltips at 127 characters; keep every platform within that. */
export const TOOLTIP_MAX = 127;

/**
 * The tooltip: state, reason and the selected account, one per line, at most TOOLTIP_MAX characters.
 * The account is shown in full: this is the user's own tray, and the alias is what they recognise.
 */
export function trayTooltip(snapshot: AppSnapshot): string {
  // A download under way is what the user is waiting for: it comes first (on the first run, alone).
  if (snapshot.install !== null) {
    const progress = `IBKR Tray: ${installLine(snapshot.install)}`;
    return needsSetup(snapshot) ? progress : `${progress}\n${stateTitle(snapshot.state)}`;
  }
  if (needsSetup(snapshot)) return `IBKR Tray: ${SETUP_TITLE}\nDownload or choose the Client Portal Gateway in the IBKR Tray window.`;
  const lines = [`IBKR Tray: ${stateTitle(snapshot.state)}`];
  if (snapshot.selectedAccount) lines.push(`Account: ${accountLabelOf(snapshot.accounts, snapshot.selectedAccount)}`);
  if (snapshot.reason) lines.push(snapshot.reason);
  const text = lines.join('\n');
  return text.length <= TOOLTIP_MAX ? text : `${text.slice(0, TOOLTIP_MAX - 1)}…`;
}

/** One profile's latest snapshot, with the name the user gave it: what the tray draws per gateway. */
export interface ProfileSnapshot {
  readonly name: string;
  readonly snapshot: AppSnapshot;
}

/** A profile whose engine could not be opened (its folder vanished…): the engine's words say why. */
export interface UnopenedProfile {
  readonly name: string;
  readonly problem: string;
}

/** What the tray draws per profile: its latest snapshot, or why it is not open. */
export type TrayProfile = ProfileSnapshot | UnopenedProfile;

/** The words for a profile that could not be opened, in its section header and the tooltip. */
export const UNOPENED_TITLE = 'Cannot run';

/** How much each colour needs the user: red over amber over grey over green. */
const URGENCY: Readonly<Record<IconColor, number>> = { red: 3, amber: 2, grey: 1, green: 0 };

function colorOf(snapshot: Pick<AppSnapshot, 'state' | 'gateway'>): IconColor {
  return needsSetup(snapshot) ? 'grey' : iconColorOf(toneOf(snapshot.state));
}

/** A profile's colour; one that cannot run is red (nothing works there until the user acts). */
export function profileColorOf(profile: TrayProfile): IconColor {
  return 'snapshot' in profile ? colorOf(profile.snapshot) : 'red';
}

/** The profile that most needs the user (the first of equals, in display order); null for none. */
export function neediestProfile<P extends TrayProfile>(profiles: readonly P[]): P | null {
  let neediest: P | null = null;
  for (const profile of profiles) {
    if (neediest === null || URGENCY[profileColorOf(profile)] > URGENCY[profileColorOf(neediest)]) neediest = profile;
  }
  return neediest;
}

/** The one icon for every profile: the neediest profile's (with one profile, exactly trayIconFile). */
export function trayIconFileOf(profiles: readonly [TrayProfile, ...TrayProfile[]], platform: TrayPlatform): string {
  return iconFileOf(profileColorOf(neediestProfile(profiles) ?? profiles[0]), platform);
}

/** The tooltip for every profile: with one, exactly trayTooltip; with several, one line each ("Live: Ready"). */
export function trayTooltipOf(profiles: readonly [TrayProfile, ...TrayProfile[]]): string {
  const [first] = profiles;
  if (profiles.length === 1 && 'snapshot' in first) return trayTooltip(first.snapshot);
  const lines = profiles.map((profile) => {
    if (!('snapshot' in profile)) return `${profile.name}: ${UNOPENED_TITLE}`;
    const { name, snapshot } = profile;
    if (snapshot.install !== null) return `${name}: ${installLine(snapshot.install)}`;
    return `${name}: ${needsSetup(snapshot) ? SETUP_TITLE : stateTitle(snapshot.state)}`;
  });
  const text = ['IBKR Tray', ...lines].join('\n');
  return text.length <= TOOLTIP_MAX ? text : `${text.slice(0, TOOLTIP_MAX - 1)}…`;
}
