/**
 * Channel names and web routes as plain strings, without the zod schemas of api.ts, so the page can
 * import them without bundling zod. api.ts re-exports both: import from either.
 */

/** IPC channel names, once. Invoke channels answer; push channels are main → page only. */
export const Channels = {
  getSnapshot: 'ibkr:get-snapshot',
  getSnapshots: 'ibkr:get-snapshots',
  snapshot: 'ibkr:snapshot',
  send: 'ibkr:send',
  getLog: 'ibkr:get-log',
  log: 'ibkr:log',
  chooseGatewayFolder: 'ibkr:choose-gateway-folder',
  profiles: 'ibkr:profiles',
} as const;
export type Channel = (typeof Channels)[keyof typeof Channels];

/**
 * The HTTP side of the same contract, for the web dashboard: one route per invoke channel (keyed by the
 * channel's name, answering what the channel answers, see ChannelResults), and one server-sent event
 * stream carrying the push channels. The body schemas are in api.ts (zod stays out of the page). A
 * route that acts on one profile takes `?profile=NAME` (PROFILE_QUERY); absent, the first profile.
 */
export const WebRoutes = {
  getSnapshot: { method: 'GET', path: '/api/snapshot' },
  getSnapshots: { method: 'GET', path: '/api/snapshots' },
  getLog: { method: 'GET', path: '/api/log' },
  send: { method: 'POST', path: '/api/intent' },
  chooseGatewayFolder: { method: 'POST', path: '/api/folder' },
} as const satisfies { readonly [K in keyof typeof Channels]?: { readonly method: 'GET' | 'POST'; readonly path: `/api/${string}` } };
export type WebRoute = keyof typeof WebRoutes;
/** The query parameter naming the profile a web route acts on. */
export const PROFILE_QUERY = 'profile';

/** The server-sent event stream; each event is named after the push channel it carries. */
export const WebEventsPath = '/api/events';
export const WebEvents = { snapshot: 'snapshot', log: 'log', profiles: 'profiles' } as const satisfies { readonly [K in keyof typeof Channels]?: K };
export type WebEvent = keyof typeof WebEvents;
