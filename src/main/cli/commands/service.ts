/**
 * `ibkr-tray service install | status | uninstall`: keepalive as a service that comes back after a
 * reboot. Linux: a systemd user unit (journal logging, restart with back-off); macOS: a launchd
 * agent; Windows: a message saying what to do instead. The machine is reached only through
 * ServiceSystem (files under the user's config folder, systemctl / launchctl), so tests install into
 * a temporary XDG_CONFIG_HOME with a fake systemctl.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServiceAction } from '../arguments.js';
import type { CommandContext, CommandResult } from '../context.js';
import { CommandFailure, ExitCode } from '../exit-codes.js';
import { packageFolder } from '../installation.js';
import { LAUNCHD_LABEL, SYSTEMD_UNIT_NAME, launchdAgent, systemdUnit, type KeepaliveService } from '../service-unit.js';

export interface ToolResult {
  /** null when the tool could not be run at all (not installed). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The machine as the service command sees it. */
export interface ServiceSystem {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
  readonly uid: number;
  /** Run systemctl, loginctl or launchctl; never rejects. */
  run(command: string, args: readonly string[]): Promise<ToolResult>;
}

/** The real machine. Each tool call is bounded: a hung systemctl must not hang the command. */
export function hostServiceSystem(): ServiceSystem {
  return {
    platform: process.platform,
    env: process.env,
    home: os.homedir(),
    uid: process.getuid?.() ?? 0,
    run: (command, args) =>
      new Promise((resolve) => {
        execFile(command, [...args], { timeout: 15_000, encoding: 'utf8' }, (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
          resolve({ code, stdout, stderr: stderr || (code === null ? error?.message ?? '' : '') });
        });
      }),
  };
}

/** bin/ibkr-tray.js of this installation. */
const SCRIPT_PATH = path.join(packageFolder(), 'bin', 'ibkr-tray.js');

/** Where the service file goes on this platform, or null where there is none (Windows). */
export function serviceFile(system: ServiceSystem): string | null {
  if (system.platform === 'linux') {
    const config = system.env['XDG_CONFIG_HOME']?.trim() || path.join(system.home, '.config');
    return path.join(config, 'systemd', 'user', SYSTEMD_UNIT_NAME);
  }
  if (system.platform === 'darwin') return path.join(system.home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  return null;
}

const WINDOWS_ADVICE =
  'Windows has no user services that ibkr-tray can install: create a Task Scheduler task "At log on" (or "At startup") ' +
  'that runs `ibkr-tray --dir FOLDER keepalive`, with "restart on failure" set in its settings.';

/** Write `text` to `file` (0600: the --notify URL can hold a secret topic) via a temporary file. */
function writePrivately(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text, { mode: 0o600 });
  fs.renameSync(temporary, file);
}

/** A failed tool call as one line: the tool's own first line of complaint. */
function toolFailure(what: string, result: ToolResult): CommandFailure {
  const said = (result.stderr || result.stdout).trim().split('\n')[0] ?? '';
  if (result.code === null) return new CommandFailure(ExitCode.usage, `${what}: ${said || 'the tool could not be run'}`);
  return new CommandFailure(ExitCode.usage, `${what} failed (${said || `exit ${result.code}`})`);
}

/** systemd 254+ knows RestartSteps; `systemctl --version` starts with `systemd 252 (252.38-1~deb12u1)`. */
async function systemdHasRestartSteps(system: ServiceSystem): Promise<boolean> {
  const version = await system.run('systemctl', ['--version']);
  const major = Number(/^systemd (\d+)/.exec(version.stdout)?.[1]);
  return Number.isFinite(major) && major >= 254;
}

export interface InstallReport {
  readonly file: string;
  /** What the user should still know or do. */
  readonly notes: readonly string[];
}

/** Write the service file, then enable and start it. */
export async function installService(service: KeepaliveService, system: ServiceSystem): Promise<InstallReport> {
  const file = serviceFile(system);
  if (file === null) throw new CommandFailure(ExitCode.usage, WINDOWS_ADVICE);
  if (service.gatewayFolder !== null && !fs.existsSync(service.gatewayFolder)) {
    throw new CommandFailure(ExitCode.usage, `--dir: ${service.gatewayFolder} does not exist: give the Client Portal Gateway folder (it contains bin/ and root/)`);
  }
  const notes: string[] = [];
  if (system.platform === 'darwin') {
    const logFile = path.join(system.home, 'Library', 'Logs', 'IBKR Tray', 'keepalive.log');
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    writePrivately(file, launchdAgent(service, logFile));
    const target = `gui/${system.uid}`;
    // A previous version of the agent must go first, or bootstrap refuses ("already loaded").
    await system.run('launchctl', ['bootout', `${target}/${LAUNCHD_LABEL}`]);
    const loaded = await system.run('launchctl', ['bootstrap', target, file]);
    if (loaded.code !== 0) throw toolFailure('launchctl bootstrap', loaded);
    notes.push(`log: ${logFile}`);
    return { file, notes };
  }
  writePrivately(file, systemdUnit(service, { restartSteps: await systemdHasRestartSteps(system) }));
  const reload = await system.run('systemctl', ['--user', 'daemon-reload']);
  if (reload.code !== 0) throw toolFailure('systemctl --user daemon-reload (is a systemd user session running? try after `loginctl enable-linger`)', reload);
  const enable = await system.run('systemctl', ['--user', 'enable', '--now', SYSTEMD_UNIT_NAME]);
  if (enable.code !== 0) throw toolFailure(`systemctl --user enable --now ${SYSTEMD_UNIT_NAME}`, enable);
  const user = system.env['USER'] ?? os.userInfo().username;
  const linger = await system.run('loginctl', ['show-user', user, '--property=Linger']);
  if (!/Linger=yes/.test(linger.stdout)) {
    notes.push(`to start it at boot without anyone logging in: sudo loginctl enable-linger ${user}`);
  }
  notes.push(`log: journalctl --user -u ${SYSTEMD_UNIT_NAME} -f`);
  return { file, notes };
}

export interface ServiceState {
  readonly installed: boolean;
  readonly running: boolean;
  /** The service manager's own words (systemctl status, launchctl print), trimmed. */
  readonly details: string;
}

/** Is the service installed, and is it running? */
export async function serviceState(system: ServiceSystem): Promise<ServiceState> {
  const file = serviceFile(system);
  if (file === null) throw new CommandFailure(ExitCode.usage, WINDOWS_ADVICE);
  const installed = fs.existsSync(file);
  if (!installed) return { installed, running: false, details: '' };
  if (system.platform === 'darwin') {
    const printed = await system.run('launchctl', ['print', `gui/${system.uid}/${LAUNCHD_LABEL}`]);
    return { installed, running: /\bstate = running\b/.test(printed.stdout), details: printed.stdout.trim() };
  }
  const active = await system.run('systemctl', ['--user', 'is-active', SYSTEMD_UNIT_NAME]);
  const status = await system.run('systemctl', ['--user', 'status', '--no-pager', '--lines=5', SYSTEMD_UNIT_NAME]);
  return { installed, running: active.stdout.trim() === 'active', details: status.stdout.trim() };
}

/** Stop and disable the service, then remove its file. Not installed: nothing to do. */
export async function uninstallService(system: ServiceSystem): Promise<{ readonly file: string; readonly removed: boolean }> {
  const file = serviceFile(system);
  if (file === null) throw new CommandFailure(ExitCode.usage, WINDOWS_ADVICE);
  if (!fs.existsSync(file)) return { file, removed: false };
  if (system.platform === 'darwin') {
    await system.run('launchctl', ['bootout', `gui/${system.uid}/${LAUNCHD_LABEL}`]);
  } else {
    const disable = await system.run('systemctl', ['--user', 'disable', '--now', SYSTEMD_UNIT_NAME]);
    if (disable.code !== 0) throw toolFailure(`systemctl --user disable --now ${SYSTEMD_UNIT_NAME}`, disable);
  }
  fs.rmSync(file, { force: true });
  if (system.platform === 'linux') await system.run('systemctl', ['--user', 'daemon-reload']);
  return { file, removed: true };
}

export interface ServiceCommand {
  readonly action: ServiceAction;
  readonly health: string | null;
  readonly notify: string | null;
}

/** The command: what to install comes from the global options (--dir, --gateway, --config-dir). */
export async function service(ctx: CommandContext, command: ServiceCommand, system: ServiceSystem = hostServiceSystem()): Promise<CommandResult> {
  switch (command.action) {
    case 'install': {
      const g = ctx.global;
      const report = await installService(
        {
          nodePath: process.execPath,
          scriptPath: SCRIPT_PATH,
          gatewayFolder: g.gatewayFolder === undefined ? null : path.resolve(g.gatewayFolder),
          gatewayUrl: g.gatewayUrl ?? null,
          configDir: g.configDir === undefined ? null : path.resolve(g.configDir),
          health: command.health,
          notify: command.notify,
        },
        system,
      );
      ctx.out.result([`installed and started: ${report.file}`, ...report.notes].join('\n'), { ok: true, file: report.file, notes: report.notes });
      return ExitCode.ok;
    }
    case 'status': {
      const state = await serviceState(system);
      const line = !state.installed ? 'not installed (ibkr-tray service install)' : state.running ? 'installed, running' : 'installed, not running';
      ctx.out.result(state.details ? `${line}\n${state.details}` : line, { ok: state.running, installed: state.installed, running: state.running });
      return state.running ? ExitCode.ok : ExitCode.notReady;
    }
    case 'uninstall': {
      const result = await uninstallService(system);
      ctx.out.result(result.removed ? `stopped and removed: ${result.file}` : 'not installed: nothing to remove', { ok: true, ...result });
      return ExitCode.ok;
    }
  }
}
