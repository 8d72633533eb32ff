/**
 * The composition root of the core: settings → supervisor + client → monitor → controller.
 * Every shell (Electron main, `ibkr-tray`, `ibkr-tray serve`) builds its engine through createEngine.
 *
 * CONTRACT FIRST: the types below are fixed for the shells; the implementation lands with the
 * session-engine issue.
 */
import type { Engine } from '../../shared/engine.js';

/** Where settings are read and written: `conf` in plain Node, electron-store in the app (same file format). */
export interface SettingsBackend {
  /** The whole stored object, or undefined when there is none yet. Throws on an unreadable file. */
  read(): unknown;
  /** Replace the stored object atomically. */
  write(data: unknown): void;
  /** The file's path, for messages. */
  readonly path: string;
}

export interface EngineOptions {
  /** Settings folder; default IBKR_TRAY_CONFIG_DIR, else the OS app-data folder of "IBKR Tray". */
  readonly configDir?: string;
  /** Electron passes an electron-store backed one; default a `conf` backed one in configDir. */
  readonly settingsBackend?: SettingsBackend;
  /** Use this gateway origin instead of the settings / the folder's conf. */
  readonly gatewayUrl?: string;
  /** Use this gateway folder instead of the one in settings (not saved). */
  readonly gatewayFolder?: string;
  /** Per-request timeout (default 5000 ms). */
  readonly requestTimeoutMs?: number;
  /** How "log in" shows the gateway's login page: the Electron login window, a browser tab, a printed URL. */
  readonly openLoginPage?: (url: string) => void | Promise<void>;
  /** Follow the gateway's WebSocket (default true); false = REST polling only. */
  readonly useWebSocket?: boolean;
}

export interface EngineHandle extends Engine {
  /** Begin watching (and start the gateway when the settings say so). */
  start(): Promise<void>;
  /** Stop every timer and socket; stop the gateway only when asked and only if we started it. */
  dispose(options?: { readonly stopGateway?: boolean }): Promise<void>;
}

/** Build the engine for a shell. */
export async function createEngine(_options: EngineOptions = {}): Promise<EngineHandle> {
  throw new Error('createEngine: not implemented yet');
}
