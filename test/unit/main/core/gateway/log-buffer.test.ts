import { describe, expect, it } from 'vitest';
import { LogBuffer } from '../../../../../src/main/core/gateway/log-buffer.js';
import { ManualClock } from '../../../../sim/manual-clock.js';

describe('LogBuffer', () => {
  it('joins lines that arrive in pieces and keeps streams apart', () => {
    const log = new LogBuffer(new ManualClock());
    log.write('stdout', 'Open https://local');
    log.write('stderr', 'Server listen failed Address already in use\n');
    log.write('stdout', 'host:5000 to login\r\nApp demo');
    expect(log.all().map((l) => [l.stream, l.text])).toEqual([
      ['stderr', 'Server listen failed Address already in use'],
      ['stdout', 'Open https://localhost:5000 to login'],
    ]);
    log.flush();
    expect(log.tail(1)).toEqual(['App demo']);
  });

  it('numbers lines and keeps only the newest `capacity`', () => {
    const log = new LogBuffer(new ManualClock(), 3);
    log.write('stdout', 'a\nb\nc\nd\ne\n');
    expect(log.all().map((l) => `${l.seq}:${l.text}`)).toEqual(['3:c', '4:d', '5:e']);
  });

  it('announces new lines only, and cuts endless lines', () => {
    const log = new LogBuffer(new ManualClock());
    const seen: string[] = [];
    log.onLines((lines) => seen.push(...lines.map((l) => l.text)));
    log.note('Starting the gateway');
    log.write('stdout', `${'x'.repeat(5000)}\n`);
    expect(seen[0]).toBe('Starting the gateway');
    expect(seen[1]!.length).toBeLessThanOrEqual(2001);
  });
});
