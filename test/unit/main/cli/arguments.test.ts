import { describe, expect, it } from 'vitest';
import { Defaults, parseCommandLine } from '../../../../src/main/cli/arguments.js';

function parse(...argv: string[]) {
  return parseCommandLine(argv, {});
}

describe('parseCommandLine', () => {
  it('reads the global options before or after the command', () => {
    const result = parse('--gateway', 'https://localhost:5001', 'status', '--json', '--dir', '/opt/gw', '--config-dir', '/tmp/c', '--timeout', '2', '-v');
    expect(result).toEqual({
      ok: true,
      invocation: {
        global: { gatewayUrl: 'https://localhost:5001', gatewayFolder: '/opt/gw', configDir: '/tmp/c', json: true, requestTimeoutMs: 2000, verbose: true },
        command: { name: 'status' },
      },
    });
  });

  it('takes the settings folder from IBKR_TRAY_CONFIG_DIR unless --config-dir says otherwise', () => {
    const fromEnv = parseCommandLine(['status'], { IBKR_TRAY_CONFIG_DIR: '/env/dir' });
    const fromFlag = parseCommandLine(['--config-dir', '/flag', 'status'], { IBKR_TRAY_CONFIG_DIR: '/env/dir' });
    expect(fromEnv.ok && fromEnv.invocation.global.configDir).toBe('/env/dir');
    expect(fromFlag.ok && fromFlag.invocation.global.configDir).toBe('/flag');
  });

  it('reads --timeout after wait and login --wait as the wait, before the command as per request', () => {
    const result = parse('--timeout', '1.5', 'wait', '--timeout', '30', '--interval', '0.5');
    expect(result.ok && result.invocation).toMatchObject({ global: { requestTimeoutMs: 1500 }, command: { name: 'wait', timeoutMs: 30_000, intervalMs: 500 } });
    const login = parse('login', '--wait', '--timeout', '20', '--no-browser');
    expect(login.ok && login.invocation).toMatchObject({ global: { requestTimeoutMs: Defaults.requestTimeoutMs }, command: { name: 'login', wait: true, timeoutMs: 20_000, openBrowser: false } });
  });

  it('defaults the waits to 300 s (the seed API), checking every second', () => {
    const result = parse('login', '--wait');
    expect(result.ok && result.invocation.command).toEqual({ name: 'login', wait: true, timeoutMs: 300_000, intervalMs: 1_000, openBrowser: true });
    expect(parse('wait').ok && (parse('wait') as { invocation: { command: unknown } }).invocation.command).toEqual({ name: 'wait', timeoutMs: 300_000, intervalMs: 1_000 });
  });

  it('reads --timeout after other commands as the per-request timeout', () => {
    const result = parse('status', '--timeout', '3');
    expect(result.ok && result.invocation.global.requestTimeoutMs).toBe(3000);
  });

  it.each([
    [['use', 'DU1234567'], { name: 'use', accountId: 'DU1234567' }],
    [['gateway', 'logs', '--follow'], { name: 'gateway', action: 'logs', follow: true }],
    [['gateway', 'start'], { name: 'gateway', action: 'start', follow: false }],
    [['serve', '--host', '0.0.0.0', '--port', '8080'], { name: 'serve', host: '0.0.0.0', port: 8080, notify: null }],
    [['serve'], { name: 'serve', host: '127.0.0.1', port: Defaults.servePort, notify: null }],
    [[], { name: 'help', topic: null }],
    [['status', '--help'], { name: 'help', topic: 'status' }],
    [['--version'], { name: 'version' }],
  ])('%j → %j', (argv, command) => {
    const result = parse(...argv);
    expect(result.ok && result.invocation.command).toEqual(command);
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['--bogus', 'status'], /unknown option --bogus/],
    [['status', '--gateway'], /--gateway needs a value/],
    [['status', '--wait'], /status has no option --wait/],
    [['status', 'extra'], /unexpected argument "extra"/],
    [['--version', 'extra'], /unexpected argument "extra" after --version/],
    [['status', '--version'], /--version takes no command/],
    [['use'], /which account/],
    [['use', ''], /use: the account id is empty/],
    [['use', '   '], /use: the account id is empty/],
    [['use', 'U1; rm -rf /'], /only letters and digits/],
    [['gateway'], /start, stop, status or logs/],
    [['gateway', 'restart'], /unknown action "restart"/],
    [['gateway', 'status', '--follow'], /--follow goes with `gateway logs` only/],
    [['--timeout', '0', 'status'], /--timeout wants a positive number of seconds/],
    [['--timeout', 'soon', 'status'], /not "soon"/],
    [['wait', '--interval', '-1'], /--interval/],
    [['login', '--timeout', '5'], /need --wait/],
    [['--gateway', 'localhost:5000', 'status'], /--gateway wants an https:\/\/ \(or http:\/\/\) URL/],
    [['--gateway', 'not a url', 'status'], /--gateway wants a URL/],
    [['--gateway', 'https://localhost:5000/v1/api', 'status'], /only the gateway's origin/],
    [['--dir', '', 'status'], /--dir is empty/],
    [['serve', '--port', '99999'], /--port wants a port number/],
  ])('refuses %j with a one-line reason', (argv, reason) => {
    const result = parse(...argv);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(reason);
      expect(result.reason).not.toContain('\n');
    }
  });

  it('remembers --json even when the rest is wrong, so the error is a JSON document too', () => {
    const result = parse('--json', 'frobnicate');
    expect(result).toMatchObject({ ok: false, json: true });
  });
});

describe('parseCommandLine: installs and doctor', () => {
  it('reads gateway install with or without --from, and the folder from the global --dir', () => {
    expect(parse('gateway', 'install')).toMatchObject({ ok: true, invocation: { command: { name: 'gateway-install', from: null } } });
    expect(parse('--dir', '/opt/gw', 'gateway', 'install', '--from', 'https://example.test/gw.zip')).toMatchObject({
      ok: true,
      invocation: { global: { gatewayFolder: '/opt/gw' }, command: { name: 'gateway-install', from: 'https://example.test/gw.zip' } },
    });
  });

  it('refuses --from anywhere but gateway install, and actions java does not have', () => {
    expect(parse('gateway', 'start', '--from', 'x.zip')).toEqual({ ok: false, reason: '--from goes with `gateway install` only', json: false });
    expect(parse('gateway', 'install', '--from', '')).toMatchObject({ ok: false, reason: '--from is empty' });
    expect(parse('java')).toMatchObject({ ok: false, reason: 'java: say what to do: install' });
    expect(parse('java', 'remove')).toMatchObject({ ok: false, reason: 'java: unknown action "remove": use install' });
    expect(parse('status', '--from', 'x')).toMatchObject({ ok: false, reason: 'status has no option --from: run `ibkr-tray help status`' });
  });

  it('reads java install and doctor', () => {
    expect(parse('java', 'install', '--json')).toMatchObject({ ok: true, invocation: { global: { json: true }, command: { name: 'java', action: 'install' } } });
    expect(parse('doctor')).toMatchObject({ ok: true, invocation: { command: { name: 'doctor' } } });
    expect(parse('doctor', 'now')).toMatchObject({ ok: false, reason: 'unexpected argument "now" after doctor' });
  });
});
