/**
 * Several processes changing the settings at one moment (issue 21): the REAL `ibkr-tray` started
 * many times at once against one settings folder, counting what the file kept afterwards. Without
 * the settings' lock, 20 concurrent `profile add` kept 8 while all 20 said "added".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeGatewayFolder, type GatewayFolder } from '../sim/gateway-folder.js';
import { until } from '../sim/until.js';
import { run, writeSettings } from '../integration/cli/command.js';
import { cliFixtures, logIn } from '../integration/cli/fixtures.js';

const fixtures = cliFixtures();
const folders: GatewayFolder[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(folders.splice(0).map((f) => f.cleanup()));
});

async function gatewayFolders(count: number): Promise<string[]> {
  const made = await Promise.all(Array.from({ length: count }, () => makeGatewayFolder()));
  folders.push(...made);
  return made.map((f) => f.dir);
}

function settingsFile(dir: string): Record<string, unknown> & { profiles: Array<Record<string, unknown>> } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown> & { profiles: Array<Record<string, unknown>> };
}

/** One line on stderr, no stack trace. */
function expectOneLine(text: string): void {
  expect(text.trim().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at /);
}

/**
 * A process that lives (`sleep`) and, as its child, a zombie: `sleep 0` exits and `exec sleep`
 * never reaps it (PID 1 here does not either), so `kill -0` still finds it.
 */
async function liveAndZombie(): Promise<{ live: number; zombie: number }> {
  const child = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const zombie = Number(await until('the zombie pid', () => /^\d+\n/.exec(out)?.[0]));
  await until('the child to be a zombie', () => /\) Z /.test(fs.readFileSync(`/proc/${zombie}/stat`, 'utf8')));
  return { live: child.pid!, zombie };
}

describe('concurrent settings changes keep every one', () => {
  it('20 concurrent `profile add` keep 20, all said "added", and nothing else (no phantom default profile)', async () => {
    const dir = fixtures.configDir();
    const dirs = await gatewayFolders(20);
    const results = await Promise.all(dirs.map((folder, i) => run(['profile', 'add', `P${i}`, '--dir', folder, '--port', String(5100 + i)], { configDir: dir, killAfterMs: 60_000 })));
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    const kept = settingsFile(dir).profiles.map((p) => p['name']);
    expect(kept.slice().sort()).toEqual(dirs.map((_, i) => `P${i}`).sort());
    const listed = await run(['profile', 'list'], { configDir: dir });
    expect(listed.stdout.trim().split('\n')).toHaveLength(20);
    // The lock is gone once every writer is done.
    expect(fs.existsSync(path.join(dir, 'config.json.lock'))).toBe(false);
  }, 90_000);

  it('two concurrent renames of one profile: exactly one wins, the other says it lost, in one line', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = fixtures.configDir();
      const [a, b] = await gatewayFolders(2);
      expect((await run(['profile', 'add', 'Live', '--dir', a!], { configDir: dir })).code).toBe(0);
      expect((await run(['profile', 'add', 'Paper', '--dir', b!, '--port', '5001'], { configDir: dir })).code).toBe(0);
      const [first, second] = await Promise.all([run(['profile', 'rename', 'Paper', 'Practice'], { configDir: dir }), run(['profile', 'rename', 'Paper', 'Demo'], { configDir: dir })]);
      const outcomes = [first!, second!];
      const won = outcomes.filter((r) => r.code === 0);
      const lost = outcomes.filter((r) => r.code !== 0);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      // Either it read the file after the winner wrote it ("no profile named"), or before ("meanwhile").
      expect(lost[0]!.stderr).toMatch(/renamed or removed meanwhile|no profile named "Paper"/);
      expectOneLine(lost[0]!.stderr);
      const names = settingsFile(dir).profiles.map((p) => p['name']);
      expect(names).toHaveLength(2);
      expect(names[0]).toBe('Live');
      expect(won[0]!.stdout).toContain(`renamed to ${String(names[1])}`);
    }
  }, 90_000);

  it('`use` (the account, a pin learned) beside concurrent `profile add` loses neither', async () => {
    const sim = await fixtures.simulator({ accounts: [{ id: 'U1111111', alias: 'Main' }, { id: 'U2222222', alias: 'Hedge' }], paper: false, emptyAccountsAnswers: 0 });
    await logIn(sim);
    const dir = fixtures.configDir();
    const [own, ...dirs] = await gatewayFolders(9);
    writeSettings(dir, { profiles: [{ name: 'Gateway', gatewayFolder: own }] });
    const use = (id: string): ReturnType<typeof run> => run(['--profile', 'Gateway', '--gateway', sim.url, '--timeout', '10', 'use', id], { configDir: dir, killAfterMs: 60_000 });
    const adds = dirs.map((folder, i) => run(['profile', 'add', `P${i}`, '--dir', folder, '--port', String(5100 + i)], { configDir: dir, killAfterMs: 60_000 }));
    const results = await Promise.all([...adds.slice(0, 4), use('U2222222'), ...adds.slice(4)]);
    for (const result of results) expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const file = settingsFile(dir);
    expect(file.profiles.map((p) => String(p['name'])).sort()).toEqual(['Gateway', ...dirs.map((_, i) => `P${i}`)].sort());
    const gateway = file.profiles.find((p) => p['name'] === 'Gateway')!;
    expect(gateway['account']).toBe('U2222222');
    expect(Object.keys(gateway['pins'] as Record<string, string>)).toEqual([new URL(sim.url).origin]);
  }, 90_000);
});

describe('the settings lock', () => {
  it('is taken over when its owner is dead or a zombie, and refused in one line while a live one holds it', async () => {
    const { live, zombie } = await liveAndZombie();
    const dir = fixtures.configDir();
    const lock = path.join(dir, 'config.json.lock');
    const [a, b, c] = await gatewayFolders(3);
    fs.writeFileSync(lock, JSON.stringify({ pid: zombie, at: Date.now(), token: 'zombie' }));
    const afterZombie = await run(['profile', 'add', 'Live', '--dir', a!], { configDir: dir });
    expect({ code: afterZombie.code, stderr: afterZombie.stderr }).toEqual({ code: 0, stderr: '' });
    // A lock file its owner never filled in (it died between creating and writing it), long ago.
    fs.writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    expect((await run(['profile', 'add', 'Paper', '--dir', b!, '--port', '5001'], { configDir: dir })).code).toBe(0);
    // A live owner: waited for, then refused; the lock and the file are left as they are.
    const held = JSON.stringify({ pid: live, at: Date.now(), token: 'live' });
    fs.writeFileSync(lock, held);
    const before = fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
    const refused = await run(['profile', 'add', 'Demo', '--dir', c!, '--port', '5002'], { configDir: dir, killAfterMs: 30_000 });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/is being changed by process \d+ .*try again/);
    expectOneLine(refused.stderr);
    expect(fs.readFileSync(lock, 'utf8')).toBe(held);
    expect(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).toBe(before);
    expect(settingsFile(dir).profiles.map((p) => p['name'])).toEqual(['Live', 'Paper']);
  }, 60_000);
});
