/**
 * Which tray icon and tooltip a snapshot gets. Pure (no Electron): tray.ts turns the file name into a
 * nativeImage, and the unit tests check every state without loading Electron.
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
  const color = needsSetup(snapshot) ? 'grey' : iconColorOf(toneOf(snapshot.state));
  switch (platform) {
    case 'darwin':
      return `tray/${color}Template.png`;
    case 'win32':
      return `tray/${color}.ico`;
    case 'linux':
      return `tray/${color}-linux.png`;
  }
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
