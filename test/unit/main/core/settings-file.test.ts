/** The settings file's lock (settings-file.ts over file-lock.ts): one line when another process holds it. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsBusyError } from '../../../../src/main/core/errors.js';
import { confSettingsBackend } from '../../../../src/main/core/settings-file.js';
import { SettingsStore } from '../../../../src/main/core/settings.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function settingsFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-lock-'));
  dirs.push(dir);
  return path.join(dir, 'config.json');
}

describe('the settings file under a lock another process holds', () => {
  it('the settings store refuses in one line, naming the owner, when a live owner holds it past the wait; the lock is left alone', () => {
    const file = settingsFile();
    const held = JSON.stringify({ pid: process.pid, at: Date.now(), token: 'someone' });
    fs.writeFileSync(`${file}.lock`, held);
    let ran = false;
    const attempt = (): unknown => confSettingsBackend(path.dirname(file), { waitMs: 50, staleMs: 60_000 }).exclusive(() => (ran = true));
    expect(attempt).toThrow(SettingsBusyError);
    expect(attempt).toThrow(new RegExp(`being changed by process ${process.pid} .* try again`));
    expect(ran).toBe(false);
    expect(fs.readFileSync(`${file}.lock`, 'utf8')).toBe(held);
  });
});

describe('SettingsStore under a lock another process holds', () => {
  it('refuses a change of the profiles in one line, and keeps an engine\'s own setting in memory with a notice', () => {
    const file = settingsFile();
    const store = SettingsStore.open(confSettingsBackend(path.dirname(file), { waitMs: 50, staleMs: 60_000 }));
    // A live owner (this process, under another token) that never lets go within the store's wait.
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, at: Date.now(), token: 'someone' }));
    expect(() => store.changeProfiles((list) => list)).toThrow(SettingsBusyError);
    store.update({ account: 'U1234567' });
    expect(store.get().account).toBe('U1234567');
    expect(store.notices().map((n) => n.text)).toEqual([expect.stringMatching(/^Could not save the settings .*being changed by process \d+.*holds until the app quits\.$/)]);
    expect(fs.existsSync(file)).toBe(false);
  });
});
