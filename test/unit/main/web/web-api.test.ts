import { describe, expect, it } from 'vitest';
import { webApi, type WebApiHandlers } from '../../../../src/main/web/web-api.js';
import { ChannelArgs, Channels, WebRoutes, type WebRoute } from '../../../../src/shared/api.js';
import type { Intent } from '../../../../src/shared/intents.js';
import { createFakeEngine } from './fake-engine.js';

function recordingApi() {
  const engine = createFakeEngine();
  const seen: Array<{ route: WebRoute; body: unknown }> = [];
  const handlers: WebApiHandlers = {
    getSnapshot: (body) => (seen.push({ route: 'getSnapshot', body }), engine.snapshot()),
    getSnapshots: (body) => (seen.push({ route: 'getSnapshots', body }), [engine.snapshot()]),
    getLog: (body) => (seen.push({ route: 'getLog', body }), engine.log()),
    send: (intent) => (seen.push({ route: 'send', body: intent }), { ok: true }),
    chooseGatewayFolder: (body) => (seen.push({ route: 'chooseGatewayFolder', body }), { ok: true }),
  };
  return { api: webApi(handlers), seen, engine };
}

const noBody = (): Promise<unknown> => Promise.reject(new Error('this route must not read a body'));

describe('webApi', () => {
  it('serves every route of the contract, each answering for an invoke channel', () => {
    const { api } = recordingApi();
    for (const [name, route] of Object.entries(WebRoutes)) {
      expect(api(route.method, route.path), name).not.toBeNull();
      expect(Object.keys(ChannelArgs)).toContain(Channels[name as WebRoute]);
    }
  });

  it('finds nothing for another method or path', () => {
    const { api } = recordingApi();
    expect(api('GET', WebRoutes.send.path)).toBeNull();
    expect(api('POST', WebRoutes.getSnapshot.path)).toBeNull();
    expect(api('GET', '/api/nothing')).toBeNull();
  });

  it('answers a GET without reading a body', async () => {
    const { api, seen, engine } = recordingApi();
    const answer = await api('GET', WebRoutes.getSnapshot.path)!(noBody);
    expect(answer).toEqual({ status: 200, body: engine.snapshot() });
    expect(seen).toEqual([{ route: 'getSnapshot', body: undefined }]);
  });

  it('hands the handler the parsed body (trimmed by the schema)', async () => {
    const { api, seen } = recordingApi();
    const intent: Intent = { type: 'select-account', accountId: ' DU7654321 ' };
    expect(await api('POST', WebRoutes.send.path)!(() => Promise.resolve(intent))).toEqual({ status: 200, body: { ok: true } });
    await api('POST', WebRoutes.chooseGatewayFolder.path)!(() => Promise.resolve({ folder: '  /opt/clientportal.gw ' }));
    expect(seen).toEqual([
      { route: 'send', body: { type: 'select-account', accountId: 'DU7654321' } },
      { route: 'chooseGatewayFolder', body: { folder: '/opt/clientportal.gw' } },
    ]);
  });

  it.each([
    ['send', { type: 'launch-missiles' }],
    ['send', null],
    ['chooseGatewayFolder', {}],
    ['chooseGatewayFolder', { folder: '   ' }],
    ['chooseGatewayFolder', { folder: 42 }],
  ] as const)('refuses %s with body %j as a 400 that names the problem, before the handler', async (route, body) => {
    const { api, seen } = recordingApi();
    const answer = await api('POST', WebRoutes[route].path)!(() => Promise.resolve(body));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ ok: false, reason: expect.stringMatching(/^Not a valid request: .+\.$/) });
    expect(seen).toEqual([]);
  });

  it('hands the handler the profile named in the query, and refuses an empty one before any handler runs', async () => {
    const named: Array<string | undefined> = [];
    const engine = createFakeEngine();
    const api = webApi({
      getSnapshot: (_body, profile) => (named.push(profile), engine.snapshot()),
      getSnapshots: () => [engine.snapshot()],
      getLog: (_body, profile) => (named.push(profile), engine.log()),
      send: (_intent, profile) => (named.push(profile), { ok: true }),
      chooseGatewayFolder: (_body, profile) => (named.push(profile), { ok: true }),
    });
    await api('GET', WebRoutes.getLog.path, new URLSearchParams({ profile: 'Paper' }))!(noBody);
    await api('POST', WebRoutes.send.path, new URLSearchParams({ profile: ' Live ' }))!(() => Promise.resolve({ type: 'log-in' }));
    await api('GET', WebRoutes.getSnapshot.path)!(noBody);
    expect(named).toEqual(['Paper', 'Live', undefined]);
    const empty = await api('POST', WebRoutes.send.path, new URLSearchParams({ profile: '' }))!(noBody);
    expect(empty.status).toBe(400);
    expect(named).toHaveLength(3);
  });
});
