/**
 * What a command says must be what happened. A 429 met anywhere on the way is "rate limited", exit
 * 5, never a success (an empty account list with exit 0 was a lie), and the penalty holds the next
 * command back; `use` of the account already selected is a success. Each for every command that
 * talks to the gateway, generated from one table rather than picked by hand.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../integration/cli/command.js';
import { cliFixtures, logIn } from '../integration/cli/fixtures.js';

const fixtures = cliFixtures();

const ONE = [{ id: 'U1111111', alias: 'Main' }];
const TWO = [
  { id: 'U1111111', alias: 'Main' },
  { id: 'U2222222', alias: 'Hedge' },
];

async function readyGateway(accounts: typeof TWO) {
  const sim = await fixtures.simulator({ accounts, paper: false, emptyAccountsAnswers: 0 });
  await logIn(sim);
  return sim;
}

/** Each command that talks to the gateway, and the endpoint whose answer is IBKR's 429. */
const MEETS_429: ReadonlyArray<readonly [string, readonly string[], string]> = [
  ['accounts', ['accounts'], '/v1/api/iserver/accounts'],
  ['accounts', ['accounts'], '/v1/api/iserver/auth/status'],
  ['status', ['status'], '/v1/api/iserver/accounts'],
  ['status', ['status'], '/v1/api/iserver/auth/status'],
  ['use', ['use', 'U2222222'], '/v1/api/iserver/accounts'],
  ['use', ['use', 'U2222222'], '/v1/api/iserver/account'],
  ['tickle', ['tickle'], '/v1/api/tickle'],
  ['validate', ['validate'], '/v1/api/sso/validate'],
  ['logout', ['logout'], '/v1/api/logout'],
];

describe('a 429 is never reported as success', () => {
  it.each(MEETS_429)('%s meeting a 429 on %j… says "rate limited" in one line, exits 5, and the next command sends nothing', async (_name, args, endpoint) => {
    const sim = await readyGateway(TWO);
    const configDir = fixtures.configDir();
    await sim.control.penalizeOn(endpoint, 60_000);
    const result = await run(['--gateway', sim.url, ...args], { configDir });
    expect(sim.requests.some((r) => r.path === endpoint && r.status === 429)).toBe(true);
    expect(result.code, `${result.stdout}${result.stderr}`).toBe(5);
    const said = `${result.stdout}${result.stderr}`.trim();
    expect(said.split('\n')).toHaveLength(1);
    expect(said).toMatch(/rate limited/);
    expect(said).toMatch(/until \d\d:\d\d/);
    expect(said).not.toMatch(/no accounts|using account|\n\s+at /);

    // The penalty is in the record every process shares: the next command waits it out, sending nothing.
    const sent = sim.requests.length;
    const next = await run(['--gateway', sim.url, 'status'], { configDir });
    expect(next.code).toBe(5);
    expect(sim.requests.length).toBe(sent);
  }, 60_000);
});

describe('use of the account already selected', () => {
  it.each([
    ['the only account', ONE, 'U1111111'],
    ['one of two', TWO, 'U1111111'],
    ['one of two, in lower case', TWO, 'u1111111'],
  ])('%s: exit 0, "already using …" with the id masked, and no switch sent', async (_name, accounts, id) => {
    const sim = await readyGateway(accounts);
    const configDir = fixtures.configDir();
    const result = await run(['--gateway', sim.url, 'use', id], { configDir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('already using account Main (U…111)\n');
    expect(sim.requests.filter((r) => r.method === 'POST' && r.path === '/v1/api/iserver/account')).toEqual([]);
  }, 60_000);

  it('with two accounts, the other one is still switched to', async () => {
    const sim = await readyGateway(TWO);
    const result = await run(['--gateway', sim.url, 'use', 'U2222222'], { configDir: fixtures.configDir() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^using account Hedge \(U2222222\)/);
  }, 60_000);
});
