import type { SimClock } from './api.js';

/** Real time for the simulator; timers are unref'd so a forgotten simulator never holds a test run open. */
export const realClock: SimClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
