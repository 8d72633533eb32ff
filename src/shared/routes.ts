/**
 * Channel names and web routes as plain strings, without the zod schemas of api.ts, so the page can
 * import them without bundling zod. api.ts re-exports both: import from either.
 */

/** IPC channel names, once. Invoke channels answer; push channels are main → page only. */
export const Channels = {
  getSnapshot: 'ibkr:get-snapshot',
  snapshot: 'ibkr:snapshot',
  send: 'ibkr:send',
  getLog: 'ibkr:get-log',
  log: 'ibkr:log',
  chooseGatewayFolder: 'ibkr:choose-gateway-folder',
} as const;
export type Channel = (typeof Channels)[keyof typeof Channels];

/** Web dashboard routes (same shapes as the channels; the token rides in a cookie or header). */
export const WebRoutes = {
  snapshot: '/api/snapshot',
  events: '/api/events',
  intent: '/api/intent',
  log: '/api/log',
  folder: '/api/folder',
} as const;
