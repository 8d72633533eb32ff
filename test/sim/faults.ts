/**
 * Scripted trouble on the IBKR side of the gateway: unreachable (facts §4: forwarded requests hang
 * forever), maintenance (500, or 503 with an empty body after ~10 s, facts §5), latency, and malformed
 * answers (what a proxy error page, a cut connection or a changed server build looks like).
 */
import type { MalformedKind } from './api.js';

/** A body ready to send: status, content type (null: none) and bytes. */
export interface Answer {
  status: number;
  contentType: string | null;
  body: string;
}

export const JSON_TYPE = 'application/json;charset=utf-8';

/** The IBKR-side faults in force right now; routes.ts and ws.ts consult it on every request. */
export class Faults {
  unreachable = false;
  maintenance: { status: 500 | 503; delayMs: number } | null = null;
  latencyMs = 0;
  /** The next forwarded request to this path breaks the pacing (429 and the penalty box). */
  penaltyOn: { path: string; ms?: number } | null = null;
  private readonly malformed = new Map<string, MalformedKind>();

  setMalformed(endpoint: string, kind: MalformedKind | null): void {
    const key = endpoint === '*' ? '*' : apiPath(endpoint);
    if (kind === null) this.malformed.delete(key);
    else this.malformed.set(key, kind);
  }

  malformedFor(path: string): MalformedKind | null {
    return this.malformed.get(path) ?? this.malformed.get('*') ?? null;
  }
}

/** `/tickle`, `/v1/portal/tickle` and `/v1/api/tickle` all name the same endpoint. */
export function apiPath(path: string): string {
  if (path.startsWith('/v1/portal/')) return `/v1/api/${path.slice('/v1/portal/'.length)}`;
  if (path.startsWith('/v1/api/')) return path;
  return `/v1/api${path.startsWith('/') ? '' : '/'}${path}`;
}

/** Spoil a correct answer the way `kind` says. */
export function spoil(answer: Answer, kind: MalformedKind): Answer {
  switch (kind) {
    case 'html':
      return {
        status: answer.status,
        contentType: 'text/html',
        body: '<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Service temporarily unavailable</h1><p>Reference #97.1c2d3e4f</p></body></html>',
      };
    case 'truncated-json':
      return { ...answer, body: answer.body.slice(0, Math.max(1, Math.floor(answer.body.length / 2))) };
    case 'wrong-types':
      return { ...answer, body: JSON.stringify(retype(parseOr(answer.body))) };
    case 'empty':
      return { ...answer, body: '' };
    case 'huge':
      return { ...answer, body: hugeBody(answer.body) };
    case 'wrong-content-type':
      return { ...answer, contentType: 'text/html;charset=utf-8' };
  }
}

function parseOr(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

/** Booleans and numbers become strings, strings become numbers: every schema with a type must fail. */
function retype(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(retype);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, retype(v)]));
  }
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return value.length;
  return value;
}

/** A well-formed JSON body of about 20 MB: the right fields plus one enormous one. */
function hugeBody(body: string): string {
  const parsed = parseOr(body);
  const padding = 'x'.repeat(20 * 1024 * 1024);
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return JSON.stringify({ ...parsed, padding });
  return JSON.stringify({ value: parsed, padding });
}
