/**
 * The real `ibkr-tray` (a child process) against the in-process gateway simulator: every session
 * command, its output and its exit code, and the failures scripts must be able to tell apart:
 * a gateway that is down, one that hangs, a 429, a changed certificate, an unknown account.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PacingRecord } from '../../../src/main/cli/pacing-record.js';
import type { Simulator } from '../../sim/index.js';
import { onlyJson, readSettings, ROOT, run, writeSettings } from './command.js';
import { cliFixtures, logIn as loggedIn } from './fixtures.js';
import { busiestWindow } from '../../sim/request-log.js';

const fixtures = cliFixtures();
const simulator = fixtures.simulator;
const configDir = fixtures.configDir;
const start = fixtures.start;

/** Run against `sim` with the given settings folder and short timeouts. */
function cli(sim: { url: string }, configDir: string, ...args: string[]) {
  return run(['--gateway', sim.url, '--timeout', '2', ...args], { configDir });
}

function requestsTo(sim: Simulator, suffix: string): number {
  return sim.requests.filter((r) => r.path.endsWith(suffix)).length;
}

describe('status', () => {
  it('says "login required" in one line and exits 2 before anyone logged in', async () => {
    const sim = await simulator();
    const result = await cli(sim, configDir(), 'status');
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^login required: .* — https:\/\/localhost:\d+\n$/);
    expect(result.stderr).toBe('');
  });

  it('is ready (exit 0) after a login, and --json carries the whole snapshot as the only stdout', async () => {
    const sim = await simulator({ accounts: [{ id: 'U1111111', alias: 'Main' }, { id: 'U2222222', alias: 'Hedge' }], paper: false, emptyAccountsAnswers: 0 });
    await loggedIn(sim);
    const dir = configDir();
    const json = await cli(sim, dir, 'status', '--json');
    expect(json.code).toBe(0);
    const doc = onlyJson(json);
    expect(doc).toMatchObject({ state: 'ready', authenticated: true, connected: true, competing: false, paper: false, gatewayUrl: sim.url });
    for (const key of ['reason', 'accounts', 'selectedAccount', 'username', 'lastTickleAt', 'ssoExpiresAt']) expect(doc).toHaveProperty(key);
    expect(typeof doc['lastTickleAt']).toBe('number');
    // Right after another check it answers from auth/status alone, and still names the account.
    const plain = await cli(sim, dir, 'status');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^ready: live, account Main \(U1111111\) — https:\/\/localhost:\d+\n$/);
  });

  it('right after another process tickled, answers from auth/status without a tickle, and still lists the accounts', async () => {
    const sim = await simulator({ accounts: [{ id: 'U1111111', alias: 'Main' }], paper: false, emptyAccountsAnswers: 0 });
    await loggedIn(sim);
    const dir = configDir();
    // Another ibkr-tray process's tickle, recorded by the product's own record and still on its way
    // (held for a minute, by this live process), however slowly this machine starts the next process.
    // (A record dated ahead of the clock is dropped as impossible, so "in flight" is the honest way.)
    const other = new PacingRecord(dir);
    expect('ticket' in other.reserve(sim.url, '/v1/api/tickle', 60_000)).toBe(true);
    const sent = sim.requests.length;
    const result = await cli(sim, dir, 'status', '--json');
    expect(result.code).toBe(0);
    expect(onlyJson(result)).toMatchObject({ state: 'ready', accounts: [{ id: 'U1111111', alias: 'Main' }], paper: false, lastTickleAt: null });
    const paths = sim.requests.slice(sent).map((r) => r.path);
    expect(paths.filter((p) => p.endsWith('/auth/status'))).toHaveLength(1);
    expect(paths.filter((p) => p.endsWith('/tickle'))).toHaveLength(0);
  });

  it('exits 3 at once when nothing listens: one line saying the gateway is stopped, no stack', async () => {
    const sim = await simulator();
    const url = sim.url;
    await sim.stop();
    fixtures.forget(sim);
    const result = await cli({ url }, configDir(), 'status');
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^gateway stopped: The gateway at https:\/\/localhost:\d+ is not running/);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toBe('');
  });

  it('exits 3 within its timeouts when the gateway hangs (IBKR unreachable)', async () => {
    const sim = await simulator();
    await sim.control.setUnreachable(true);
    const result = await run(['--gateway', sim.url, '--timeout', '0.5', 'status', '--json'], { configDir: configDir() });
    expect(result.code).toBe(3);
    expect(result.ms).toBeLessThan(6_000);
    expect(onlyJson(result)).toMatchObject({ state: 'not-responding' });
  });

  it('exits 5 on a 429, and the next command sends nothing until the penalty is over', async () => {
    const sim = await simulator();
    await loggedIn(sim);
    await sim.control.penalize(60_000);
    const dir = configDir();
    const first = await cli(sim, dir, 'status');
    expect(first.code).toBe(5);
    expect(first.stdout).toMatch(/^rate limited/);
    const sent = sim.requests.length;
    const second = await cli(sim, dir, 'tickle');
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(/sends nothing until/);
    expect(sim.requests.length).toBe(sent);
  });

  it('paces itself across processes: two checks in a row never tickle twice within a second', async () => {
    const sim = await simulator();
    await loggedIn(sim);
    const dir = configDir();
    for (let i = 0; i < 3; i++) expect((await cli(sim, dir, 'status')).code).toBe(0);
    const tickles = sim.requests.filter((r) => r.path === '/v1/api/tickle').map((r) => r.at);
    // The first tickles; a later one tickles only if a second has passed (else auth/status answers).
    expect(tickles.length).toBeGreaterThanOrEqual(1);
    expect(requestsTo(sim, '/auth/status')).toBe(3);
    for (let i = 1; i < tickles.length; i++) expect(tickles[i]! - tickles[i - 1]!).toBeGreaterThanOrEqual(1_000);
    expect(sim.requests.every((r) => r.status !== 429)).toBe(true);
  });
});

describe('status back to back', () => {
  const accounts = [
    { id: 'U1111111', alias: 'Main' },
    { id: 'U2222222', alias: 'Hedge' },
  ];

  /** The most requests the simulator saw in any 1.2 s (IBKR's second plus the pacer's margin). */
  // Forwarded requests only, in IBKR's 1 s plus the pacer's margin.
  const busiest = (records: Parameters<typeof busiestWindow>[0]): number => busiestWindow(records, 1_200);

  it('10 statuses back to back send at most 10 requests in any 1.2 s and no 429; each names the account', async () => {
    const sim = await simulator({ accounts, paper: false, emptyAccountsAnswers: 0 });
    await loggedIn(sim);
    const dir = configDir();
    const from = sim.requests.length;
    const lines: string[] = [];
    for (let i = 0; i < 10; i++) {
      const result = await cli(sim, dir, 'status');
      expect(result.code).toBe(0);
      lines.push(result.stdout);
    }
    const sent = sim.requests.slice(from);
    for (const line of lines) expect(line).toMatch(/^ready: live, account Main \(U1111111\) — https:\/\/localhost:\d+\n$/);
    // sso/validate (1/min) is never a one-shot command's: a running tray app may just have asked it.
    expect(sent.filter((r) => r.path === '/v1/api/sso/validate')).toEqual([]);
    expect(sent.filter((r) => r.status === 429)).toEqual([]);
    expect(busiest(sent)).toBeLessThanOrEqual(10);
    expect(sent.filter((r) => r.path === '/v1/api/iserver/auth/status')).toHaveLength(10);
  });

  it('use right after a status still reads /iserver/accounts before the switch, and the next status shows the new account', async () => {
    const sim = await simulator({ accounts, paper: false, emptyAccountsAnswers: 0 });
    await loggedIn(sim);
    const dir = configDir();
    expect((await cli(sim, dir, 'status')).stdout).toMatch(/account Main \(U1111111\)/);
    const from = sim.requests.length;
    expect((await cli(sim, dir, 'use', 'U2222222')).code).toBe(0);
    const calls = sim.requests.slice(from).map((r) => `${r.method} ${r.path}`);
    const switched = calls.indexOf('POST /v1/api/iserver/account');
    expect(switched).toBeGreaterThan(0);
    expect(calls.slice(0, switched)).toContain('GET /v1/api/iserver/accounts');
    expect((await cli(sim, dir, 'status')).stdout).toMatch(/^ready: live, account Hedge \(U2222222\) — /);
  });
});

describe('a changed certificate', () => {
  const pinnedFingerprint = new X509Certificate(readFileSync(path.join(ROOT, 'test', 'sim', 'certs', 'gateway.cert.pem'))).fingerprint256;

  it('exits 6 naming both fingerprints; `trust` pins the new one; then the session is reachable again', async () => {
    const sim = await simulator({ certificate: 'other' });
    expect(sim.fingerprint256).not.toBe(pinnedFingerprint);
    const dir = configDir();
    writeSettings(dir, { pins: { [`https://localhost:${sim.port}`]: pinnedFingerprint } });

    const refused = await cli(sim, dir, 'status');
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain(pinnedFingerprint);
    expect(refused.stderr).toContain(sim.fingerprint256);
    expect(refused.stderr).toMatch(/ibkr-tray trust/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    // Refused before any request byte: the simulator saw nothing.
    expect(sim.requests).toHaveLength(0);

    const json = await cli(sim, dir, '--json', 'accounts');
    expect(json.code).toBe(6);
    expect(onlyJson(json)).toMatchObject({ ok: false, exitCode: 6, error: { kind: 'certificate-changed' } });

    const trusted = await cli(sim, dir, 'trust');
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toContain(`old: ${pinnedFingerprint}`);
    expect(trusted.stdout).toContain(`new: ${sim.fingerprint256}`);

    const after = await cli(sim, dir, 'status');
    expect(after.code).toBe(2);
    expect(after.stdout).toMatch(/^login required/);
  });

  it('trust on an already trusted gateway changes nothing (exit 0)', async () => {
    const sim = await simulator();
    const dir = configDir();
    expect((await cli(sim, dir, 'status')).code).toBe(2);
    const result = await cli(sim, dir, '--json', 'trust');
    expect(result.code).toBe(0);
    expect(onlyJson(result)).toMatchObject({ changed: false, fingerprint: sim.fingerprint256, previousFingerprint: sim.fingerprint256 });
  });
});

describe('login and wait', () => {
  it('login --no-browser prints the login page URL and exits 0; wait then sees the login through', async () => {
    const sim = await simulator();
    const dir = configDir();
    const login = await cli(sim, dir, 'login', '--no-browser');
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Log in at ${sim.url}/`);

    const waiting = start(['--gateway', sim.url, 'wait', '--timeout', '15', '--interval', '0.2'], { configDir: dir });
    await loggedIn(sim);
    const result = await waiting.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ready/);
    // Not a terminal: no progress line, nothing extra.
    expect(result.stderr).toBe('');
  });

  it('login without --no-browser prints the URL when no browser opener exists', async () => {
    const sim = await simulator();
    const result = await run(['--gateway', sim.url, 'login'], { configDir: configDir(), env: { PATH: '/nonexistent' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Log in at ${sim.url}/`);
  });

  it('login --wait waits for the login (waitForLogin) and exits 0', async () => {
    const sim = await simulator();
    const command = start(['--gateway', sim.url, 'login', '--no-browser', '--wait', '--timeout', '15', '--interval', '0.2'], { configDir: configDir() });
    await command.waitForOutput(/Log in at/);
    await loggedIn(sim);
    const result = await command.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/logged in/);
  });

  it('login --wait gives up with 4 after its timeout', async () => {
    const sim = await simulator();
    const result = await cli(sim, configDir(), 'login', '--no-browser', '--wait', '--timeout', '1', '--interval', '0.2');
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^ibkr-tray: not logged in after/);
  });

  it('login when already logged in says so', async () => {
    const sim = await simulator();
    await loggedIn(sim);
    const result = await cli(sim, configDir(), 'login', '--no-browser');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^logged in/);
  });

  it('wait gives up with 4 after --timeout, with one line and nothing on stdout', async () => {
    const sim = await simulator();
    // The timeout counts from the process's start: long enough for a loaded machine's start-up and a check.
    const result = await cli(sim, configDir(), 'wait', '--timeout', '4', '--interval', '0.2');
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ibkr-tray: timed out after 4 s waiting for the session; last state: login required/);
  });

  it('wait keeps waiting through a gateway that hangs, and still ends at its timeout', async () => {
    const sim = await simulator();
    await sim.control.setUnreachable(true);
    const result = await run(['--gateway', sim.url, '--timeout', '0.3', 'wait', '--timeout', '1', '--interval', '0.2'], { configDir: configDir() });
    expect(result.code).toBe(4);
    expect(result.ms).toBeLessThan(8_000);
  });
});

describe('accounts and use', () => {
  const accounts = [
    { id: 'U1111111', alias: 'Main' },
    { id: 'U2222222', alias: 'Hedge' },
  ];

  it('lists the accounts with aliases, the selected one marked, and switches with use', async () => {
    const sim = await simulator({ accounts, emptyAccountsAnswers: 0 });
    await loggedIn(sim);
    const dir = configDir();
    const listed = await cli(sim, dir, 'accounts');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe('* Main (U1111111)\n  Hedge (U2222222)\n');

    const used = await cli(sim, dir, 'use', 'U2222222');
    expect(used.code).toBe(0);
    expect(used.stdout).toBe('using account Hedge (U2222222)\n');
    expect((await sim.control.state()).selectedAccount).toBe('U2222222');
    // Remembered, so the tray app re-applies this account after the next login.
    expect(readSettings(dir)).toMatchObject({ account: 'U2222222' });

    const json = await cli(sim, dir, '--json', 'accounts');
    expect(onlyJson(json)).toEqual({ accounts: [{ id: 'U1111111', alias: 'Main' }, { id: 'U2222222', alias: 'Hedge' }], selectedAccount: 'U2222222' });
  });

  it('refuses an unknown account with 1, naming the valid ones, and sends no switch', async () => {
    const sim = await simulator({ accounts, emptyAccountsAnswers: 0 });
    await loggedIn(sim);
    const result = await cli(sim, configDir(), 'use', 'U9999999');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('ibkr-tray: unknown account "U9999999": this login has Main (U1111111), Hedge (U2222222)\n');
    expect(sim.requests.some((r) => r.path === '/v1/api/iserver/account')).toBe(false);
  });

  it('refuses an empty account with 1 before connecting', async () => {
    const sim = await simulator();
    const result = await cli(sim, configDir(), '--json', 'use', '');
    expect(result.code).toBe(1);
    expect(onlyJson(result)).toMatchObject({ ok: false, exitCode: 1, error: { kind: 'usage' } });
    expect(sim.requests).toHaveLength(0);
  });

  it('says why there are no accounts when not logged in (2)', async () => {
    const sim = await simulator();
    const result = await cli(sim, configDir(), 'accounts');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ibkr-tray: not ready \(login required\)/);
  });
});

describe('single calls', () => {
  it('tickle keeps the session alive and never prints the session token', async () => {
    const sim = await simulator();
    await loggedIn(sim);
    const result = await cli(sim, configDir(), '--json', 'tickle');
    expect(result.code).toBe(0);
    const doc = onlyJson(result);
    expect(doc).toMatchObject({ ok: true, authenticated: true });
    const token = (await sim.control.state()).session;
    expect(token).toMatch(/^[0-9a-f]{32}$/i);
    expect(result.stdout + result.stderr).not.toContain(token!);
  });

  it('validate checks the SSO session, and a second one within a minute is refused without sending (5)', async () => {
    const sim = await simulator();
    await loggedIn(sim);
    const dir = configDir();
    const first = await cli(sim, dir, 'validate');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('SSO session valid: user123, paper\n');
    const second = await cli(sim, dir, 'validate');
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(/once a minute/);
    expect(requestsTo(sim, '/sso/validate')).toBe(1);
  });

  it('tickle and validate exit 2 when nobody is logged in', async () => {
    const sim = await simulator();
    const dir = configDir();
    expect((await cli(sim, dir, 'tickle')).code).toBe(2);
    expect((await cli(sim, dir, 'validate')).code).toBe(2);
  });

  it('reauth: 2 before a login ("not logged in"), 0 after', async () => {
    const sim = await simulator();
    const dir = configDir();
    const before = await cli(sim, dir, 'reauth');
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(/not logged in/);
    await loggedIn(sim);
    const after = await cli(sim, dir, 'reauth');
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/^reauthentication triggered/);
  });

  it('logout ends the session and is remembered: status then says login required, not "starting"', async () => {
    const sim = await simulator();
    await loggedIn(sim);
    const dir = configDir();
    const result = await cli(sim, dir, 'logout');
    expect(result).toMatchObject({ code: 0, stdout: 'logged out\n' });
    expect((await sim.control.state()).authenticated).toBe(false);
    // The SSO session outlives a logout; without the remembered intent the engine would restart the
    // brokerage session by itself.
    expect(readSettings(dir)).toMatchObject({ userIntent: 'logged-out' });
    const status = await cli(sim, dir, 'status');
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/^login required: /);
    expect(sim.requests.some((r) => r.path === '/v1/api/iserver/auth/ssodh/init')).toBe(false);
    const again = await cli(sim, dir, 'logout');
    expect(again).toMatchObject({ code: 0, stdout: 'already logged out\n' });
    // Logging in again (the SSO session is still there: ssodh/init brings the brokerage session back)
    // ends the remembered "logged out", in the settings too.
    const login = await cli(sim, dir, 'login', '--no-browser', '--wait', '--timeout', '15', '--interval', '0.2');
    expect(login.code).toBe(0);
    expect(readSettings(dir)).toMatchObject({ userIntent: null });
  });

  it('takeover takes a competing session back (only when asked)', async () => {
    const sim = await simulator();
    await loggedIn(sim);
    await sim.control.competeFromElsewhere();
    const dir = configDir();
    const competing = await cli(sim, dir, 'status');
    expect(competing.code).toBe(2);
    expect(competing.stdout).toMatch(/^competing session/);
    const result = await cli(sim, dir, 'takeover');
    expect(result.code).toBe(0);
    expect((await sim.control.state()).competing).toBe(false);
    expect((await cli(sim, dir, 'status')).code).toBe(0);
  });

  it('takeover is refused (2) when no other platform holds the session', async () => {
    const sim = await simulator();
    await loggedIn(sim);
    const result = await cli(sim, configDir(), 'takeover');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ibkr-tray: cannot take over/);
  });
});

describe('usage', () => {
  it('an unknown command or option exits 1 with a one-line reason', async () => {
    const dir = configDir();
    const unknown = await run(['frobnicate'], { configDir: dir });
    expect(unknown).toMatchObject({ code: 1, stdout: '', stderr: 'ibkr-tray: unknown command "frobnicate": run `ibkr-tray help` for the list\n' });
    const option = await run(['status', '--colour'], { configDir: dir });
    expect(option.code).toBe(1);
    expect(option.stderr).toBe('ibkr-tray: unknown option --colour: run `ibkr-tray help`\n');
  });

  it('help prints the usage and exits 0', async () => {
    const result = await run(['--help'], { configDir: configDir() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: ibkr-tray/);
  });
});
