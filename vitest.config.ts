import { defineConfig } from 'vitest/config';

// Unit and integration tests run in Node; browser tests drive Debian's Chromium with playwright-core
// from Node as well, so one environment serves all. Integration tests start real processes and TLS
// servers: give them room, and keep files apart so each gets its own simulator.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    unstubEnvs: true,
  },
});
