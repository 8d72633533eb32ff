import { describe, expect, it } from 'vitest';
import type { CliBackend } from '../../../../src/main/cli/backend.js';
import { runCli } from '../../../../src/main/cli/run.js';
import { GatewayError } from '../../../../src/main/core/errors.js';
import { snapshotOf } from '../../../fixtures/snapshots.js';
import { fakeBackend } from './fake-backend.js';

function capture(isTTY = false) {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (text: string) => (chunks.push(text), true), text: () => chunks.join('') };
}

async function run(argv: string[], backend: CliBackend, options: { stop?: AbortSignal; tty?: boolean } = {}) {
  const stdout = capture(options.tty);
  const stderr = capture(options.tty);
  const code = await runCli({
    argv,
    env: {},
    stdout,
    stderr,
    stop: options.stop ?? new AbortController().signal,
    connect: () => Promise.resolve(backend),
    openBrowser: () => Promise.resolve(false),
    version: '0.0.0-test',
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('runCli with a scripted backend', () => {
  it('status prints one line and exits 0 when ready', async () => {
    const backend = fakeBackend([snapshotOf('ready')]);
    const result = await run(['status'], backend);
    expect(result).toEqual({ code: 0, stdout: 'ready: user123, paper, account Paper main (DU1234567) — https://localhost:5000\n', stderr: '' });
    expect(backend.disposed).toBe(1);
  });

  it('a ready session whose details are not known yet is just "ready", not "ready: Ready…"', async () => {
    const bare = snapshotOf('ready', { username: null, paper: null, selectedAccount: null, reason: 'Ready: logged in.' });
    const result = await run(['status'], fakeBackend([bare]));
    expect(result.stdout).toBe('ready — https://localhost:5000\n');
  });

  it('status --json prints the snapshot with gatewayUrl as the only stdout', async () => {
    const snapshot = snapshotOf('login-required');
    const result = await run(['status', '--json'], fakeBackend([snapshot]));
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ ...snapshot, gatewayUrl: 'https://localhost:5000' });
  });

  it('a changed certificate exits 6 with one line and no stack; --json still gives one document', async () => {
    const error = new GatewayError('certificate-changed', 'The gateway presented a different certificate; trust it with `ibkr-tray trust`.');
    const plain = await run(['status'], fakeBackend([error]));
    expect(plain.code).toBe(6);
    expect(plain.stderr).toBe('ibkr-tray: The gateway presented a different certificate; trust it with `ibkr-tray trust`.\n');
    const json = await run(['--json', 'status'], fakeBackend([error]));
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, exitCode: 6, error: { kind: 'certificate-changed' } });
  });

  it('--verbose adds the stack of an expected failure', async () => {
    const result = await run(['--verbose', 'status'], fakeBackend([new GatewayError('unreachable', 'not running')]));
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/at .*\n/);
  });

  it('wait checks until ready and exits 0', async () => {
    const backend = fakeBackend([snapshotOf('login-required'), new GatewayError('not-responding', 'hangs'), snapshotOf('ready')]);
    const result = await run(['wait', '--interval', '0.05', '--timeout', '5'], backend);
    expect(result.code).toBe(0);
    expect(backend.checks).toBe(3);
    expect(result.stdout).toMatch(/^ready/);
  });

  it('wait gives up with 4 after its timeout, naming the last state', async () => {
    const result = await run(['wait', '--interval', '0.05', '--timeout', '0.2'], fakeBackend([snapshotOf('competing')]));
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/timed out after 0.2 s waiting for the session; last state: competing session/);
  });

  it('wait stops at once on a 429 (5) rather than waiting it out', async () => {
    const backend = fakeBackend([new GatewayError('rate-limited', 'IBKR rate-limited this gateway')]);
    const result = await run(['wait', '--interval', '0.05', '--timeout', '5'], backend);
    expect(result.code).toBe(5);
    expect(backend.checks).toBe(1);
  });

  it('wait waits on when our own pacing had no slot for a check (nothing sent), and ends ready', async () => {
    const notSent = new GatewayError('rate-limited', "Not sent: waited 5000 ms for IBKR's pacing limit", { notSent: true });
    const backend = fakeBackend([notSent, snapshotOf('ready')]);
    const result = await run(['wait', '--interval', '0.05', '--timeout', '5'], backend);
    expect(result.code).toBe(0);
    expect(backend.checks).toBe(2);
  });

  it('wait shows progress on a terminal only', async () => {
    const states = [snapshotOf('login-required'), snapshotOf('ready')];
    const onTty = await run(['wait', '--interval', '0.05'], fakeBackend(states), { tty: true });
    expect(onTty.stderr).toMatch(/\r\[0:00\] waiting for the session: login required/);
    const piped = await run(['wait', '--interval', '0.05'], fakeBackend(states));
    expect(piped.stderr).toBe('');
  });

  it('Ctrl-C during a wait ends it with 130', async () => {
    const stop = new AbortController();
    const backend = fakeBackend([snapshotOf('login-required')]);
    const check = backend.check.bind(backend);
    // The user presses Ctrl-C once the wait has begun (its first check), not after some sleep.
    backend.check = () => {
      const answer = check();
      stop.abort();
      return answer;
    };
    const result = await run(['wait', '--interval', '0.05', '--timeout', '30'], backend, { stop: stop.signal });
    expect(result.code).toBe(130);
  });

  it('logout prints "logged out" for a confirmed logout, whatever words the engine chose', async () => {
    const backend = fakeBackend([snapshotOf('ready')], {}, { 'log-out': { ok: true, message: 'You are now logged out.' } });
    const result = await run(['logout'], backend);
    expect(result).toEqual({ code: 0, stdout: 'logged out\n', stderr: '' });
    expect(backend.dispatched).toEqual([{ type: 'log-out' }]);
  });

  it('logout says so when the gateway did not confirm, and --json carries confirmed:false', async () => {
    const unconfirmed = { ok: true, outcome: 'unconfirmed', message: 'Logged out here; the gateway did not confirm (timed out).' } as const;
    const plain = await run(['logout'], fakeBackend([snapshotOf('ready')], {}, { 'log-out': unconfirmed }));
    expect(plain).toEqual({ code: 0, stdout: `${unconfirmed.message}\n`, stderr: '' });
    const json = await run(['--json', 'logout'], fakeBackend([snapshotOf('ready')], {}, { 'log-out': unconfirmed }));
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, confirmed: false, message: unconfirmed.message });
  });

  it('accounts marks the selected one', async () => {
    const result = await run(['accounts'], fakeBackend([snapshotOf('ready')]));
    expect(result).toMatchObject({ code: 0, stdout: '* Paper main (DU1234567)\n  DU7654321\n' });
  });

  it('use switches to a known account (any case)', async () => {
    const backend = fakeBackend([snapshotOf('ready')]);
    const result = await run(['use', 'du7654321'], backend);
    expect(result.code).toBe(0);
    expect(backend.selected).toEqual(['DU7654321']);
  });

  it('use refuses an unknown account with 1, listing the valid ones, and sends nothing', async () => {
    const backend = fakeBackend([snapshotOf('ready')]);
    const result = await run(['use', 'U9999999'], backend);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('ibkr-tray: unknown account "U9999999": this login has Paper main (DU1234567), DU7654321\n');
    expect(backend.selected).toEqual([]);
  });

  it('use and accounts say why when the session is not ready (2)', async () => {
    const result = await run(['use', 'DU1234567'], fakeBackend([snapshotOf('login-required')]));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ibkr-tray: not ready \(login required\)/);
  });

  it('a one-shot command that hangs ends at its overall deadline with 3', async () => {
    const backend = fakeBackend([snapshotOf('ready')]);
    backend.check = () => new Promise(() => undefined);
    const started = Date.now();
    const result = await run(['--timeout', '0.1', 'status'], backend);
    expect(result.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a bug is reported as unexpected, with its stack, exit 1', async () => {
    const result = await run(['status'], fakeBackend([new TypeError('cannot read x of undefined')]));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ibkr-tray: unexpected error: cannot read x of undefined\nTypeError/);
  });

  it('usage errors exit 1 and never connect', async () => {
    let connected = false;
    const stdout = capture();
    const stderr = capture();
    const code = await runCli({
      argv: ['--json', 'use', ''],
      env: {},
      stdout,
      stderr,
      stop: new AbortController().signal,
      connect: () => {
        connected = true;
        return Promise.reject(new Error('should not connect'));
      },
      openBrowser: () => Promise.resolve(false),
      version: 'x',
    });
    expect(code).toBe(1);
    expect(connected).toBe(false);
    expect(JSON.parse(stdout.text())).toMatchObject({ ok: false, exitCode: 1, error: { kind: 'usage', message: 'use: the account id is empty' } });
  });

  it('help lists every command and the exit codes', async () => {
    const result = await run(['help'], fakeBackend([]));
    for (const word of ['status', 'login', 'wait', 'accounts', 'use ACCOUNT', 'logout', 'tickle', 'validate', 'reauth', 'takeover', 'gateway start', 'keepalive', 'trust', 'serve', 'Exit codes']) {
      expect(result.stdout).toContain(word);
    }
  });
});
