/**
 * Which door the page uses to the engine, chosen at run time: the Electron preload's `window.ibkr`
 * (IPC) when it is there, else the web dashboard's HTTP bridge. The page code is the same either way.
 */
import type { RendererApi } from '../shared/api.js';
import { createWebBridge, type ConnectionListener } from './bridge-web.js';

export type { Connection } from './bridge-web.js';

declare global {
  interface Window {
    /** Exposed by src/preload/index.cts through contextBridge in the Electron window only. */
    readonly ibkr?: RendererApi;
  }
}

export interface Bridge {
  readonly kind: 'electron' | 'web';
  readonly api: RendererApi;
  /** Push-stream connection changes (the web bridge only; IPC does not drop). */
  onConnection(listener: ConnectionListener): () => void;
}

export function chooseBridge(): Bridge {
  const ipc = window.ibkr;
  if (ipc !== undefined) return { kind: 'electron', api: ipc, onConnection: () => () => undefined };
  const web = createWebBridge();
  return { kind: 'web', api: web, onConnection: (listener) => web.onConnection(listener) };
}
