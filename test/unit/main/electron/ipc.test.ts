import { describe, expect, it, vi } from 'vitest';
import { Channels, type LogLine } from '../../../../src/shared/api.js';
import type { AppSnapshot } from '../../../../src/shared/snapshot.js';
import { forwardEngineEvents, registerInvokeHandlers, type InvokeEvent, type InvokeHandlers, type InvokeRegistrar } from '../../../../src/main/electron/ipc.js';
import { APP_PAGE_URL } from '../../../../src/main/electron/security.js';
import { snapshotOf } from '../../../fixtures/snapshots.js';

type Listener = (event: InvokeEvent, ...args: unknown[]) => unknown;

/** A stand-in for ipcMain: keeps the handlers so the test can invoke them as Electron would. */
function fakeIpc() {
  const handlers = new Map<string, Listener>();
  const ipc: InvokeRegistrar = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  const invoke = async (channel: string, event: InvokeEvent, ...args: unknown[]): Promise<unknown> => {
    const listener = handlers.get(channel);
    if (!listener) throw new Error(`no handler for ${channel}`);
    return listener(event, ...args);
  };
  return { ipc, handlers, invoke };
}

const OWN = 3;
const fromOurPage: InvokeEvent = { sender: { id: OWN }, senderFrame: { url: APP_PAGE_URL, parent: null } };

function setUp() {
  const snapshot = snapshotOf('ready');
  const handlers = {
    [Channels.getSnapshot]: vi.fn(() => snapshot),
    [Channels.getSnapshots]: vi.fn(() => [snapshot]),
    [Channels.send]: vi.fn(async () => ({ ok: true as const })),
    [Channels.getLog]: vi.fn((): readonly LogLine[] => []),
    [Channels.chooseGatewayFolder]: vi.fn(async () => ({ ok: true as const })),
  } satisfies InvokeHandlers;
  const fake = fakeIpc();
  const remove = registerInvokeHandlers(fake.ipc, () => OWN, handlers);
  return { ...fake, registered: fake.handlers, handlers, snapshot, remove };
}

describe('registerInvokeHandlers', () => {
  it('registers every invoke channel of the contract, and removes them again', () => {
    const { registered, remove } = setUp();
    expect([...registered.keys()].sort()).toEqual([Channels.chooseGatewayFolder, Channels.getLog, Channels.getSnapshot, Channels.getSnapshots, Channels.send].sort());
    remove();
    expect(registered.size).toBe(0);
  });

  it('answers our own page', async () => {
    const { invoke, snapshot } = setUp();
    await expect(invoke(Channels.getSnapshot, fromOurPage)).resolves.toBe(snapshot);
  });

  it('passes the parsed intent (trimmed by the schema) to the handler', async () => {
    const { invoke, handlers } = setUp();
    await invoke(Channels.send, fromOurPage, { type: 'select-account', accountId: ' DU1234567 ' });
    expect(handlers[Channels.send]).toHaveBeenCalledWith({ type: 'select-account', accountId: 'DU1234567' });
  });

  it('passes an optional typed folder through', async () => {
    const { invoke, handlers } = setUp();
    await invoke(Channels.chooseGatewayFolder, fromOurPage);
    await invoke(Channels.chooseGatewayFolder, fromOurPage, '/opt/clientportal.gw');
    expect(handlers[Channels.chooseGatewayFolder].mock.calls).toEqual([[], ['/opt/clientportal.gw']]);
  });

  it.each([
    ['another window', { sender: { id: OWN + 1 }, senderFrame: { url: APP_PAGE_URL, parent: null } }],
    ['a sub-frame of our window', { sender: { id: OWN }, senderFrame: { url: APP_PAGE_URL, parent: {} } }],
    ['our window showing a foreign page', { sender: { id: OWN }, senderFrame: { url: 'https://localhost:5000/', parent: null } }],
    ['a frame that is gone', { sender: { id: OWN }, senderFrame: null }],
  ] as const)('refuses %s before running anything', async (_name, event) => {
    const { invoke, handlers } = setUp();
    await expect(invoke(Channels.send, event, { type: 'log-out' })).rejects.toThrow(/did not come from the IBKR Tray window/);
    expect(handlers[Channels.send]).not.toHaveBeenCalled();
  });

  it.each([
    ['an unknown intent', [{ type: 'launch-missiles' }]],
    ['a bad account id', [{ type: 'select-account', accountId: 'U1; rm -rf /' }]],
    ['no intent at all', []],
    ['extra arguments', [{ type: 'log-out' }, 'more']],
  ])('refuses %s without calling the handler', async (_name, args) => {
    const { invoke, handlers } = setUp();
    await expect(invoke(Channels.send, fromOurPage, ...args)).rejects.toThrow(/arguments do not fit/);
    expect(handlers[Channels.send]).not.toHaveBeenCalled();
  });

  it('refuses arguments to a channel that takes none, and an over-long folder', async () => {
    const { invoke, handlers } = setUp();
    await expect(invoke(Channels.getLog, fromOurPage, 'x')).rejects.toThrow(/arguments do not fit/);
    await expect(invoke(Channels.chooseGatewayFolder, fromOurPage, 'x'.repeat(5000))).rejects.toThrow(/arguments do not fit/);
    expect(handlers[Channels.getLog]).not.toHaveBeenCalled();
    expect(handlers[Channels.chooseGatewayFolder]).not.toHaveBeenCalled();
  });
});

describe('registerInvokeHandlers with profiles', () => {
  it('hands a profile choice to the handler, and refuses one that is not an object with a name', async () => {
    const { invoke, handlers } = setUp();
    await invoke(Channels.send, fromOurPage, { type: 'log-in' }, { profile: ' Paper ' });
    expect(handlers[Channels.send]).toHaveBeenCalledWith({ type: 'log-in' }, { profile: 'Paper' });
    await invoke(Channels.getLog, fromOurPage, { profile: 'Paper' });
    expect(handlers[Channels.getLog]).toHaveBeenCalledWith({ profile: 'Paper' });
    await invoke(Channels.chooseGatewayFolder, fromOurPage, '', { profile: 'Paper' });
    expect(handlers[Channels.chooseGatewayFolder]).toHaveBeenCalledWith('', { profile: 'Paper' });
    for (const bad of [{ profile: '' }, { profile: 'Paper', more: 1 }, { name: 'Paper' }]) {
      await expect(invoke(Channels.getSnapshot, fromOurPage, bad)).rejects.toThrow(/arguments do not fit/);
    }
    await expect(invoke(Channels.getSnapshots, fromOurPage, { profile: 'Paper' })).rejects.toThrow(/arguments do not fit/);
    expect(handlers[Channels.getSnapshot]).not.toHaveBeenCalled();
  });
});

describe('forwardEngineEvents', () => {
  it('names the profile on every log line it pushes when given one', () => {
    let logListener: ((l: readonly LogLine[]) => void) | null = null;
    const engine = {
      subscribe: () => () => undefined,
      onLog: (listener: (l: readonly LogLine[]) => void) => ((logListener = listener), () => (logListener = null)),
    };
    const sent: [string, unknown][] = [];
    forwardEngineEvents(engine, (channel, payload) => sent.push([channel, payload]), 'Paper');
    logListener!([{ seq: 1, at: 1, stream: 'stdout', text: 'Server listening' }]);
    expect(sent).toEqual([[Channels.log, [{ seq: 1, at: 1, stream: 'stdout', text: 'Server listening', profile: 'Paper' }]]]);
  });

  it('pushes snapshots and log lines on their channels until stopped', () => {
    let snapshotListener: ((s: AppSnapshot) => void) | null = null;
    let logListener: ((l: readonly LogLine[]) => void) | null = null;
    const engine = {
      subscribe: (listener: (s: AppSnapshot) => void) => ((snapshotListener = listener), () => (snapshotListener = null)),
      onLog: (listener: (l: readonly LogLine[]) => void) => ((logListener = listener), () => (logListener = null)),
    };
    const sent: [string, unknown][] = [];
    const stop = forwardEngineEvents(engine, (channel, payload) => sent.push([channel, payload]));
    const snapshot = snapshotOf('starting');
    const lines: LogLine[] = [{ seq: 1, at: 1, stream: 'stdout', text: 'Open https://localhost:5000 to login' }];
    snapshotListener!(snapshot);
    logListener!(lines);
    expect(sent).toEqual([
      [Channels.snapshot, snapshot],
      [Channels.log, lines],
    ]);
    stop();
    expect(snapshotListener).toBeNull();
    expect(logListener).toBeNull();
  });
});
