/**
 * The tray icon: draws every profile's snapshot (one icon, tooltip, whole menu rebuilt from trayMenuOf)
 * and turns menu choices into intents or shell commands. Holds no session state: the last snapshots
 * are all it knows.
 */
import path from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import { menuIconFile, trayIconFileOf, trayTooltipOf, type TrayPlatform, type TrayProfile } from './tray-icon.js';
import { trayClickCommandOf, trayMenuOf, type TrayCommand, type TrayMenuItem } from './tray-menu.js';

/** Every profile's latest snapshot, in display order (never empty: the settings hold at least one). */
export type TrayProfiles = readonly [TrayProfile, ...TrayProfile[]];

export interface StatusTrayOptions {
  /** The assets/ folder. */
  readonly assetsDir: string;
  readonly platform: TrayPlatform;
  /** Carry out a menu choice (main.ts dispatches intents, opens the window, quits). */
  readonly run: (command: TrayCommand) => void;
}

function toElectron(item: TrayMenuItem, run: (command: TrayCommand) => void, image: (file: string) => NativeImage): MenuItemConstructorOptions {
  const options: MenuItemConstructorOptions = { type: item.type };
  if (item.label !== undefined) options.label = item.label;
  if (item.enabled !== undefined) options.enabled = item.enabled;
  if (item.checked !== undefined) options.checked = item.checked;
  if (item.icon !== undefined) options.icon = image(menuIconFile(item.icon));
  if (item.submenu) options.submenu = item.submenu.map((child) => toElectron(child, run, image));
  const command = item.command;
  if (command) options.click = () => run(command);
  return options;
}

export class StatusTray {
  private readonly tray: Tray;
  private readonly images = new Map<string, NativeImage>();
  private iconFile: string | null = null;
  private menu: Menu | null = null;
  /** The last snapshots drawn: what a click on the icon acts on. */
  private profiles: TrayProfiles;

  constructor(
    profiles: TrayProfiles,
    private readonly options: StatusTrayOptions,
  ) {
    this.profiles = profiles;
    this.tray = new Tray(this.image(trayIconFileOf(profiles, options.platform)));
    this.tray.on('click', () => options.run(trayClickCommandOf(this.profiles)));
    // On macOS a context menu set with setContextMenu would take the left click too: pop it on right click.
    if (options.platform === 'darwin') this.tray.on('right-click', () => this.menu && this.tray.popUpContextMenu(this.menu));
    this.draw(profiles);
  }

  /** Draw every profile's snapshot: icon (when it changed), tooltip, and the whole menu rebuilt. */
  draw(profiles: TrayProfiles): void {
    this.profiles = profiles;
    const file = trayIconFileOf(profiles, this.options.platform);
    if (file !== this.iconFile) {
      this.tray.setImage(this.image(file));
      this.iconFile = file;
    }
    this.tray.setToolTip(trayTooltipOf(profiles));
    this.menu = Menu.buildFromTemplate(trayMenuOf(profiles).map((item) => toElectron(item, this.options.run, (file) => this.image(file))));
    if (this.options.platform !== 'darwin') this.tray.setContextMenu(this.menu);
  }

  destroy(): void {
    this.tray.destroy();
  }

  private image(file: string): NativeImage {
    let image = this.images.get(file);
    if (!image) {
      image = nativeImage.createFromPath(path.join(this.options.assetsDir, file));
      // Template images are tinted by macOS for light and dark menu bars.
      if (file.endsWith('Template.png')) image.setTemplateImage(true);
      this.images.set(file, image);
    }
    return image;
  }
}
