/**
 * The Electron preload: `window.ibkr`, one function per channel of the RendererApi contract, nothing
 * else. A sandboxed preload can only require('electron') (it cannot load src/shared at run time), so
 * the channel names are written here as literals typed against the contract: if they drift from
 * src/shared/routes.ts, tsc fails. Listeners are wrapped so the IPC event (and its `sender`) never
 * reaches the page, and every subscription returns its unsubscribe function.
 */
import electron = require('electron');
import type { Channels, LogLine, RendererApi } from '../shared/api.js';
import type { AppSnapshot } from '../shared/snapshot.js';

const channels: typeof Channels = {
  getSnapshot: 'ibkr:get-snapshot',
  snapshot: 'ibkr:snapshot',
  send: 'ibkr:send',
  getLog: 'ibkr:get-log',
  log: 'ibkr:log',
  chooseGatewayFolder: 'ibkr:choose-gateway-folder',
};

const { contextBridge, ipcRenderer } = electron;

/** Subscribe to a push channel, handing the page the payload only. */
function follow<T>(channel: string, listener: (payload: T) => void): () => void {
  const wrapped = (_event: Electron.IpcRendererEvent, payload: T): void => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
}

const api = {
  getSnapshot: () => ipcRenderer.invoke(channels.getSnapshot),
  onSnapshot: (listener: (snapshot: AppSnapshot) => void) => follow(channels.snapshot, listener),
  send: (intent) => ipcRenderer.invoke(channels.send, intent),
  getLog: () => ipcRenderer.invoke(channels.getLog),
  onLog: (listener: (lines: readonly LogLine[]) => void) => follow(channels.log, listener),
  // Main's argument schema is a tuple of zero or one string: send no argument rather than `undefined`.
  chooseGatewayFolder: (typedPath) =>
    typedPath === undefined ? ipcRenderer.invoke(channels.chooseGatewayFolder) : ipcRenderer.invoke(channels.chooseGatewayFolder, typedPath),
} satisfies RendererApi;

contextBridge.exposeInMainWorld('ibkr', api);
