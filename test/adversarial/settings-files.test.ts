/**
 * Settings files of every shape (issue 21): a seeded generator writes config.json variants (cut
 * JSON, wrong types at every field, huge strings, nulls, arrays for objects, names twice in other
 * case, unknown fields, a BOM, empty, a folder or a link loop named config.json, no read permission)
 * and the store must open each one without a throw: the defaults or the file, a damaged file kept
 * aside byte for byte and never deleted, one notice, and every later write the user's only (0600).
 * The built command reads a few of them too: one line each, no stack trace.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsSchema, SettingsStore } from '../../src/main/core/settings.js';
import { confSettingsBackend } from '../../src/main/core/settings-file.js';
import { freePort, makeGatewayFolder, type GatewayFolder } from '../sim/gateway-folder.js';
import { run } from '../integration/cli/command.js';
import { cliFixtures } from '../integration/cli/fixtures.js';
import { seededRandom as random } from '../sim/seeded-random.js';

const fixtures = cliFixtures();
const made: string[] = [];
const folders: GatewayFolder[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) {
    fs.chmodSync(dir, 0o700);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await Promise.all(folders.splice(0).map((f) => f.cleanup()));
});

function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-settings-files-'));
  made.push(dir);
  return dir;
}


const VALID = {
  notifications: false,
  tickleIntervalMs: 60_000,
  notifyUrl: 'https://ntfy.sh/my-topic',
  profiles: [
    { name: 'Live', gatewayFolder: '/opt/live/clientportal.gw', stateFolder: null, gatewayPort: 5000, pins: { 'https://localhost:5000': 'AA:BB' }, account: 'U1234567', userIntent: null },
    { name: 'Paper', gatewayFolder: '/opt/paper/clientportal.gw', stateFolder: 'profiles/paper', gatewayPort: 5001, pins: {}, account: null, userIntent: 'stopped' },
  ],
};
const FIELDS = ['notifications', 'tickleIntervalMs', 'notifyUrl', 'startAtLogin', 'profiles', 'profiles.0', 'profiles.1', ...['name', 'gatewayFolder', 'stateFolder', 'gatewayPort', 'pins', 'account', 'userIntent', 'gatewayUrl'].flatMap((f) => [`profiles.0.${f}`, `profiles.1.${f}`])];
const WRONG: ReadonlyArray<(r: () => number) => unknown> = [
  () => null,
  () => [],
  () => ({}),
  () => true,
  (r) => Math.floor(r() * 1e9) - 5e8,
  () => -1,
  () => 1.5,
  () => '',
  () => 'x'.repeat(200_000),
  () => [1, 'two', null],
  () => ({ nested: { deeper: [] } }),
  () => '../../etc',
];

function setAt(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let at: Record<string, unknown> = target;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[keys.at(-1)!] = value;
}

interface Variant {
  readonly what: string;
  /** Writes config.json (or what stands in its place) in `dir`. */
  write(dir: string): void;
  /** Whether the store must take the file as it is (no notice, nothing moved); 'either': the schema says. */
  readonly valid: boolean | 'either';
}

function textVariant(what: string, text: string | Buffer, valid = false): Variant {
  return { what, valid, write: (dir) => fs.writeFileSync(path.join(dir, 'config.json'), text) };
}

function variants(seed: number, count: number): Variant[] {
  const r = random(seed);
  const pick = <T,>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const full = JSON.stringify(VALID, undefined, '\t');
  const out: Variant[] = [
    textVariant('empty', ''),
    textVariant('a BOM before valid JSON', `\uFEFF${full}`, true),
    textVariant('unknown fields kept', JSON.stringify({ ...VALID, fromTheFuture: { x: 1 }, profiles: VALID.profiles.map((p) => ({ ...p, colour: 'red' })) }), true),
    textVariant('names twice in other case', JSON.stringify({ ...VALID, profiles: [VALID.profiles[0], { ...VALID.profiles[1], name: 'LIVE' }] })),
    textVariant('top-level array', '[1,2,3]'),
    textVariant('top-level null', 'null'),
    textVariant('a string', '"config"'),
    textVariant('profiles an object', JSON.stringify({ ...VALID, profiles: { Live: VALID.profiles[0] } })),
    textVariant('no profiles', JSON.stringify({ ...VALID, profiles: [] })),
    textVariant('binary', Buffer.from(Array.from({ length: 64 }, () => Math.floor(r() * 256)))),
    { what: 'a folder named config.json', valid: false, write: (dir) => fs.mkdirSync(path.join(dir, 'config.json')) },
    { what: 'a link loop', valid: false, write: (dir) => fs.symlinkSync('config.json', path.join(dir, 'config.json')) },
    { what: 'a dangling link', valid: false, write: (dir) => fs.symlinkSync('nowhere.json', path.join(dir, 'config.json')) },
    {
      what: 'no read permission',
      // As root the file is still readable (then it is simply valid); as a user it is damage.
      valid: process.getuid?.() === 0,
      write: (dir) => {
        fs.writeFileSync(path.join(dir, 'config.json'), full);
        fs.chmodSync(path.join(dir, 'config.json'), 0o000);
      },
    },
  ];
  for (let i = 0; out.length < count; i++) {
    if (i % 3 === 0) {
      const at = 1 + Math.floor(r() * (full.length - 2));
      out.push(textVariant(`cut at ${at}`, full.slice(0, at)));
    } else {
      const doc = structuredClone(VALID) as unknown as Record<string, unknown>;
      const field = pick(FIELDS);
      const value = pick(WRONG)(r);
      setAt(doc, field, value);
      // Whether this value happens to be a valid one is the schema's to say: the store must agree with it.
      out.push({ what: `${field} = ${String(JSON.stringify(value)).slice(0, 40)}`, valid: 'either', write: (dir) => fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(doc)) });
    }
  }
  return out;
}

/** What is in `dir` besides config.json: the names kept aside. */
function asides(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.startsWith('config.json.corrupt-'));
}

function snapshotOf(file: string): { kind: string; bytes: Buffer | null; link: string | null } {
  const stat = fs.lstatSync(file);
  if (stat.isSymbolicLink()) return { kind: 'link', bytes: null, link: fs.readlinkSync(file) };
  if (stat.isDirectory()) return { kind: 'folder', bytes: null, link: null };
  return { kind: 'file', bytes: fs.readFileSync(file), link: null };
}

describe('damaged settings files of every shape', () => {
  const SEED = 2112;
  it(`open without a throw, keep the damaged file aside byte for byte, tell it once, and write 0600 afterwards (seed ${SEED})`, () => {
    for (const variant of variants(SEED, 80)) {
      const dir = freshDir();
      variant.write(dir);
      const file = path.join(dir, 'config.json');
      const before = snapshotOf(file);
      let store: SettingsStore;
      try {
        store = SettingsStore.open(confSettingsBackend(dir));
      } catch (error) {
        throw new Error(`${variant.what}: SettingsStore.open threw ${String(error)}`);
      }
      const notices = store.notices();
      expect(notices.length, variant.what).toBeLessThanOrEqual(1);
      expect(SettingsSchema.safeParse(store.get()).success, variant.what).toBe(true);
      if (variant.valid !== 'either') expect(notices.length, variant.what).toBe(variant.valid ? 0 : 1);
      if (notices.length === 0) {
        // Taken as it is: not moved, not rewritten.
        expect(asides(dir), variant.what).toEqual([]);
        expect(snapshotOf(file), variant.what).toEqual(before);
      } else {
        expect(notices[0]!.text, variant.what).toMatch(/damaged .* kept as /);
        expect(notices[0]!.text.split('\n'), variant.what).toHaveLength(1);
        const kept = asides(dir);
        expect(kept, variant.what).toHaveLength(1);
        const aside = snapshotOf(path.join(dir, kept[0]!));
        expect(aside, variant.what).toEqual(before);
        if (aside.kind === 'file') expect(fs.statSync(path.join(dir, kept[0]!)).mode & 0o777, variant.what).toBe(0o600);
      }
      // A change afterwards: saved, the user's only, the copy aside still there.
      store.update({ startAtLogin: true });
      expect(store.notices().filter((n) => n.level === 'error'), variant.what).toEqual([]);
      expect(fs.lstatSync(file).isFile(), variant.what).toBe(true);
      expect(fs.statSync(file).mode & 0o777, variant.what).toBe(0o600);
      expect(SettingsStore.open(confSettingsBackend(dir)).get().startAtLogin, variant.what).toBe(true);
      expect(asides(dir), variant.what).toHaveLength(notices.length);
    }
  });

  it('the built command reads them and prints one line each, no stack trace', async () => {
    const chosen = variants(SEED, 14).filter((v) => v.valid === false);
    const outcomes = await Promise.all(
      chosen.flatMap((variant, i) =>
        [['profile', 'list'], ['--timeout', '2', 'status']].slice(0, i % 2 === 0 ? 2 : 1).map(async (args) => {
          const dir = fixtures.configDir();
          variant.write(dir);
          return { what: `${variant.what}: ${args.join(' ')}`, dir, result: await run(args, { configDir: dir, killAfterMs: 30_000 }) };
        }),
      ),
    );
    for (const { what, dir, result } of outcomes) {
      expect(result.signal, what).toBeNull();
      expect(result.stderr, what).not.toMatch(/\n\s+at |unexpected error/);
      // The notice, one line, names where the damaged file was kept.
      expect(result.stderr.trim().split('\n'), what).toHaveLength(1);
      expect(result.stderr, what).toMatch(/damaged .* kept as /);
      expect(result.stdout.trim().split('\n'), what).toHaveLength(1);
      expect(asides(dir), what).toHaveLength(1);
    }
  }, 60_000);

  it('doctor fails its settings line for a file it just moved aside, instead of "ok settings"', async () => {
    const dir = fixtures.configDir();
    fs.writeFileSync(path.join(dir, 'config.json'), '{"profiles": [');
    const result = await run(['--timeout', '2', 'doctor'], { configDir: dir, killAfterMs: 30_000 });
    expect(result.stdout).toMatch(/^FAIL\s+settings: .*damaged/m);
    expect(result.stdout).not.toMatch(/^ok\s+settings/m);
  }, 30_000);
});

describe('modes: the settings are the user\'s only', () => {
  it('a settings folder the app creates is 0700; config.json and its lock 0600; a wider existing file is tightened on write', () => {
    const parent = freshDir();
    const dir = path.join(parent, 'new', 'IBKR Tray');
    const store = SettingsStore.open(confSettingsBackend(dir));
    let lockMode = -1;
    store.changeProfiles((list) => {
      lockMode = fs.statSync(path.join(dir, 'config.json.lock')).mode & 0o777;
      return list;
    });
    expect(lockMode).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    fs.chmodSync(path.join(dir, 'config.json'), 0o644);
    store.update({ account: 'U7654321' });
    expect(fs.statSync(path.join(dir, 'config.json')).mode & 0o777).toBe(0o600);
  });
});

describe('profiles a hand-edited file makes unable to run', () => {
  async function gatewayFolder(): Promise<string> {
    const folder = await makeGatewayFolder();
    folders.push(folder);
    return folder.dir;
  }

  it('a stateFolder outside the settings folder (.., absolute, ., empty, a link out) cannot run, and `profile remove` touches nothing outside', async () => {
    const outside = freshDir();
    fs.writeFileSync(path.join(outside, 'precious.txt'), 'mine');
    fs.writeFileSync(path.join(outside, 'gateway.pid.json'), JSON.stringify({ pid: 1, port: 5000, tls: true, folder: '/x', conf: 'root/conf.yaml', startedAt: 0 }));
    const cases: Array<[string, (dir: string) => string]> = [
      ['up inside a path', () => 'profiles/../../x'],
      ['up', (dir) => path.relative(dir, outside)],
      ['absolute', () => outside],
      ['dot', () => '.'],
      ['empty', () => ''],
      ['link to nowhere', (dir) => {
        fs.mkdirSync(path.join(dir, 'profiles'), { recursive: true });
        fs.symlinkSync(path.join(outside, 'not-yet'), path.join(dir, 'profiles', 'nowhere'));
        return path.join('profiles', 'nowhere');
      }],
      ['link', (dir) => {
        fs.mkdirSync(path.join(dir, 'profiles'), { recursive: true });
        fs.symlinkSync(outside, path.join(dir, 'profiles', 'evil'));
        return path.join('profiles', 'evil');
      }],
    ];
    const live = await gatewayFolder();
    const bad = await gatewayFolder();
    for (const [what, stateFolder] of cases) {
      const dir = fixtures.configDir();
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ profiles: [{ name: 'Live', gatewayFolder: live }, { name: 'Bad', gatewayFolder: bad, stateFolder: stateFolder(dir) }] }));
      const status = await run(['--profile', 'Bad', '--timeout', '2', 'gateway', 'status'], { configDir: dir, killAfterMs: 30_000 });
      expect(status.code, what).not.toBe(0);
      expect(status.stderr, what).toMatch(/The profile "Bad" cannot run: its stateFolder .* must be a folder inside the settings folder/);
      expect(status.stderr.trim().split('\n'), what).toHaveLength(1);
      const removed = await run(['profile', 'remove', 'Bad'], { configDir: dir });
      expect(removed.code, what).toBe(0);
      expect(fs.readdirSync(outside).sort(), what).toEqual(['gateway.pid.json', 'precious.txt']);
      expect(fs.existsSync(dir), what).toBe(true);
    }
  }, 60_000);

  it('`profile remove` deletes the pid record it made, and leaves a state folder holding anything else', async () => {
    const dir = fixtures.configDir();
    const [a, b] = [await gatewayFolder(), await gatewayFolder()];
    expect((await run(['profile', 'add', 'Live', '--dir', a], { configDir: dir })).code).toBe(0);
    expect((await run(['profile', 'add', 'Paper', '--dir', b, '--port', '5001'], { configDir: dir })).code).toBe(0);
    const state = path.join(dir, 'profiles', 'paper');
    fs.mkdirSync(state, { recursive: true });
    fs.writeFileSync(path.join(state, 'gateway.pid.json'), JSON.stringify({ pid: 999_999, port: 5000, tls: true, folder: b, conf: 'root/conf.yaml', startedAt: 0 }));
    fs.writeFileSync(path.join(state, 'notes.txt'), 'my notes');
    expect((await run(['profile', 'remove', 'Paper'], { configDir: dir })).code).toBe(0);
    expect(fs.readdirSync(state)).toEqual(['notes.txt']);
  }, 30_000);

  it('two profiles on one gateway folder by hand: the second cannot run, naming the first; the first runs', async () => {
    const dir = fixtures.configDir();
    const folder = await gatewayFolder();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ profiles: [{ name: 'Live', gatewayFolder: folder }, { name: 'Paper', gatewayFolder: `${folder}/`, stateFolder: 'profiles/paper' }] }));
    const second = await run(['--profile', 'Paper', '--timeout', '2', 'gateway', 'status'], { configDir: dir, killAfterMs: 30_000 });
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/The profile "Paper" cannot run: the folder .* is already the gateway of the profile "Live"/);
    const first = await run(['--profile', 'Live', '--timeout', '2', 'gateway', 'status'], { configDir: dir, killAfterMs: 30_000 });
    expect(first.stderr).not.toMatch(/cannot run/);
  }, 30_000);

  // Issue 21 (attack): two hand-edited profiles on one stateFolder shared one pid record, so
  // `--profile B gateway stop` stopped A's gateway and `profile remove B` was refused with A's pid.
  it.each([
    ['the same spelling', () => 'profiles/shared'],
    ['another case and a trailing slash', () => 'Profiles/SHARED/'],
    ['a link inside the settings folder', (dir: string) => {
      fs.symlinkSync(path.join(dir, 'profiles', 'shared'), path.join(dir, 'profiles', 'alias'));
      return 'profiles/alias';
    }],
  ])('two profiles on one stateFolder by hand (%s): the later cannot run, naming the first; removing it keeps the first\'s record', async (what, spelling) => {
    const dir = fixtures.configDir();
    const shared = path.join(dir, 'profiles', 'shared');
    fs.mkdirSync(shared, { recursive: true });
    const [a, b] = [await gatewayFolder(), await gatewayFolder()];
    const record = path.join(shared, 'gateway.pid.json');
    fs.writeFileSync(record, JSON.stringify({ pid: process.pid, port: 5000, tls: true, folder: a, conf: 'root/conf.yaml', startedAt: 0 }));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ profiles: [{ name: 'A', gatewayFolder: a, stateFolder: 'profiles/shared' }, { name: 'B', gatewayFolder: b, stateFolder: spelling(dir) }] }));
    const later = await run(['--profile', 'B', '--timeout', '2', 'gateway', 'status'], { configDir: dir, killAfterMs: 30_000 });
    expect(later.code, what).not.toBe(0);
    expect(later.stderr, what).toMatch(/The profile "B" cannot run: its stateFolder .* is already the state folder of the profile "A"/);
    expect(later.stderr.trim().split('\n'), what).toHaveLength(1);
    const first = await run(['--profile', 'A', '--timeout', '2', 'gateway', 'status'], { configDir: dir, killAfterMs: 30_000 });
    expect(first.stderr, what).not.toMatch(/cannot run/);
    const removed = await run(['profile', 'remove', 'B'], { configDir: dir });
    expect(removed.code, `${what}: ${removed.stderr}`).toBe(0);
    expect(fs.existsSync(record), what).toBe(true);
  }, 30_000);

  it('a fresh settings folder plus `profile add Live` is Live alone: no phantom "Gateway" in `profile list` or `status`', async () => {
    const dir = fixtures.configDir();
    expect((await run(['profile', 'add', 'Live', '--dir', await gatewayFolder()], { configDir: dir })).code).toBe(0);
    const listed = await run(['profile', 'list'], { configDir: dir });
    expect(listed.stdout).toMatch(/^Live {2}\S+\n$/);
    const status = await run(['--timeout', '2', 'status'], { configDir: dir, killAfterMs: 30_000 });
    expect(`${status.stdout}${status.stderr}`).not.toMatch(/Gateway"|more than one profile/);
    // An old single-gateway file still becomes its one profile, kept beside the new one.
    const old = fixtures.configDir();
    fs.writeFileSync(path.join(old, 'config.json'), JSON.stringify({ gatewayFolder: await gatewayFolder(), account: 'U1234567' }));
    expect((await run(['profile', 'add', 'Paper', '--dir', await gatewayFolder(), '--port', '5001'], { configDir: old })).code).toBe(0);
    expect((await run(['profile', 'list'], { configDir: old })).stdout).toMatch(/^Gateway {2}\S+\nPaper {2}\S+\n$/);
  }, 30_000);
});

describe('odd file types in the settings folder (issue 21, attack): never a hang, one line', () => {
  // A FIFO blocks a synchronous read forever (SIGTERM is never handled then); a dangling link as the
  // lock was waited for 10 s. Each command runs with a kill timer: being killed is the failure.
  const shapes: Array<[string, (dir: string, folder: string) => void, (dir: string, folder: string, port: number) => string[]]> = [
    ['the lock a FIFO', (dir) => execFileSync('mkfifo', [path.join(dir, 'config.json.lock')]), (_d, folder) => ['profile', 'add', 'P', '--dir', folder]],
    ['the lock a link to nowhere', (dir) => fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'config.json.lock')), (_d, folder) => ['profile', 'add', 'P', '--dir', folder]],
    ['the lock a folder', (dir) => fs.mkdirSync(path.join(dir, 'config.json.lock')), (_d, folder) => ['profile', 'add', 'P', '--dir', folder]],
    ['config.json a FIFO', (dir) => execFileSync('mkfifo', [path.join(dir, 'config.json')]), (_d, folder) => ['profile', 'add', 'P', '--dir', folder]],
    ['cli-pacing.json a FIFO', (dir) => execFileSync('mkfifo', [path.join(dir, 'cli-pacing.json')]), (_d, _f, port) => ['--gateway', `https://127.0.0.1:${port}`, '--timeout', '2', 'status']],
    ['the lock of cli-pacing.json a FIFO', (dir) => execFileSync('mkfifo', [path.join(dir, 'cli-pacing.json.lock')]), (_d, _f, port) => ['--gateway', `https://127.0.0.1:${port}`, '--timeout', '2', 'status']],
    [
      'the pid record a FIFO',
      (dir, folder) => {
        fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ profiles: [{ name: 'Live', gatewayFolder: folder }, { name: 'Paper', gatewayFolder: `${folder}-other`, stateFolder: 'profiles/paper' }] }));
        fs.mkdirSync(path.join(dir, 'profiles', 'paper'), { recursive: true });
        execFileSync('mkfifo', [path.join(dir, 'profiles', 'paper', 'gateway.pid.json')]);
      },
      () => ['profile', 'remove', 'Paper'],
    ],
  ];
  it.each(shapes)('%s', async (what, make, args) => {
    const dir = fixtures.configDir();
    const folder = await makeGatewayFolder();
    folders.push(folder);
    make(dir, folder.dir);
    const result = await run(args(dir, folder.dir, await freePort()), { configDir: dir, killAfterMs: 8_000 });
    expect(result.signal, `${what}: killed, so it hung (${result.stderr})`).toBeNull();
    expect(result.stderr, what).not.toMatch(/\n\s+at /);
    expect(result.stderr.trim().split('\n').filter(Boolean).length, `${what}: ${result.stderr}`).toBeLessThanOrEqual(1);
    if (args(dir, folder.dir, 1)[0] === 'profile') expect(result.code, `${what}: ${result.stderr}`).toBe(0);
  }, 20_000);
});
