/**
 * The real `ibkr-tray service` as a child process, on a machine whose systemctl and loginctl are
 * stand-ins on PATH that record their calls (no systemd runs here): the unit lands in a temporary
 * XDG_CONFIG_HOME and runs this very installation's command.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../src/main/cli/arguments.js';
import { ROOT, run } from '../cli/command.js';
import { cliFixtures } from '../cli/fixtures.js';

const fixtures = cliFixtures();

/** A folder with stand-in systemctl/loginctl that append their arguments to calls.log. */
function fakeSystemd(dir: string): { bin: string; calls(): string[] } {
  const bin = path.join(dir, 'fake-bin');
  mkdirSync(bin);
  const log = path.join(dir, 'calls.log');
  const script = (name: string, answer: string): void => {
    const file = path.join(bin, name);
    writeFileSync(file, `#!/bin/sh\necho "${name} $*" >> "${log}"\n${answer}\n`);
    chmodSync(file, 0o755);
  };
  script('systemctl', '[ "$1" = "--version" ] && echo "systemd 252 (252.38-1~deb12u1)"; [ "$2" = "is-active" ] && echo inactive && exit 3; exit 0');
  script('loginctl', 'echo Linger=yes');
  return { bin, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

describe.runIf(process.platform === 'linux')('ibkr-tray service', () => {
  it('installs a unit that runs this installation’s keepalive, reports it, and removes it', async () => {
    const dir = fixtures.configDir();
    const systemd = fakeSystemd(dir);
    const gateway = path.join(dir, 'clientportal.gw');
    mkdirSync(gateway);
    const env = { XDG_CONFIG_HOME: path.join(dir, 'xdg'), PATH: `${systemd.bin}${path.delimiter}${process.env.PATH ?? ''}`, USER: 'trader' };
    const installed = await run(['--dir', gateway, 'service', 'install', '--health', '127.0.0.1:8080', '--notify', 'https://ntfy.sh/secret-topic'], { configDir: dir, env });
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);
    const unitFile = path.join(dir, 'xdg', 'systemd', 'user', 'ibkr-tray.service');
    expect(installed.stdout).toBe(`installed and started: ${unitFile}\nlog: journalctl --user -u ibkr-tray.service -f\n`);

    const exec = readFileSync(unitFile, 'utf8').split('\n').find((line) => line.startsWith('ExecStart=')) ?? '';
    const words = [...exec.slice('ExecStart='.length).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? '');
    expect(words.slice(0, 2)).toEqual([process.execPath, path.join(ROOT, 'bin', 'ibkr-tray.js')]);
    // What systemd will run is a keepalive that ibkr-tray itself parses with the same folder, probes and ping.
    expect(parseCommandLine(words.slice(2), {})).toMatchObject({
      ok: true,
      invocation: { global: { gatewayFolder: gateway }, command: { name: 'keepalive', health: { port: 8080 }, notify: { style: 'ntfy', url: 'https://ntfy.sh/secret-topic' } } },
    });
    expect(systemd.calls()).toEqual(['systemctl --version', 'systemctl --user daemon-reload', 'systemctl --user enable --now ibkr-tray.service', 'loginctl show-user trader --property=Linger']);

    const status = await run(['service', 'status'], { configDir: dir, env });
    expect(status.code).toBe(2);
    expect(status.stdout.split('\n')[0]).toBe('installed, not running');

    const removed = await run(['service', 'uninstall'], { configDir: dir, env });
    expect(removed.code).toBe(0);
    expect(existsSync(unitFile)).toBe(false);
  });

  it('refuses --health after status, and a bad --notify, in one line', async () => {
    const dir = fixtures.configDir();
    const status = await run(['service', 'status', '--health', '8080'], { configDir: dir });
    expect(status.code).toBe(1);
    expect(status.stderr).toBe('ibkr-tray: --health and --notify go with `service install` only\n');
    const install = await run(['service', 'install', '--notify', 'ntfy.sh/topic'], { configDir: dir });
    expect(install.code).toBe(1);
    expect(install.stderr).toMatch(/^ibkr-tray: --notify wants an http\(s\) URL/);
  });
});
