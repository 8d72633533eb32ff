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
