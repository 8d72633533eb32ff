/**
 * The command with several profiles (issue 17): `--profile`, `status` of every profile, the refusal
 * to guess, and the parsing of `profile list|add|remove|rename`. With one profile nothing changes
 * (run.test.ts, unchanged, passes no profiles).
 */
import { describe, expect, it } from 'vitest';
import { parseCommandLine, type GlobalOptions } from '../../../../../src/main/cli/arguments.js';
import type { CliBackend } from '../../../../../src/main/cli/backend.js';
import { ExitCode, worstExitCode } from '../../../../../src/main/cli/exit-codes.js';
import { runCli } from '../../../../../src/main/cli/run.js';
import { GatewayError } from '../../../../../src/main/core/errors.js';
import { snapshotOf } from '../../../../fixtures/snapshots.js';
import { fakeBackend } from '../fake-backend.js';

function capture() {
  const chunks: string[] = [];
  return { chunks, isTTY: false, write: (text: string) => (chunks.push(text), true), text: () => chunks.join('') };
}

/** Run with the named profiles, each with its own scripted backend; records which profile each connect asked for. */
async function run(argv: string[], backends: Record<string, () => CliBackend>) {
  const stdout = capture();
  const stderr = capture();
  const asked: (string | undefined)[] = [];
  const code = await runCli({
    argv,
    env: {},
    stdout,
    stderr,
    stop: new AbortController().signal,
    connect: (global: GlobalOptions) => {
      asked.push(global.profile);
      const make = global.profile === undefined ? undefined : backends[global.profile];
      return make ? Promise.resolve(make()) : Promise.reject(new Error(`no fake for ${global.profile}`));
    },
    profiles: async () => Object.keys(backends),
    openBrowser: () => Promise.resolve(false),
    version: '0.0.0-test',
  });
  return { code, stdout: stdout.text(), stderr: stderr.text(), asked };
}

describe('the command with two profiles', () => {
  it('status without --profile prints one line per profile and exits with the worst code', async () => {
    const result = await run(['status'], { Live: () => fakeBackend([snapshotOf('ready')]), Paper: () => fakeBackend([snapshotOf('login-required')]) });
    expect(result.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^Live: ready/), expect.stringMatching(/^Paper: login required/)]);
    expect(result.code).toBe(ExitCode.notReady);
    expect(result.asked).toEqual(['Live', 'Paper']);
  });

  it('status --json gives one document with every profile; a profile that fails counts with its code', async () => {
    const result = await run(['--json', 'status'], {
      Live: () => fakeBackend([snapshotOf('ready')]),
      Paper: () => fakeBackend([new GatewayError('unreachable', 'nothing listens on https://localhost:5001')]),
    });
    const doc = JSON.parse(result.stdout) as { profiles: { profile: string; state?: string; exitCode?: number }[] };
    expect(doc.profiles.map((p) => [p.profile, p.state ?? p.exitCode])).toEqual([
      ['Live', 'ready'],
      ['Paper', ExitCode.unreachable],
    ]);
    expect(result.code).toBe(ExitCode.unreachable);
  });

  it('status --profile checks that profile only, as status did before', async () => {
    const result = await run(['status', '--profile', 'Paper'], { Live: () => fakeBackend([snapshotOf('ready')]), Paper: () => fakeBackend([snapshotOf('login-required')]) });
    expect(result.stdout).toMatch(/^login required/);
    expect(result.code).toBe(ExitCode.notReady);
    expect(result.asked).toEqual(['Paper']);
  });

  it.each([['logout'], ['accounts'], ['login'], ['gateway', 'stop'], ['use', 'U1234567']])('%s without --profile asks for one (exit 1) and touches no gateway', async (...argv) => {
    const result = await run(argv, { Live: () => fakeBackend([snapshotOf('ready')]), Paper: () => fakeBackend([snapshotOf('ready')]) });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toMatch(/there are 2 profiles \(Live, Paper\): say which with --profile NAME/);
    expect(result.asked).toEqual([]);
  });

  it('the worst code puts a changed certificate first and ready last', () => {
    expect(worstExitCode([ExitCode.ok, ExitCode.notReady])).toBe(ExitCode.notReady);
    expect(worstExitCode([ExitCode.unreachable, ExitCode.certificateChanged, ExitCode.ok])).toBe(ExitCode.certificateChanged);
    expect(worstExitCode([ExitCode.ok, ExitCode.ok])).toBe(ExitCode.ok);
  });
});

describe('parsing `profile`', () => {
  const parse = (...argv: string[]) => parseCommandLine(argv, {});
  it('reads list, add, remove and rename, and --profile anywhere', () => {
    expect(parse('profile', 'list')).toMatchObject({ ok: true, invocation: { command: { name: 'profile', action: { kind: 'list' } } } });
    expect(parse('profile', 'add', 'Paper', '--dir', '/gw', '--port', '5001')).toMatchObject({
      ok: true,
      invocation: { command: { action: { kind: 'add', profile: 'Paper', folder: '/gw', port: 5001 } } },
    });
    expect(parse('profile', 'remove', 'Paper')).toMatchObject({ ok: true, invocation: { command: { action: { kind: 'remove', profile: 'Paper' } } } });
    expect(parse('profile', 'rename', 'Gateway', 'Live')).toMatchObject({ ok: true, invocation: { command: { action: { kind: 'rename', from: 'Gateway', to: 'Live' } } } });
    expect(parse('--profile', 'Paper', 'status')).toMatchObject({ ok: true, invocation: { global: { profile: 'Paper' } } });
    expect(parse('status', '--profile', 'Paper')).toMatchObject({ ok: true, invocation: { global: { profile: 'Paper' } } });
  });

  it.each([
    [['profile'], /say what to do/],
    [['profile', 'add', 'Paper'], /which gateway folder/],
    [['profile', 'rename', 'Paper'], /old and the new name/],
    [['profile', 'list', '--port', '5001'], /--port goes with `profile add` only/],
    [['--profile', '', 'status'], /--profile is empty/],
  ])('refuses %j in one line', (argv, reason) => {
    const parsed = parse(...argv);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toMatch(reason);
  });
});
