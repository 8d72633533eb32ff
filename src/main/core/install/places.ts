/**
 * Where downloads come from and where the gateway goes: constants and one small rule, in a module of
 * their own so that the engine and the command can name them without loading the installers (their
 * zip, tar and HTTP-proxy code is loaded only when something is installed).
 */
import path from 'node:path';

/** Where IBKR publishes the gateway. */
export const IBKR_GATEWAY_ZIP_URL = 'https://download2.interactivebrokers.com/portal/clientportal.gw.zip';

/** Adoptium's public API (overridable for tests and mirrors). */
export const ADOPTIUM_API = 'https://api.adoptium.net';

/** The folder name used when the gateway goes into the app's data folder. */
export const GATEWAY_FOLDER_NAME = 'clientportal.gw';

/**
 * Where installing the gateway puts it: the gateway folder in use (an update), else
 * `clientportal.gw` in the settings folder. The command and the tray app choose alike.
 */
export function gatewayInstallFolder(folderInUse: string | null, configDir: string): string {
  return path.resolve(folderInUse ?? path.join(configDir, GATEWAY_FOLDER_NAME));
}
