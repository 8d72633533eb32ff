/**
 * Issue 21: the first `status` after a login said `ready — https://localhost:5000`, and `--json` had
 * `"username": null`, while keepalive (which hears the socket's `system` frame) named user123. The
 * built command against the simulator: it prints the README's line, within IBKR's sso/validate pace.
 */
import { describe, expect, it } from 'vitest';
import { onlyJson, run } from './command.js';
import { cliFixtures, logIn } from './fixtures.js';

const fixtures = cliFixtures();
const SSO = '/v1/api/sso/validate';

describe('status after a login', () => {
  it('names the user, paper or live and the account, as the README shows, with one sso/validate a minute at most', async () => {
    const sim = await fixtures.simulator({ accounts: [{ id: 'DU1234567', alias: 'DU1234567' }], paper: true, emptyAccountsAnswers: 0 });
    await logIn(sim);
    const dir = fixtures.configDir();
    const status = (...more: string[]) => run(['--gateway', sim.url, '--timeout', '2', 'status', ...more], { configDir: dir });

    const first = await status();
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^ready: user123, paper, account DU1234567 — https:\/\/localhost:\d+\n$/);
    expect(sim.requests.filter((r) => r.path === SSO)).toHaveLength(1);

    // Within the minute: sso/validate is not asked again (IBKR allows it once a minute).
    const json = await status('--json');
    expect(json.code).toBe(0);
    expect(onlyJson(json)).toMatchObject({ state: 'ready', paper: true, selectedAccount: 'DU1234567' });
    expect(sim.requests.filter((r) => r.path === SSO)).toHaveLength(1);
    expect(sim.requests.filter((r) => r.status === 429)).toEqual([]);
  }, 60_000);

  it('--json carries the username the gateway knows', async () => {
    const sim = await fixtures.simulator({ accounts: [{ id: 'DU1234567', alias: 'DU1234567' }], paper: true, emptyAccountsAnswers: 0 });
    await logIn(sim);
    const json = await run(['--gateway', sim.url, '--timeout', '2', 'status', '--json'], { configDir: fixtures.configDir() });
    expect(json.code).toBe(0);
    expect(onlyJson(json)).toMatchObject({ state: 'ready', username: 'user123', paper: true, selectedAccount: 'DU1234567' });
  }, 60_000);
});
