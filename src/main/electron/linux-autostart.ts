/**
 * "Start at login" on Linux desktops, where app.setLoginItemSettings does nothing: an XDG autostart
 * entry (~/.config/autostart/ibkr-tray.desktop), written or removed. No Electron import: the entry's
 * text is a pure function, tested.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The autostart entry's path (XDG_CONFIG_HOME, else ~/.config). */
export function autostartFile(env: NodeJS.ProcessEnv, home: string): string {
  return path.join(env['XDG_CONFIG_HOME'] || path.join(home, '.config'), 'autostart', 'ibkr-tray.desktop');
}

/**
 * One argument of an Exec= line (Desktop Entry spec): quoted when it has a reserved character, with
 * `"` `` ` `` `$` `\` escaped inside the quotes, then backslashes escaped again (the file's own string
 * escaping), and `%` doubled (field codes).
 */
export function execArgument(argument: string): string {
  const needsQuotes = argument === '' || /[\s"'\\><~|&;$*?#()`%=]/.test(argument);
  const quoted = needsQuotes ? `"${argument.replace(/(["`$\\])/g, '\\$1')}"` : argument;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

/** The .desktop entry that starts `command` (executable first) at login. */
export function autostartEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=IBKR Tray',
    'Comment=Keeps your Interactive Brokers Client Portal Gateway session alive',
    `Exec=${command.map(execArgument).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Write or remove the entry. Returns a one-line problem for the user, or null when done. */
export function setLinuxAutostart(file: string, enabled: boolean, command: readonly string[]): string | null {
  try {
    if (enabled) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, autostartEntry(command), { mode: 0o644 });
    } else {
      fs.rmSync(file, { force: true });
    }
    return null;
  } catch (error) {
    return `Start at login: could not ${enabled ? 'write' : 'remove'} ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`;
  }
}
