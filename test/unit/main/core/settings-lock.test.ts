/** The settings' lock file (settings-lock.ts): taken over from the dead and the ancient, waited for and refused while a live owner holds it. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsBusyError } from '../../../../src/main/core/errors.js';
import { withFileLock } from '../../../../src/main/core/settings-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function settingsFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-lock-'));
  dirs.push(dir);
  return path.join(dir, 'config.json');
}

/** The pid of a process that has exited and been reaped (nothing has that pid now). */
function deadPid(): number {
  const pid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  expect(pid).toBeGreaterThan(0);
  return pid;
}

describe('withFileLock', () => {
  it('holds <file>.lock (0600, with its pid) while the work runs, and removes it afterwards, also when the work throws', () => {
    const file = settingsFile();
    const seen = withFileLock(file, () => ({ mode: fs.statSync(`${file}.lock`).mode & 0o777, owner: (JSON.parse(fs.readFileSync(`${file}.lock`, 'utf8')) as { pid: number }).pid }));
    expect(seen).toEqual({ mode: 0o600, owner: process.pid });
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
    expect(() => withFileLock(file, () => { throw new Error('refused'); })).toThrow('refused');
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });

  it('takes over a lock whose owner is dead, and one older than staleMs whoever holds it', () => {
    const file = settingsFile();
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: deadPid(), at: Date.now(), token: 'dead' }));
    expect(withFileLock(file, () => 'done', { waitMs: 0, staleMs: 60_000 })).toBe('done');
    // Our own pid (alive) but an hour old: its pid was reused, or its owner hangs.
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, at: Date.now() - 3_600_000, token: 'old' }));
    expect(withFileLock(file, () => 'done', { waitMs: 0, staleMs: 60_000 })).toBe('done');
    expect(fs.readdirSync(path.dirname(file))).toEqual([]);
  });

  it('refuses in one line, naming the owner, when a live owner holds it past the wait; the lock is left alone', () => {
    const file = settingsFile();
    const held = JSON.stringify({ pid: process.pid, at: Date.now(), token: 'someone' });
    fs.writeFileSync(`${file}.lock`, held);
    let ran = false;
    const attempt = (): unknown => withFileLock(file, () => (ran = true), { waitMs: 50, staleMs: 60_000 });
    expect(attempt).toThrow(SettingsBusyError);
    expect(attempt).toThrow(new RegExp(`being changed by process ${process.pid} .* try again`));
    expect(ran).toBe(false);
    expect(fs.readFileSync(`${file}.lock`, 'utf8')).toBe(held);
  });
});

describe('SettingsStore under a lock another process holds', () => {
  it('refuses a change of the profiles in one line, and keeps an engine\'s own setting in memory with a notice', async () => {
    const { confSettingsBackend, SettingsStore } = await import('../../../../src/main/core/settings.js');
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
