import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { autostartEntry, autostartFile, execArgument, setLinuxAutostart } from '../../../../src/main/electron/linux-autostart.js';

describe('execArgument (Desktop Entry Exec= quoting)', () => {
  it.each([
    ['/opt/IBKR Tray/ibkr-tray', '"/opt/IBKR Tray/ibkr-tray"'],
    ['/usr/bin/electron', '/usr/bin/electron'],
    ['/home/a/My$App', '"/home/a/My\\\\$App"'],
    ['/home/a/100%', '"/home/a/100%%"'],
    ['', '""'],
  ])('%s → %s', (argument, expected) => {
    expect(execArgument(argument)).toBe(expected);
  });
});

describe('autostartEntry', () => {
  it('starts the given command, quoted', () => {
    const entry = autostartEntry(['/home/me/Apps/IBKR Tray.AppImage']);
    expect(entry).toContain('[Desktop Entry]\nType=Application\nName=IBKR Tray\n');
    expect(entry).toContain('Exec="/home/me/Apps/IBKR Tray.AppImage"\n');
  });
});

describe('autostartFile', () => {
  it('uses XDG_CONFIG_HOME, else ~/.config', () => {
    expect(autostartFile({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/me')).toBe(path.join('/x/cfg', 'autostart', 'ibkr-tray.desktop'));
    expect(autostartFile({}, '/home/me')).toBe(path.join('/home/me', '.config', 'autostart', 'ibkr-tray.desktop'));
  });
});

describe('setLinuxAutostart', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the entry when turned on and removes it when turned off', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'autostart-'));
    dirs.push(dir);
    const file = path.join(dir, 'autostart', 'ibkr-tray.desktop');
    expect(setLinuxAutostart(file, true, ['/usr/bin/ibkr-tray'])).toBeNull();
    expect(readFileSync(file, 'utf8')).toContain('Exec=/usr/bin/ibkr-tray\n');
    expect(setLinuxAutostart(file, false, ['/usr/bin/ibkr-tray'])).toBeNull();
    expect(existsSync(file)).toBe(false);
    expect(setLinuxAutostart(file, false, ['/usr/bin/ibkr-tray'])).toBeNull();
  });

  it('says in one line what went wrong when it cannot write', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'autostart-'));
    dirs.push(dir);
    // A file where the autostart folder should be.
    const blocker = path.join(dir, 'autostart');
    setLinuxAutostart(path.join(dir, 'autostart'), true, ['x']);
    const problem = setLinuxAutostart(path.join(blocker, 'ibkr-tray.desktop'), true, ['x']);
    expect(problem).toMatch(/^Start at login: could not write .*ibkr-tray\.desktop \(E[A-Z]+\)\.$/);
  });
});
