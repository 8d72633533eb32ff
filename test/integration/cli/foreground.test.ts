/**
 * The commands that stay in the foreground until Ctrl-C, against the in-process simulator:
 * keepalive (one line per change of state) and serve (the web dashboard).
 */
import { describe, expect, it } from 'vitest';
import { WebRoutes } from '../../../src/shared/routes.js';
import type { Simulator } from '../../sim/index.js';
import { until } from '../../sim/until.js';
import type { RunningCommand } from './command.js';
import { cliFixtures, logIn } from './fixtures.js';

const fixtures = cliFixtures();

async function loggedInSimulator(): Promise<Simulator> {
  const sim = await fixtures.simulator({ emptyAccountsAnswers: 0 });
  await logIn(sim);
  return sim;
}

function command(args: string[]): RunningCommand {
  return fixtures.start(args, { configDir: fixtures.configDir() });
}

describe('keepalive', () => {
  it('prints a line when the session changes (pushed over the WebSocket) and stops cleanly on Ctrl-C', async () => {
    const sim = await loggedInSimulator();
    const keepalive = command(['--gateway', sim.url, 'keepalive']);
    await keepalive.waitForOutput(/ ready: .* — https:\/\/localhost:\d+\n/);
    await sim.control.competeFromElsewhere();
    await keepalive.waitForOutput(/ competing session: .*\n/);
    // It never takes the session back by itself (gateway-facts §7).
    expect((await sim.control.state()).competing).toBe(true);
    const tickles = sim.requests.filter((r) => r.path === '/v1/api/tickle').length;
    expect(tickles).toBeGreaterThanOrEqual(1);
    keepalive.signal('SIGINT');
    const result = await keepalive.done;
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('stopped');
    expect(result.stderr).toBe('');
  });

  it('with --json writes one document to stdout at the end and the changes as JSON lines to stderr', async () => {
    const sim = await loggedInSimulator();
    const keepalive = command(['--gateway', sim.url, '--json', 'keepalive']);
    await keepalive.waitForOutput(/"state": ?"ready"/, 10_000, 'stderr');
    keepalive.signal('SIGTERM');
    const result = await keepalive.done;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, stoppedGateway: false, last: { gatewayUrl: sim.url } });
  });
});

describe('serve', () => {
  it('serves the dashboard with its snapshot until Ctrl-C', async () => {
    const sim = await loggedInSimulator();
    const serve = command(['--gateway', sim.url, 'serve', '--port', '0']);
    const [, url] = (await serve.waitForOutput(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\S*)\n/)) as unknown as [string, string];
    const token = new URL(url).searchParams.get('token');
    expect(token).toBeTruthy();
    // The printed address exchanges its token for a cookie; the page itself then loads.
    const visit = await fetch(url, { redirect: 'manual' });
    expect(visit.status).toBeLessThan(400);
    const page = await fetch(new URL('/', url), { headers: { authorization: `Bearer ${token}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const snapshotUrl = new URL(WebRoutes.getSnapshot.path, url);
    const readState = async (): Promise<unknown> => ((await (await fetch(snapshotUrl, { headers: { authorization: `Bearer ${token}` } })).json()) as { state?: unknown }).state;
    await until('the dashboard snapshot to be ready', async () => (await readState()) === 'ready', 10_000, 100);
    serve.signal('SIGINT');
    const result = await serve.done;
    expect(result.code).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('says in one line (1) when the port is taken', async () => {
    const sim = await loggedInSimulator();
    const result = await command(['--gateway', sim.url, 'serve', '--port', String(sim.port)]).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ibkr-tray: Port \d+ on 127\.0\.0\.1 is already in use: choose another with --port\.\n$/);
  });
});
