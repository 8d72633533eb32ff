/**
 * `wait` checks once a second and returns soon after the session is ready; `wait --timeout N` and
 * `login --wait --timeout N` end at N s, not N s plus a request timeout (a check in flight at the
 * deadline is abandoned). Spacing is asserted from the simulator's request log; the exit's precision
 * (±0.5 s) is measured in bench/ (wait-latency.ts): here the bound is wide enough for a loaded machine
 * and still far below N + the 5 s request timeout of today's main.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../../sim/until.js';
import { cliFixtures } from './fixtures.js';

const fixtures = cliFixtures();

describe('wait', () => {
  it('checks every second (the request log shows it) and exits 0 after the session became ready', async () => {
    const sim = await fixtures.simulator({ emptyAccountsAnswers: 0 });
    const wait = fixtures.start(['--gateway', sim.url, 'wait', '--timeout', '60'], { configDir: fixtures.configDir() });
    const statusChecks = (): number[] => sim.requests.filter((r) => r.path === '/v1/api/iserver/auth/status').map((r) => r.at);
    // Three checks of a logged-out session, then the login.
    await until('three checks by wait', () => statusChecks().length >= 3, 20_000, 20);
    await sim.control.login();
    const readyAt = await until('the simulated session to be authenticated', async () => (await sim.control.state()).authenticated && Date.now(), 10_000, 10);
    const result = await wait.done;
    const exitedAt = Date.now();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ready: /);
    expect(exitedAt).toBeGreaterThanOrEqual(readyAt);
    const checks = statusChecks();
    const gaps = checks.slice(1).map((at, i) => at - (checks[i] ?? at));
    // At least a second apart (a hair of timer slack), and not the seed's 3 s.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(950);
    expect(Math.min(...gaps.slice(0, 2))).toBeLessThan(2_500);
    // No second of the wait carries more than one check's requests (auth/status and at most a tickle).
    for (const at of checks) expect(sim.requests.filter((r) => r.at >= at && r.at < at + 950 && r.path === '/v1/api/iserver/auth/status')).toHaveLength(1);
  }, 60_000);

  it.each([
    ['wait', ['wait', '--timeout', '3']],
    ['login --wait', ['login', '--no-browser', '--wait', '--timeout', '3']],
  ])('%s --timeout 3 ends at 3 s although every request hangs', async (_name, args) => {
    const sim = await fixtures.simulator();
    await sim.control.setUnreachable(true);
    const result = await fixtures.start(['--gateway', sim.url, ...args], { configDir: fixtures.configDir() }).done;
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toMatch(/^ibkr-tray: (timed out after 3 s waiting for the session|not logged in after 3 s)[:;] .*\n$/);
    // Measured from the spawn, which is before the process's own start: never earlier than 3 s.
    expect(result.ms).toBeGreaterThanOrEqual(3_000);
    // Today's main took 3 s plus the 5 s request timeout (or more); a loaded machine adds start-up and exit.
    expect(result.ms).toBeLessThan(5_000);
  }, 30_000);
});
