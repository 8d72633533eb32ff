/**
 * The one door for the dashboard's HTTP API, like ipc.ts is for IPC: every route of WebRoutes is
 * registered here through one typed wrapper that matches method and path and parses the body with
 * the route's zod schema (WebRouteBodies) before its handler runs. A handler receives parsed data and
 * answers the route's result type, so the server has no casts and cannot drift from the page's bridge.
 */
import type { z } from 'zod';
import { PROFILE_QUERY, WebRouteBodies, WebRouteQuerySchema, WebRoutes, type ParsedWebRouteBody, type WebRoute, type WebRouteResult } from '../../shared/api.js';

/**
 * One handler per route, receiving the already-parsed body and the profile named by `?profile=`
 * (undefined when absent: the first profile). Whether that profile exists is the handler's check.
 */
export type WebApiHandlers = {
  readonly [R in WebRoute]: (body: ParsedWebRouteBody<R>, profile: string | undefined) => Promise<WebRouteResult<R>> | WebRouteResult<R>;
};

/** What the dashboard writes back: a status and a JSON body. */
export interface WebApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** A matched route, ready to run on the request's body (read only for routes that take one). */
export type WebApiCall = (readBody: () => Promise<unknown>) => Promise<WebApiAnswer>;

/** A matched route, before its query is known. */
type Call = (readBody: () => Promise<unknown>, profile: string | undefined) => Promise<WebApiAnswer>;

/** One route of the table: where it answers, and what runs there. */
interface Route {
  readonly method: string;
  readonly path: string;
  readonly call: Call;
}

function refused(problem: string | undefined): WebApiAnswer {
  return { status: 400, body: { ok: false, reason: `Not a valid request: ${problem ?? 'unknown shape'}.` } };
}

/** A route without a body (a GET): the handler's answer as is. */
function withoutBody<T>(route: WebRoute, handler: (body: undefined, profile: string | undefined) => Promise<T> | T): Route {
  return { ...WebRoutes[route], call: async (_readBody, profile) => ({ status: 200, body: await handler(undefined, profile) }) };
}

/** A route with a body: parsed with `schema` first; a body that does not fit is a 400 naming the first problem. */
function withBody<S extends z.ZodType, T>(route: WebRoute, schema: S, handler: (body: z.output<S>, profile: string | undefined) => Promise<T> | T): Route {
  const call: Call = async (readBody, profile) => {
    const parsed = schema.safeParse(await readBody());
    if (!parsed.success) return refused(parsed.error.issues[0]?.message);
    return { status: 200, body: await handler(parsed.data, profile) };
  };
  return { ...WebRoutes[route], call };
}

/**
 * The dashboard's API: returns the function that finds the call for a method, path and query, or
 * null when no route matches. A mapped type over WebRoute, so a route without a handler is a compile
 * error. The query's `profile` is parsed here for every route; a bad one is a 400 before any handler.
 */
export function webApi(handlers: WebApiHandlers): (method: string, path: string, query?: URLSearchParams) => WebApiCall | null {
  const table: { readonly [R in WebRoute]: Route } = {
    getSnapshot: withoutBody('getSnapshot', handlers.getSnapshot),
    getSnapshots: withoutBody('getSnapshots', handlers.getSnapshots),
    getLog: withoutBody('getLog', handlers.getLog),
    send: withBody('send', WebRouteBodies.send, handlers.send),
    chooseGatewayFolder: withBody('chooseGatewayFolder', WebRouteBodies.chooseGatewayFolder, handlers.chooseGatewayFolder),
  };
  const entries = Object.values(table);
  return (method, path, query = new URLSearchParams()) => {
    const entry = entries.find((e) => e.method === method && e.path === path);
    if (entry === undefined) return null;
    const parsed = WebRouteQuerySchema.safeParse({ profile: query.get(PROFILE_QUERY) ?? undefined });
    if (!parsed.success) return () => Promise.resolve(refused(parsed.error.issues[0]?.message));
    return (readBody) => entry.call(readBody, parsed.data.profile);
  };
}
