import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSettings, SettingsStore } from '../../../../src/main/core/settings.js';
import { confSettingsBackend, defaultConfigDir } from '../../../../src/main/core/settings-file.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-settings-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const file = (): string => path.join(dir, 'config.json');
const asideFiles = (): string[] => fs.readdirSync(dir).filter((f) => f.startsWith('config.json.corrupt-'));

describe('settings', () => {
  it('starts from the defaults when there is no file, and saves changes to <configDir>/config.json', () => {
    const store = SettingsStore.open(confSettingsBackend(dir));
    expect(store.get()).toEqual(defaultSettings());
    expect(store.notices()).toEqual([]);
    store.update({ gatewayFolder: '/opt/clientportal.gw', account: 'U1234567' });
    const saved = JSON.parse(fs.readFileSync(file(), 'utf8'));
    // Since profiles (issue 17) a gateway's own settings live in its profile.
    expect(saved.profiles[0].gatewayFolder).toBe('/opt/clientportal.gw');
    expect(SettingsStore.open(confSettingsBackend(dir)).get().account).toBe('U1234567');
  });

  it.each([
    ['garbage', '\u0000\u0001 not json at all {{{'],
    ['truncated JSON', '{"gatewayFolder": "/opt/gw", "port'],
    ['wrong types', '{"gatewayFolder": 42, "notifications": "yes"}'],
    ['an array', '[1, 2, 3]'],
    ['a string', '"hello"'],
  ])('a file with %s is moved aside, the defaults are used and the user is told', (_what, content) => {
    fs.writeFileSync(file(), content);
    const store = SettingsStore.open(confSettingsBackend(dir));
    expect(store.get()).toEqual(defaultSettings());
    const aside = asideFiles();
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, aside[0]!), 'utf8')).toBe(content);
    expect(store.notices()).toHaveLength(1);
    expect(store.notices()[0]!.text).toContain(aside[0]!);
    // And the app keeps working: the next write makes a valid file again.
    store.update({ notifications: false });
    expect(SettingsStore.open(confSettingsBackend(dir)).get().notifications).toBe(false);
  });

  it('keeps keys it does not know (written by another version or the Electron shell)', () => {
    fs.writeFileSync(file(), JSON.stringify({ windowBounds: { x: 1 }, notifications: false }));
    const store = SettingsStore.open(confSettingsBackend(dir));
    store.update({ startAtLogin: true });
    const saved = JSON.parse(fs.readFileSync(file(), 'utf8'));
    expect(saved.windowBounds).toEqual({ x: 1 });
    expect(saved.notifications).toBe(false);
  });

  it('refuses an invalid change with a one-line reason and keeps the old value', () => {
    const store = SettingsStore.open(confSettingsBackend(dir));
    expect(() => store.update({ tickleIntervalMs: 5 })).toThrow(/tickleIntervalMs/);
    expect(store.get().tickleIntervalMs).toBe(60_000);
  });

  it('backs the certificate pins by origin (localhost:5000 and https://localhost:5000/ are one origin)', () => {
    const store = SettingsStore.open(confSettingsBackend(dir));
    const pins = store.pinStore();
    pins.set('https://localhost:5000/', 'AA:BB');
    expect(pins.get('https://localhost:5000')).toBe('AA:BB');
    expect(SettingsStore.open(confSettingsBackend(dir)).get().pins).toEqual({ 'https://localhost:5000': 'AA:BB' });
  });

  it('never holds a password field', () => {
    expect(Object.keys(defaultSettings()).some((k) => /pass/i.test(k))).toBe(false);
  });

  it('finds its folder from IBKR_TRAY_CONFIG_DIR, else the OS app-data folder of "IBKR Tray"', () => {
    expect(defaultConfigDir({ IBKR_TRAY_CONFIG_DIR: dir }, 'linux')).toBe(dir);
    expect(defaultConfigDir({ XDG_CONFIG_HOME: '/x' }, 'linux')).toBe(path.join('/x', 'IBKR Tray'));
    expect(defaultConfigDir({}, 'darwin')).toBe(path.join(os.homedir(), 'Library', 'Application Support', 'IBKR Tray'));
    expect(defaultConfigDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toBe(path.join('C:\\Users\\u\\AppData\\Roaming', 'IBKR Tray'));
  });
});
