/**
 * The five-command script a user wrote (`status; accounts; use X; accounts; status`, three times),
 * run as written: each command the real built `ibkr-tray`, a process of its own, back to back,
 * against the simulator with IBKR's pacing on. What is counted is what reached the gateway: the most
 * requests in any 1 s window (a sliding window over the simulator's request log) must stay within
 * IBKR's 10, and nothing may be answered 429. The bound is a max over windows, which the pacing
 * record must keep however loaded the machine is: slower commands only spread the requests out.
 */
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../sim/index.js';
import { busiestWindow } from '../sim/request-log.js';
import { run, type CommandResult } from '../integration/cli/command.js';
import { cliFixtures, logIn } from '../integration/cli/fixtures.js';

const fixtures = cliFixtures();

const ONE = [{ id: 'U1111111', alias: 'Main' }];
const TWO = [
  { id: 'U1111111', alias: 'Main' },
  { id: 'U2222222', alias: 'Hedge' },
];

/** `status; accounts; use X; accounts; status`, `times` times, each a new process; X cycles through `ids`. */
async function script(sim: Simulator, configDir: string, ids: readonly string[], times = 3): Promise<CommandResult[]> {
  const results: CommandResult[] = [];
  const cli = async (...args: string[]): Promise<void> => {
    results.push(await run(['--gateway', sim.url, ...args], { configDir }));
  };
  for (let i = 0; i < times; i++) {
    await cli('status');
    await cli('accounts');
    await cli('use', ids[(i + 1) % ids.length]!);
    await cli('accounts');
    await cli('status');
  }
  return results;
}

async function loggedInSimulator(accounts: typeof TWO): Promise<Simulator> {
  const sim = await fixtures.simulator({ accounts, paper: false, emptyAccountsAnswers: 0 });
  await logIn(sim);
  return sim;
}

function expectAllSucceeded(results: readonly CommandResult[]): void {
  for (const result of results) {
    expect(result.stderr, result.stdout).toBe('');
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).not.toMatch(/no accounts/);
  }
}

describe('the five-command script, three times, as separate processes', () => {
  it.each([
    ['one account', ONE],
    ['two accounts', TWO],
  ])('with %s: at most 10 requests in any second at the gateway, no 429, every command exit 0', async (_name, accounts) => {
    const sim = await loggedInSimulator(accounts);
    const from = sim.requests.length;
    const results = await script(sim, fixtures.configDir(), accounts.map((a) => a.id));
    const seen = sim.requests.slice(from);
    expect(seen.filter((r) => r.status === 429)).toEqual([]);
    expect(busiestWindow(seen)).toBeLessThanOrEqual(10);
    expectAllSucceeded(results);
  }, 120_000);

  it('two such scripts at once on one gateway: still at most 10 requests in any second, no 429', async () => {
    const sim = await loggedInSimulator(TWO);
    const configDir = fixtures.configDir();
    const from = sim.requests.length;
    const ids = TWO.map((a) => a.id);
    const [first, second] = await Promise.all([script(sim, configDir, ids), script(sim, configDir, [...ids].reverse())]);
    const seen = sim.requests.slice(from);
    expect(seen.filter((r) => r.status === 429)).toEqual([]);
    expect(busiestWindow(seen)).toBeLessThanOrEqual(10);
    // Two scripts switching accounts under each other: each command still ends as it says.
    for (const result of [...first!, ...second!]) {
      expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);
    }
  }, 180_000);

  it('30 statuses at once: each is ready or says in one line that pacing held it back, never a state it did not see', async () => {
    const sim = await loggedInSimulator(ONE);
    const configDir = fixtures.configDir();
    const from = sim.requests.length;
    const results = await Promise.all(Array.from({ length: 30 }, () => run(['--gateway', sim.url, 'status'], { configDir })));
    const seen = sim.requests.slice(from);
    expect(seen.filter((r) => r.status === 429)).toEqual([]);
    expect(busiestWindow(seen)).toBeLessThanOrEqual(10);
    for (const result of results) {
      if (result.code === 0) {
        expect(result.stdout).toMatch(/^ready/);
        continue;
      }
      // Our own pacing had no slot within the request timeout: nothing was sent, and it says so.
      expect(result.code, `${result.stdout}${result.stderr}`).toBe(5);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^ibkr-tray: Not sent: .*pacing limit.*\n$/);
    }
    expect(results.some((r) => r.code === 0)).toBe(true);
  }, 120_000);
});
