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
  getSnapshots: 'ibkr:get-snapshots',
  snapshot: 'ibkr:snapshot',
  send: 'ibkr:send',
  getLog: 'ibkr:get-log',
  log: 'ibkr:log',
  chooseGatewayFolder: 'ibkr:choose-gateway-folder',
  profiles: 'ibkr:profiles',
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

// Main's argument schemas are tuples without `undefined` in them: an absent profile is no argument at all.
const api = {
  getSnapshot: (to) => (to === undefined ? ipcRenderer.invoke(channels.getSnapshot) : ipcRenderer.invoke(channels.getSnapshot, to)),
  getSnapshots: () => ipcRenderer.invoke(channels.getSnapshots),
  onSnapshot: (listener: (snapshot: AppSnapshot) => void) => follow(channels.snapshot, listener),
  send: (intent, to) => (to === undefined ? ipcRenderer.invoke(channels.send, intent) : ipcRenderer.invoke(channels.send, intent, to)),
  getLog: (to) => (to === undefined ? ipcRenderer.invoke(channels.getLog) : ipcRenderer.invoke(channels.getLog, to)),
  onLog: (listener: (lines: readonly LogLine[]) => void) => follow(channels.log, listener),
  onProfiles: (listener: (names: readonly string[]) => void) => follow(channels.profiles, listener),
  // An empty path with a profile: browse for that profile's folder.
  chooseGatewayFolder: (typedPath, to) =>
    to !== undefined
      ? ipcRenderer.invoke(channels.chooseGatewayFolder, typedPath ?? '', to)
      : typedPath === undefined
        ? ipcRenderer.invoke(channels.chooseGatewayFolder)
        : ipcRenderer.invoke(channels.chooseGatewayFolder, typedPath),
} satisfies RendererApi;

contextBridge.exposeInMainWorld('ibkr', api);
