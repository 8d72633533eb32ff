/**
 * Kept only for test/unit/core/supervisor.test.ts until it imports the one manual clock itself
 * (test/sim/manual-clock.ts): the same clock, started where that test expects, whose `advance`
 * awaits like ManualClock.run. New tests use ManualClock directly.
 */
import { ManualClock } from '../../sim/manual-clock.js';

export { flush } from '../../sim/manual-clock.js';

export class FakeClock extends ManualClock {
  constructor(start = Date.UTC(2025, 0, 6, 12, 0, 0)) {
    super(start);
  }

  /** Move forward by `ms`, letting promises settle between timers (ManualClock.run). */
  override advance(ms: number): Promise<void> {
    return this.run(ms);
  }
}
