/**
 * A one-shot `status` never asks sso/validate (IBKR allows it once a minute): a tray app that runs
 * asks it when a session becomes ready and keeps no shared record of it, so a status right after a
 * login would make two. So the first status after a login names no user (auth/status, tickle and
 * the account list never do); keepalive and the tray learn it from the socket's `system` frame.
 */
import { describe, expect, it } from 'vitest';
import { onlyJson, run } from './command.js';
import { cliFixtures, logIn } from './fixtures.js';

const fixtures = cliFixtures();
const SSO = '/v1/api/sso/validate';

describe('status after a login', () => {
  it('says ready with the mode and the account, and sends no sso/validate', async () => {
    const sim = await fixtures.simulator({ accounts: [{ id: 'DU1234567', alias: 'DU1234567' }], paper: true, emptyAccountsAnswers: 0 });
    await logIn(sim);
    const dir = fixtures.configDir();
    const status = (...more: string[]) => run(['--gateway', sim.url, '--timeout', '2', 'status', ...more], { configDir: dir });
    const from = sim.requests.length;

    const first = await status();
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^ready: paper, account DU1234567 — https:\/\/localhost:\d+\n$/);

    const json = await status('--json');
    expect(json.code).toBe(0);
    expect(onlyJson(json)).toMatchObject({ state: 'ready', paper: true, selectedAccount: 'DU1234567' });
    expect(sim.requests.slice(from).filter((r) => r.path === SSO)).toEqual([]);
    expect(sim.requests.filter((r) => r.status === 429)).toEqual([]);
  }, 60_000);
});
