/**
 * The one door for the dashboard's HTTP API, like ipc.ts is for IPC: every route of WebRoutes is
 * registered here through one typed wrapper that matches method and path and parses the body with
 * the route's zod schema (WebRouteBodies) before its handler runs. A handler receives parsed data and
 * answers the route's result type, so the server has no casts and cannot drift from the page's bridge.
 */
import type { z } from 'zod';
import { WebRouteBodies, WebRoutes, type ParsedWebRouteBody, type WebRoute, type WebRouteResult } from '../../shared/api.js';

/** One handler per route, receiving the already-parsed body. */
export type WebApiHandlers = {
  readonly [R in WebRoute]: (body: ParsedWebRouteBody<R>) => Promise<WebRouteResult<R>> | WebRouteResult<R>;
};

/** What the dashboard writes back: a status and a JSON body. */
export interface WebApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** A matched route, ready to run on the request's body (read only for routes that take one). */
export type WebApiCall = (readBody: () => Promise<unknown>) => Promise<WebApiAnswer>;

/** One route of the table: where it answers, and what runs there. */
interface Entry {
  readonly method: string;
  readonly path: string;
  readonly call: WebApiCall;
}

/** A route without a body (a GET): the handler's answer as is. */
function withoutBody<T>(route: WebRoute, handler: (body: undefined) => Promise<T> | T): Entry {
  return { ...WebRoutes[route], call: async () => ({ status: 200, body: await handler(undefined) }) };
}

/** A route with a body: parsed with `schema` first; a body that does not fit is a 400 naming the first problem. */
function withBody<S extends z.ZodType, T>(route: WebRoute, schema: S, handler: (body: z.output<S>) => Promise<T> | T): Entry {
  const call: WebApiCall = async (readBody) => {
    const parsed = schema.safeParse(await readBody());
    if (!parsed.success) {
      return { status: 400, body: { ok: false, reason: `Not a valid request: ${parsed.error.issues[0]?.message ?? 'unknown shape'}.` } };
    }
    return { status: 200, body: await handler(parsed.data) };
  };
  return { ...WebRoutes[route], call };
}

/**
 * The dashboard's API: returns the function that finds the call for a method and path, or null when
 * no route matches. A mapped type over WebRoute, so a route without a handler is a compile error.
 */
export function webApi(handlers: WebApiHandlers): (method: string, path: string) => WebApiCall | null {
  const table: { readonly [R in WebRoute]: Entry } = {
    getSnapshot: withoutBody('getSnapshot', handlers.getSnapshot),
    getLog: withoutBody('getLog', handlers.getLog),
    send: withBody('send', WebRouteBodies.send, handlers.send),
    chooseGatewayFolder: withBody('chooseGatewayFolder', WebRouteBodies.chooseGatewayFolder, handlers.chooseGatewayFolder),
  };
  const entries = Object.values(table);
  return (method, path) => entries.find((entry) => entry.method === method && entry.path === path)?.call ?? null;
}
