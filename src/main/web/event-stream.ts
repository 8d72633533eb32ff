/**
 * Server-sent events to one page: named events with JSON data, a comment every so often so proxies
 * and idle timers do not close a quiet stream, and a clean end.
 */
import type { ServerResponse } from 'node:http';
import type { WebEvent, WebEventPayloads } from '../../shared/api.js';

/** Seconds of silence before a keep-alive comment. */
const HEARTBEAT_MS = 15_000;
/** How long the browser waits before reconnecting after a drop. */
const RETRY_MS = 2_000;

export interface EventStream {
  /** Send one event; its payload type is the one the contract gives its push channel. */
  send<E extends WebEvent>(event: E, data: WebEventPayloads[E]): void;
  close(): void;
}

/** Turn `response` into an event stream; `onClose` runs once when either side ends it. */
export function openEventStream(response: ServerResponse, onClose: () => void): EventStream {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.write(`retry: ${RETRY_MS}\n\n`);
  const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  let closed = false;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    onClose();
  };
  response.on('close', finish);
  return {
    send(event, data) {
      if (closed) return;
      // JSON.stringify never emits a raw newline, so the data stays on one `data:` line.
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      finish();
      response.end();
    },
  };
}
