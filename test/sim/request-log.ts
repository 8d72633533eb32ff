import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestRecord, SimClock } from './api.js';

/**
 * Every request the simulator received, in arrival order: time, method, path (as sent, without the
 * query) and the status answered — null while unanswered, and forever for a request that hung.
 */
export class RequestLog {
  readonly records: RequestRecord[] = [];
  private readonly byResponse = new WeakMap<ServerResponse, RequestRecord>();

  constructor(private readonly clock: SimClock) {}

  /** Record an arriving request; its status is filled in when (if ever) the answer is sent. */
  arrive(req: IncomingMessage, res: ServerResponse | null): RequestRecord {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const record: RequestRecord = { at: this.clock.now(), method: req.method ?? 'GET', path, status: null };
    this.records.push(record);
    if (res) this.byResponse.set(res, record);
    res?.on('finish', () => {
      record.status = res.statusCode;
    });
    return record;
  }

  /** The request answered by `res` goes on to IBKR: it is one of those IBKR's pacing counts. */
  markForwarded(res: ServerResponse): void {
    const record = this.byResponse.get(res);
    if (record) record.forwarded = true;
  }

  clear(): void {
    this.records.length = 0;
  }
}

/**
 * The most forwarded requests received in any window of `windowMs` (sliding, from each arrival): what
 * IBKR's 10/s is about. What the gateway answers itself (the app's `GET /` before it pins, reauthenticate)
 * never reaches IBKR and is not counted.
 */
export function busiestWindow(records: readonly Pick<RequestRecord, 'at' | 'forwarded'>[], windowMs = 1_000): number {
  const times = records
    .filter((r) => r.forwarded)
    .map((r) => r.at)
    .sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while (times[last]! - times[first]! >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
