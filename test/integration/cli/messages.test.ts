/**
 * The command's refusals that misled (issue 21): each through the built command, exactly one line
 * on stderr, nothing on stdout, and the documented exit code. No gateway is needed for any of them.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../../src/main/cli/arguments.js';
import { run } from './command.js';
import { cliFixtures } from './fixtures.js';

const fixtures = cliFixtures();

/** The command with a fresh, empty settings folder and a gateway port where nothing listens. */
async function refusal(args: readonly string[]): Promise<{ code: number | null; line: string; stdout: string }> {
  const result = await run(args, { configDir: fixtures.configDir() });
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  expect(lines, `stderr of ${args.join(' ')}: ${result.stderr}`).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  return { code: result.code, line: lines[0] ?? '', stdout: result.stdout };
}

describe('messages that misled', () => {
  it.each([['--timeout', '-1', 'status'], ['wait', '--timeout', '-1'], ['wait', '--timeout=-1'], ['login', '--wait', '--timeout', '-5']])('%s %s %s: the value must be a positive number of seconds', async (...args) => {
    const r = await refusal(args);
    expect(r.code).toBe(1);
    expect(r.line).toMatch(/^ibkr-tray: --timeout wants a positive number of seconds \(0\.05 to 86400\), not "-(1|5)"$/);
  });

  it('an option whose value starts with a dash is told how to write it', async () => {
    const r = await refusal(['--dir', '-x', 'status']);
    expect(r.code).toBe(1);
    expect(r.line).toBe('ibkr-tray: option --dir needs a value; one that starts with a dash is written --dir=VALUE');
  });

  it('gateway without a verb lists every verb, install included', async () => {
    const r = await refusal(['gateway']);
    expect(r.code).toBe(1);
    expect(r.line).toBe('ibkr-tray: gateway: say what to do: install, start, stop, status or logs');
    // Each listed verb is one the command takes (none of them is refused as unknown).
    for (const verb of ['install', 'start', 'stop', 'status', 'logs']) {
      const help = await run(['gateway', verb, '--help'], { configDir: fixtures.configDir() });
      expect(help.code, verb).toBe(0);
    }
    expect((await refusal(['gateway', 'nope'])).line).toBe('ibkr-tray: gateway: unknown action "nope": use install, start, stop, status or logs');
  });

  it('gateway start with no folder suggests gateway install and --dir', async () => {
    const r = await refusal(['gateway', 'start']);
    expect(r.code).toBe(1);
    expect(r.line).toBe('ibkr-tray: no gateway folder yet: run `ibkr-tray gateway install`, or pass --dir FOLDER (the folder that contains bin/ and root/)');
  });

  it('help COMMAND prints that command\'s help, for every command; an unknown one is one line, exit 1', async () => {
    const status = await run(['help', 'status'], { configDir: fixtures.configDir() });
    expect(status.code).toBe(0);
    expect(status.stderr).toBe('');
    expect(status.stdout).toMatch(/^Usage: ibkr-tray \[OPTIONS\] status …\n\n {2}status {2,}the session in one line/);
    expect(status.stdout).not.toMatch(/^ {2}login/m);
    const shown = await Promise.all(COMMAND_NAMES.map(async (name) => [name, await run(['help', name], { configDir: fixtures.configDir() })] as const));
    for (const [name, result] of shown) {
      expect(result.code, name).toBe(0);
      expect(result.stdout, name).toMatch(new RegExp(`^ {2}(\\S.*)?\\b${name}\\b`, 'm'));
      expect(result.stdout, name).not.toMatch(/^Commands:/m);
    }
    const unknown = await refusal(['help', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.line).toBe('ibkr-tray: help: no command "nope": run `ibkr-tray help` for the list');
  }, 60_000);

  it('--config-dir naming a file is one line, exit 1, also on the way to a folder', async () => {
    const file = path.join(fixtures.configDir(), 'not-a-folder');
    writeFileSync(file, 'x');
    const direct = await refusal(['--config-dir', file, 'status']);
    expect(direct.code).toBe(1);
    expect(direct.line).toBe(`ibkr-tray: --config-dir ${file} is a file, not a folder: give the settings folder (it holds config.json; it is made if missing)`);
    const below = await refusal(['--config-dir', path.join(file, 'sub'), 'profile', 'list']);
    expect(below.code).toBe(1);
    expect(below.line).toBe(`ibkr-tray: --config-dir ${path.join(file, 'sub')} cannot be a folder: ${file} is a file: give the settings folder (it holds config.json; it is made if missing)`);
    expect(below.stdout).toBe('');
  });

  it('trust with no gateway listening is one line, exit 3 (not a stack trace)', async () => {
    const r = await refusal(['--gateway', 'https://localhost:1', 'trust']);
    expect(r.code).toBe(3);
    expect(r.line).toBe('ibkr-tray: cannot read the certificate of https://localhost:1 (ECONNREFUSED): is the gateway running? (`ibkr-tray gateway start`)');
  });

  it('--dir naming a file says it is a file, not that it does not exist', async () => {
    const file = path.join(fixtures.configDir(), 'gateway.zip');
    writeFileSync(file, 'x');
    const r = await refusal(['--dir', file, 'gateway', 'start']);
    expect(r.code).toBe(1);
    expect(r.line).toBe(`ibkr-tray: cannot start the gateway: The gateway folder ${file} is a file, not a folder: choose the clientportal.gw folder (the one that contains bin/ and root/).`);
  });
});

describe('doctor', () => {
  it('a failing session line says the next step', async () => {
    const sim = await fixtures.simulator();
    await sim.control.setUnreachable(true);
    const result = await run(['--gateway', sim.url, '--timeout', '1', 'doctor'], { configDir: fixtures.configDir() });
    const session = result.stdout.split('\n').find((l) => /^FAIL {2}session:/.test(l));
    expect(session, result.stdout).toBeDefined();
    expect(session).toMatch(/ — (run|wait|check) .*`ibkr-tray \w+/);
    // The exit code is the first failing line's: here the gateway folder (none chosen), 1.
    expect(result.code).toBe(1);
  }, 30_000);
});

describe('login with no gateway and no folder', () => {
  it.each([[['login', '--no-browser']], [['--timeout', '1', 'login', '--no-browser', '--wait', '--timeout', '2']]])('%s says how to get a gateway (exit 3), at once', async (args) => {
    const r = await refusal(['--gateway', 'https://localhost:1', ...args]);
    expect(r.code).toBe(3);
    expect(r.line).toBe('ibkr-tray: no gateway answers at https://localhost:1 and there is no gateway folder to start one from: run `ibkr-tray gateway install`, or pass --dir FOLDER');
  });
});
