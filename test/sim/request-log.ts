import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestRecord, SimClock } from './api.js';

/**
 * Every request the simulator received, in arrival order: time, method, path (as sent, without the
 * query) and the status answered — null while unanswered, and forever for a request that hung.
 */
export class RequestLog {
  readonly records: RequestRecord[] = [];

  constructor(private readonly clock: SimClock) {}

  /** Record an arriving request; its status is filled in when (if ever) the answer is sent. */
  arrive(req: IncomingMessage, res: ServerResponse | null): RequestRecord {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const record: RequestRecord = { at: this.clock.now(), method: req.method ?? 'GET', path, status: null };
    this.records.push(record);
    res?.on('finish', () => {
      record.status = res.statusCode;
    });
    return record;
  }

  clear(): void {
    this.records.length = 0;
  }
}

/** The most requests received in any window of `windowMs` (sliding, from each arrival): what IBKR's 10/s is about. */
export function busiestWindow(records: readonly Pick<RequestRecord, 'at'>[], windowMs = 1_000): number {
  const times = records.map((r) => r.at).sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while (times[last]! - times[first]! >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
