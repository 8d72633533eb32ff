/**
 * `npm run demo` simulates two accounts with aliases, so that a newcomer sees the account picker: the
 * demo's gateway folder started with the environment the demo gives it (test/sim/demo.ts, the module
 * scripts/demo.js imports), asked the way the app asks after a login.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PortfolioAccountsSchema } from '../../../src/main/core/gateway/schemas.js';
import { demoSimulatorEnv } from '../../sim/demo.js';
import { startGatewayFolder } from '../../sim/gateway-folder.js';
import { until } from '../../sim/until.js';
import { callJson } from './pinned-client.js';

describe('the demo', () => {
  it('scripts/demo.js gives its gateway the demo world', () => {
    const script = readFileSync('scripts/demo.js', 'utf8');
    expect(script).toMatch(/tsImport\('\.\.\/test\/sim\/demo\.ts'/);
    expect(script).toMatch(/\{ \.\.\.process\.env, \.\.\.demoSimulatorEnv\(\),/);
  });

  it("its simulated gateway offers two accounts, each with an alias of its own", async () => {
    const gw = await startGatewayFolder({ env: demoSimulatorEnv(), authDelayMs: 200 });
    try {
      await gw.control.login();
      await until('the simulated IBKR to be authenticated', async () => (await gw.control.state()).authenticated, 5000);
      const accounts = PortfolioAccountsSchema.parse((await callJson(gw, '/v1/api/portfolio/accounts')).json);
      const shown = accounts.map((a) => ({ id: a.id, alias: a.accountAlias ?? null }));
      expect(shown).toHaveLength(2);
      for (const account of shown) {
        expect(account.alias).toBeTruthy();
        expect(account.alias).not.toBe(account.id);
      }
      expect(new Set(shown.map((a) => a.alias)).size).toBe(2);
    } finally {
      await gw.stop();
    }
  }, 30_000);
});
