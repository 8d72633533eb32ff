/** Electron's ipcMain for the stand-in: invoke handlers by channel, send listeners as events. */
import { EventEmitter } from 'node:events';
import type { IpcMain } from 'electron';

/** Main's handler, called with the stand-in's event (web.ts builds it from the real frame). */
type InvokeListener = Parameters<IpcMain['handle']>[1];

class StandInIpcMain extends EventEmitter {
  readonly handlers = new Map<string, InvokeListener>();

  handle(channel: string, listener: InvokeListener): void {
    // Electron refuses a second handler for the same channel.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  handleOnce(channel: string, listener: InvokeListener): void {
    this.handle(channel, (event, ...args) => {
      this.removeHandler(channel);
      return listener(event, ...args);
    });
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

export const ipcMain = new StandInIpcMain();
