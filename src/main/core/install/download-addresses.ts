/**
 * Where the installs download from: IBKR's and Adoptium's public addresses, unless the environment
 * names a mirror (IBKR_TRAY_GATEWAY_ZIP_URL, IBKR_TRAY_ADOPTIUM_API). One rule for the command and the
 * tray app, so a mirror set for one works for both (the tests point both at a local server this way).
 */
import { ADOPTIUM_API, IBKR_GATEWAY_ZIP_URL } from './places.js';

export interface DownloadAddresses {
  /** The gateway's zip (an https:// URL). */
  readonly gatewayZip: string;
  /** The base of Adoptium's API (its /v3/assets/latest answers which JRE to fetch). */
  readonly adoptiumApi: string;
}

/** The addresses in effect for `env` (default this process's environment). */
export function downloadAddresses(env: NodeJS.ProcessEnv = process.env): DownloadAddresses {
  return {
    gatewayZip: env['IBKR_TRAY_GATEWAY_ZIP_URL']?.trim() || IBKR_GATEWAY_ZIP_URL,
    adoptiumApi: env['IBKR_TRAY_ADOPTIUM_API']?.trim() || ADOPTIUM_API,
  };
}
