/**
 * Profiles (issue 17): the migration of today's single-gateway settings file, and the rules for
 * adding, removing and renaming profiles, and what a running shell opens and closes when they change.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PidFile } from '../../../../src/main/core/gateway/pidfile.js';
import { addProfile, profileChanges, profileNamesNow, profileStateDir, removeProfile, renameProfile } from '../../../../src/main/core/profiles.js';
import { ProfileError } from '../../../../src/main/core/errors.js';
import { defaultSettings, FIRST_PROFILE_NAME, SettingsStore } from '../../../../src/main/core/settings.js';
import { confSettingsBackend } from '../../../../src/main/core/settings-file.js';
import { makeGatewayFolder, type GatewayFolder } from '../../../sim/gateway-folder.js';

let dir: string;
const folders: GatewayFolder[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-profiles-'));
});
afterEach(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await Promise.all(folders.splice(0).map((f) => f.cleanup()));
});

const file = (): string => path.join(dir, 'config.json');
const saved = (): Record<string, unknown> & { profiles: Record<string, unknown>[] } => JSON.parse(fs.readFileSync(file(), 'utf8'));
const open = (profile?: string): SettingsStore => SettingsStore.open(confSettingsBackend(dir), undefined, profile);
async function gatewayFolder(): Promise<string> {
  const folder = await makeGatewayFolder();
  folders.push(folder);
  return folder.dir;
}

/** A settings file as the single-gateway version wrote it (every key its schema had), plus a key it kept for another version. */
const TODAYS_FILE = {
  gatewayFolder: '/opt/ibkr/clientportal.gw',
  gatewayPort: 5000,
  gatewayUrl: null,
  pins: { 'https://localhost:5000': 'AA:BB:CC' },
  account: 'U1234567',
  startGatewayWithApp: true,
  stopGatewayOnQuit: true,
  startAtLogin: true,
  notifications: false,
  tickleIntervalMs: 30000,
  notifyUrl: 'https://ntfy.sh/my-topic',
  userIntent: 'logged-out',
  windowBounds: { x: 10, y: 20 },
};

describe('the migration of a single-gateway settings file', () => {
  it('makes it one profile named "Gateway" with the same values, without any action from the user', () => {
    fs.writeFileSync(file(), JSON.stringify(TODAYS_FILE));
    const store = open();
    expect(store.notices()).toEqual([]);
    expect(store.profile).toBe(FIRST_PROFILE_NAME);
    const { windowBounds: _kept, ...known } = TODAYS_FILE;
    expect(store.get()).toMatchObject(known);
    // Its files stay in the settings folder, where the gateway an earlier run started is recorded.
    expect(store.profileEntry().stateFolder).toBeNull();
    expect(profileStateDir(dir, store.profileEntry())).toBe(dir);
  });

  it('writes the new shape on the first change: the gateway in its profile, preferences app-wide, unknown keys kept', () => {
    fs.writeFileSync(file(), JSON.stringify(TODAYS_FILE));
    open().update({ account: 'U7654321' });
    const after = saved();
    expect(after.profiles).toHaveLength(1);
    expect(after.profiles[0]).toMatchObject({ name: 'Gateway', gatewayFolder: '/opt/ibkr/clientportal.gw', account: 'U7654321', userIntent: 'logged-out', pins: { 'https://localhost:5000': 'AA:BB:CC' } });
    expect(after).toMatchObject({ startAtLogin: true, notifications: false, notifyUrl: 'https://ntfy.sh/my-topic', tickleIntervalMs: 30000, windowBounds: { x: 10, y: 20 } });
    expect(after).not.toHaveProperty('gatewayFolder');
    expect(after).not.toHaveProperty('account');
  });

  it('keeps fields a later version added, at the top and inside a profile', () => {
    fs.writeFileSync(file(), JSON.stringify({ futureSwitch: true, profiles: [{ name: 'Live', gatewayFolder: '/opt/live', colour: 'red' }] }));
    const store = open();
    store.update({ notifications: false });
    expect(saved()).toMatchObject({ futureSwitch: true, notifications: false, profiles: [{ name: 'Live', colour: 'red' }] });
  });

  it('a damaged file is moved aside and the defaults (one profile) are used, as before profiles', () => {
    fs.writeFileSync(file(), '{"gatewayFolder": 42');
    const store = open();
    expect(store.get()).toEqual(defaultSettings());
    expect(store.profiles().map((p) => p.name)).toEqual([FIRST_PROFILE_NAME]);
    expect(store.notices()[0]?.text).toMatch(/damaged/);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('config.json.corrupt-'))).toHaveLength(1);
  });

  it('a file with two profiles of one name is damaged (which one would --profile mean?)', () => {
    fs.writeFileSync(file(), JSON.stringify({ profiles: [{ name: 'Paper' }, { name: 'paper' }] }));
    const store = open();
    expect(store.notices()[0]?.text).toMatch(/two profiles are named "paper"/);
  });
});

describe('profiles', () => {
  it('add one per folder; each store reads and writes its own profile and they do not undo each other', async () => {
    const live = await gatewayFolder();
    const paper = await gatewayFolder();
    const first = open();
    first.update({ gatewayFolder: live });
    addProfile(first, { name: 'Paper', folder: paper, port: 5001 });
    const paperStore = open('paper');
    expect(paperStore.profile).toBe('Paper');
    expect(paperStore.get().gatewayFolder).toBe(paper);
    expect(profileStateDir(dir, paperStore.profileEntry())).toBe(path.join(dir, 'profiles', 'paper'));
    first.update({ account: 'U1111111' });
    paperStore.update({ account: 'DU2222222', notifications: false });
    expect(open('Gateway').get()).toMatchObject({ account: 'U1111111', gatewayFolder: live, notifications: false });
    expect(open('Paper').get()).toMatchObject({ account: 'DU2222222', gatewayFolder: paper });
  });

  it('refuses a second profile on the same folder, however it is spelled, with the reason', async () => {
    const live = await gatewayFolder();
    const store = open();
    store.update({ gatewayFolder: live });
    expect(() => addProfile(store, { name: 'Paper', folder: `${live}/../clientportal.gw/` })).toThrow(/already the gateway of the profile "Gateway"/);
    addProfile(store, { name: 'Paper', folder: await gatewayFolder(), port: 5001 });
    expect(() => open('Paper').update({ gatewayFolder: live })).toThrow(ProfileError);
    expect(open('Paper').get().gatewayFolder).not.toBe(live);
  });

  it('refuses a name taken (without case), a bad name, and a folder that is not a gateway', async () => {
    const store = open();
    const folder = await gatewayFolder();
    expect(() => addProfile(store, { name: 'gateway', folder })).toThrow(/already a profile named "Gateway"/);
    expect(() => addProfile(store, { name: 'a/b', folder })).toThrow(/slash/);
    expect(() => addProfile(store, { name: 'Paper', folder: dir })).toThrow(/no bin\/run.sh/);
    expect(store.profiles()).toHaveLength(1);
  });

  it('--port sets the folder\'s listenPort', async () => {
    const folder = await gatewayFolder();
    addProfile(open(), { name: 'Paper', folder, port: 5002 });
    expect(fs.readFileSync(path.join(folder, 'root', 'conf.yaml'), 'utf8')).toMatch(/listenPort: 5002/);
    expect(open('Paper').get().gatewayPort).toBe(5002);
  });

  it('renames a profile; its files stay where they are', async () => {
    const store = open();
    store.update({ gatewayFolder: await gatewayFolder() });
    addProfile(store, { name: 'Paper', folder: await gatewayFolder(), port: 5001 });
    renameProfile(store, 'paper', 'Practice');
    expect(open('Practice').profileEntry().stateFolder).toBe(path.join('profiles', 'paper'));
    expect(() => open('Paper')).toThrow(/no profile named "Paper": the profiles are "Gateway", "Practice"/);
    expect(() => renameProfile(store, 'Practice', 'GATEWAY')).toThrow(/already a profile/);
  });

  it('removes a profile and its files, but not the last one, nor one whose gateway still runs', async () => {
    const store = open();
    store.update({ gatewayFolder: await gatewayFolder() });
    const paper = addProfile(store, { name: 'Paper', folder: await gatewayFolder(), port: 5001 });
    const stateDir = profileStateDir(dir, paper);
    // A process that lives, recorded as the gateway this profile started.
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      new PidFile(stateDir).write({ pid: alive.pid!, port: 5001, tls: true, folder: '/x', conf: 'root/conf.yaml', startedAt: 0 });
      expect(() => removeProfile(store, dir, 'Paper')).toThrow(/still runs .* gateway stop/);
    } finally {
      alive.kill('SIGKILL');
      await new Promise((resolve) => alive.once('exit', resolve));
    }
    new PidFile(stateDir).remove();
    removeProfile(store, dir, 'Paper');
    expect(store.profiles().map((p) => p.name)).toEqual(['Gateway']);
    expect(fs.existsSync(stateDir)).toBe(false);
    expect(() => removeProfile(store, dir, 'Gateway')).toThrow(/only profile/);
  });
});

describe('profileChanges', () => {
  it('opens the profiles the settings gained, in their order, and closes the ones they lost (names without case)', () => {
    expect(profileChanges(['Live', 'Paper'], ['live', 'Paper', 'Demo', 'Test'])).toEqual({ toOpen: ['Demo', 'Test'], toClose: [] });
    expect(profileChanges(['Live', 'Paper'], ['Live'])).toEqual({ toOpen: [], toClose: ['Paper'] });
    // A rename is a close and an open.
    expect(profileChanges(['Live', 'Paper'], ['Live', 'Practice'])).toEqual({ toOpen: ['Practice'], toClose: ['Paper'] });
    expect(profileChanges(['Live'], ['Live'])).toEqual({ toOpen: [], toClose: [] });
  });
});

describe('profileNamesNow', () => {
  it('reads the names as the file holds them, in either shape, and a damaged, half-written or missing file is a reason, left where it is', () => {
    const backend = confSettingsBackend(dir);
    expect(profileNamesNow(backend)).toEqual({ ok: false, reason: expect.stringMatching(/is gone$/) });
    // Today's single-gateway shape: its one profile.
    backend.write({ gatewayFolder: null });
    expect(profileNamesNow(backend)).toEqual({ ok: true, names: [FIRST_PROFILE_NAME] });
    const store = SettingsStore.open(backend);
    store.changeProfiles((list) => [...list, { ...list[0]!, name: 'Paper', stateFolder: 'profiles/paper' }]);
    expect(profileNamesNow(backend)).toEqual({ ok: true, names: [FIRST_PROFILE_NAME, 'Paper'] });
    const whole = fs.readFileSync(backend.path, 'utf8');
    fs.writeFileSync(backend.path, whole.slice(0, whole.length / 2));
    expect(profileNamesNow(backend)).toEqual({ ok: false, reason: expect.stringMatching(/cannot be read/) });
    fs.writeFileSync(backend.path, JSON.stringify({ profiles: [] }));
    expect(profileNamesNow(backend)).toEqual({ ok: false, reason: expect.stringMatching(/holds invalid values/) });
    // Never moved aside: the writer finishes its file, and the next read sees it.
    expect(fs.readdirSync(dir).filter((name) => name.includes('corrupt'))).toEqual([]);
  });
});
