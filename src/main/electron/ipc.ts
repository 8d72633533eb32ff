/**
 * The one door for IPC from the status window. Every invoke channel in src/shared/api.ts is registered
 * here through one typed wrapper that, before anything runs, checks the sender (the main frame of our
 * own status window, showing our own page) and parses the arguments with the channel's zod schema.
 * No Electron import: main.ts passes ipcMain, which fits InvokeRegistrar, so tests pass a fake.
 */
import type { z } from 'zod';
import { ChannelArgs, Channels, type ChannelResults, type InvokeChannel } from '../../shared/api.js';
import type { EngineApi } from '../../shared/engine-api.js';
import { isOwnWindowSender, type IpcSender } from './security.js';

/** The parts of Electron's IpcMainInvokeEvent the sender check reads. */
export interface InvokeEvent {
  readonly sender: { readonly id: number };
  /** Null when the frame navigated or was destroyed before the message arrived. */
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

/** The part of Electron's ipcMain this module uses. */
export interface InvokeRegistrar {
  handle(channel: string, listener: (event: InvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** One handler per invoke channel, receiving the already-parsed arguments. */
export type InvokeHandlers = {
  readonly [C in InvokeChannel]: (...args: z.infer<(typeof ChannelArgs)[C]>) => Promise<ChannelResults[C]> | ChannelResults[C];
};

/** Thrown back to the page (ipcRenderer.invoke rejects with it) when a message is refused. */
export class RefusedMessage extends Error {
  override readonly name = 'RefusedMessage';
}

/** Who sent an invoke, in the terms of the pure sender check. */
export function senderOf(event: InvokeEvent): IpcSender {
  const frame = event.senderFrame;
  return {
    webContentsId: event.sender.id,
    frame: frame === null ? null : { url: frame.url, isMainFrame: frame.parent === null },
  };
}

/**
 * Register every invoke channel. `ownWebContentsId` answers the status window's current WebContents
 * id (null while it does not exist). Returns the function that removes the handlers.
 */
export function registerInvokeHandlers(ipc: InvokeRegistrar, ownWebContentsId: () => number | null, handlers: InvokeHandlers): () => void {
  const channels = Object.keys(ChannelArgs) as InvokeChannel[];
  for (const channel of channels) {
    ipc.handle(channel, (event, ...args) => {
      if (!isOwnWindowSender(senderOf(event), ownWebContentsId())) {
        throw new RefusedMessage(`${channel}: refused, the message did not come from the IBKR Tray window.`);
      }
      const parsed = ChannelArgs[channel].safeParse(args);
      if (!parsed.success) {
        throw new RefusedMessage(`${channel}: refused, the arguments do not fit (${parsed.error.issues[0]?.message ?? 'invalid'}).`);
      }
      // The union of per-channel tuples cannot be narrowed by TypeScript through the loop variable.
      const handler = handlers[channel] as (...a: unknown[]) => unknown;
      return handler(...(parsed.data as unknown[]));
    });
  }
  return () => {
    for (const channel of channels) ipc.removeHandler(channel);
  };
}

/**
 * Push every snapshot and every batch of new log lines of one engine to the page (the push channels
 * of api.ts); with `profile`, each line names it (snapshots name their profile themselves), so one
 * window can follow several engines. Returns the function that stops forwarding.
 */
export function forwardEngineEvents(engine: Pick<EngineApi, 'subscribe' | 'onLog'>, send: (channel: string, payload: unknown) => void, profile?: string): () => void {
  const stopSnapshots = engine.subscribe((snapshot) => send(Channels.snapshot, snapshot));
  const stopLog = engine.onLog((lines) => send(Channels.log, profile === undefined ? lines : lines.map((line) => ({ ...line, profile }))));
  return () => {
    stopSnapshots();
    stopLog();
  };
}
