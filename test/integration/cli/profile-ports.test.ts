/**
 * One port, one profile, and `--gateway` names one gateway (issue 21, a user trial): two profiles on
 * one port would show one gateway's session under two names (the wrong account), so `profile add`
 * refuses it, a settings file edited by hand makes the later one "cannot run", and `--gateway` with
 * several profiles and no `--profile` is a usage error instead of an address applied to all of them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeGatewayFolder } from '../../sim/gateway-folder.js';
import { readSettings, run } from './command.js';
import { cliFixtures, logIn } from './fixtures.js';

const fx = cliFixtures();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A copy of the fake gateway folder (its conf.yaml says listenPort 5000), removed after the test. */
async function folder(): Promise<string> {
  const made = await makeGatewayFolder();
  cleanups.push(made.cleanup);
  return made.dir;
}

function conf(dir: string): string {
  return readFileSync(path.join(dir, 'root', 'conf.yaml'), 'utf8');
}

function oneLine(text: string): string {
  expect(text.trim().split('\n')).toHaveLength(1);
  return text;
}

describe('two profiles on one port', () => {
  it('`profile add` refuses a folder whose conf is on another profile\'s port, and a --port that is another\'s, naming it and a free port', async () => {
    const dir = fx.configDir();
    const [live, third, paper, fourth] = [await folder(), await folder(), await folder(), await folder()];
    expect((await run(['profile', 'add', 'Live', '--dir', live], { configDir: dir })).code).toBe(0);

    // Third's conf says 5000, Live's port.
    const before = conf(third);
    const same = await run(['profile', 'add', 'Third', '--dir', third], { configDir: dir });
    expect(same.code).toBe(1);
    expect(oneLine(same.stderr)).toMatch(/Port 5000 is already the gateway port of the profile "Live".*`--port 5001`/);
    expect(conf(third)).toBe(before);

    expect((await run(['profile', 'add', 'Paper', '--dir', paper, '--port', '5001'], { configDir: dir })).code).toBe(0);
    const taken = await run(['profile', 'add', 'Fourth', '--dir', fourth, '--port', '5001'], { configDir: dir });
    expect(taken.code).toBe(1);
    expect(oneLine(taken.stderr)).toMatch(/Port 5001 is already the gateway port of the profile "Paper".*`--port 5002`/);
    // Refused before anything changed: its conf keeps 5000, and the settings hold Live and Paper.
    expect(conf(fourth)).toMatch(/listenPort: 5000/);
    const listed = await run(['profile', 'list'], { configDir: dir });
    expect(listed.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['Live', 'Paper']);
  }, 30_000);

  it('a settings file edited by hand with two profiles on one port: the later cannot run, naming the other; the first runs', async () => {
    const dir = fx.configDir();
    const [live, third] = [await folder(), await folder()];
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ profiles: [{ name: 'Live', gatewayFolder: live }, { name: 'Third', gatewayFolder: third, stateFolder: 'profiles/third' }] }));
    const later = await run(['--profile', 'Third', '--timeout', '2', 'gateway', 'status'], { configDir: dir, killAfterMs: 30_000 });
    expect(later.code).not.toBe(0);
    expect(oneLine(later.stderr)).toMatch(/The profile "Third" cannot run: port 5000 is already the gateway port of the profile "Live"/);
    const first = await run(['--profile', 'Live', '--timeout', '2', 'gateway', 'status'], { configDir: dir, killAfterMs: 30_000 });
    expect(first.stderr).not.toMatch(/cannot run/);
  }, 30_000);
});

describe('--gateway with several profiles', () => {
  it('without --profile is refused in one line (exit 1) and changes nothing; with --profile it is that profile\'s alone', async () => {
    const sim = await fx.simulator();
    await logIn(sim);
    const dir = fx.configDir();
    const [live, paper] = [await folder(), await folder()];
    expect((await run(['profile', 'add', 'Live', '--dir', live], { configDir: dir })).code).toBe(0);
    expect((await run(['profile', 'add', 'Paper', '--dir', paper, '--port', '5001'], { configDir: dir })).code).toBe(0);
    const settingsBefore = readFileSync(path.join(dir, 'config.json'), 'utf8');
    const sent = sim.requests.length;

    const refused = await run(['--gateway', sim.url, 'status'], { configDir: dir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(oneLine(refused.stderr)).toMatch(/--gateway names one gateway: add --profile NAME/);
    expect(sim.requests.length).toBe(sent);
    // No pin learned for that address in anyone's settings.
    expect(readFileSync(path.join(dir, 'config.json'), 'utf8')).toBe(settingsBefore);

    const paperOnly = await run(['--profile', 'Paper', '--gateway', sim.url, 'status'], { configDir: dir });
    expect(paperOnly.code, paperOnly.stderr).toBe(0);
    expect(paperOnly.stdout).toMatch(/^ready/);
    expect(paperOnly.stdout.trim().split('\n')).toHaveLength(1);
    expect(Object.keys(readSettings(dir, 'Paper')['pins'] as Record<string, string>)).toEqual([sim.url]);
    expect(readSettings(dir, 'Live')['pins']).toEqual({});
  }, 30_000);
});
