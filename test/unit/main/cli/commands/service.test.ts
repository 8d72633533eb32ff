/**
 * `ibkr-tray service`: the unit and agent texts, `systemd-analyze verify` on the unit where the tool
 * exists, and install / status / uninstall into a temporary XDG_CONFIG_HOME with a fake systemctl
 * that records its calls (no systemd runs in tests).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../../../src/main/cli/arguments.js';
import { installService, serviceFile, serviceState, uninstallService, type ServiceSystem, type ToolResult } from '../../../../../src/main/cli/commands/service.js';
import { keepaliveArguments, launchdAgent, systemdUnit, systemdWord, type KeepaliveService } from '../../../../../src/main/cli/service-unit.js';

const SERVICE: KeepaliveService = {
  nodePath: '/usr/bin/node',
  scriptPath: '/usr/lib/node_modules/ibkr-tray/bin/ibkr-tray.js',
  gatewayFolder: '/home/trader/clientportal gw',
  gatewayUrl: null,
  configDir: null,
  health: '127.0.0.1:8080',
  notify: 'https://ntfy.sh/ibkr-%20topic$x',
};

describe('the systemd unit', () => {
  const unit = systemdUnit(SERVICE, { restartSteps: false });

  it('runs keepalive with the folder, the probes and the ping, every word quoted for systemd', () => {
    const exec = unit.split('\n').find((line) => line.startsWith('ExecStart='));
    expect(exec).toBe(
      'ExecStart="/usr/bin/node" "/usr/lib/node_modules/ibkr-tray/bin/ibkr-tray.js" "--dir" "/home/trader/clientportal gw" "keepalive" "--health" "127.0.0.1:8080" "--notify" "https://ntfy.sh/ibkr-%%20topic$$x"',
    );
  });

  it('restarts on failure, never gives up, logs to the journal and starts with the user manager', () => {
    for (const line of ['Restart=on-failure', 'StartLimitIntervalSec=0', 'StandardOutput=journal', 'StandardError=journal', 'KillMode=mixed', 'WantedBy=default.target']) {
      expect(unit.split('\n')).toContain(line);
    }
    expect(unit).toContain('RestartSec=30s');
    expect(unit).not.toContain('RestartSteps');
  });

  it('grows the delay by itself on systemd 254 and newer', () => {
    const newer = systemdUnit(SERVICE, { restartSteps: true }).split('\n');
    expect(newer).toEqual(expect.arrayContaining(['RestartSec=5s', 'RestartSteps=8', 'RestartMaxDelaySec=5min']));
  });

  it.each([
    ['plain', '"plain"'],
    ['a "quoted" \\ word', '"a \\"quoted\\" \\\\ word"'],
    ['100%', '"100%%"'],
    ['$HOME', '"$$HOME"'],
  ])('quotes %j as %s', (word, quoted) => {
    expect(systemdWord(word)).toBe(quoted);
  });

  it('passes `systemd-analyze verify`', async () => {
    // .ci/run installs Debian's systemd for this tool; without it this check would prove nothing.
    const which = await promisify(execFile)('sh', ['-c', 'command -v systemd-analyze || true']);
    expect(which.stdout.trim(), 'systemd-analyze (Debian package systemd) is needed for this test').not.toBe('');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ibkr-unit-'));
    try {
      // ExecStart's programs must exist for verify: the running node and a real script path.
      const script = path.join(dir, 'ibkr-tray.js');
      writeFileSync(script, '');
      const file = path.join(dir, 'ibkr-tray.service');
      writeFileSync(file, systemdUnit({ ...SERVICE, nodePath: process.execPath, scriptPath: script }, { restartSteps: false }));
      const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
        execFile('systemd-analyze', ['verify', '--man=no', file], { timeout: 20_000 }, (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, output: `${stdout}${stderr}` });
        });
      });
      // Only complaints about this file count (a container without systemd running adds its own noise).
      const ours = result.output.split('\n').filter((line) => line.includes('ibkr-tray.service'));
      expect(ours).toEqual([]);
      expect(result.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the launchd agent', () => {
  it('runs the same command line, restarts after a failed exit no more than every 30 s, and logs to a file', () => {
    const plist = launchdAgent({ ...SERVICE, notify: 'https://hooks.example.com/?a=1&b=<2>' }, '/Users/t/Library/Logs/IBKR Tray/keepalive.log');
    expect(plist).toContain('<string>com.ibkr-tray.keepalive</string>');
    expect(plist).toContain('<string>https://hooks.example.com/?a=1&amp;b=&lt;2&gt;</string>');
    expect(plist).toMatch(/<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>/);
    expect(plist).toMatch(/<key>ThrottleInterval<\/key>\s*<integer>30<\/integer>/);
    expect(plist).toContain('<string>/Users/t/Library/Logs/IBKR Tray/keepalive.log</string>');
  });
});

describe('keepaliveArguments', () => {
  it('is a command line that ibkr-tray itself parses back into the same keepalive', () => {
    const args = keepaliveArguments({ ...SERVICE, gatewayUrl: 'https://localhost:5001', configDir: '/srv/ibkr' });
    const parsed = parseCommandLine(args.slice(1), {});
    expect(parsed).toMatchObject({
      ok: true,
      invocation: {
        global: { gatewayFolder: SERVICE.gatewayFolder, gatewayUrl: 'https://localhost:5001', configDir: '/srv/ibkr' },
        command: { name: 'keepalive', health: { host: '127.0.0.1', port: 8080 }, notify: { style: 'ntfy' } },
      },
    });
  });
});

/** A Linux machine whose systemctl and loginctl only record what they were asked. */
function fakeLinux(home: string, answers: (command: string, args: readonly string[]) => Partial<ToolResult> = () => ({})): ServiceSystem & { calls: string[] } {
  const calls: string[] = [];
  return {
    platform: 'linux',
    env: { XDG_CONFIG_HOME: path.join(home, 'xdg'), USER: 'trader' },
    home,
    uid: 1000,
    calls,
    run: async (command, args) => {
      calls.push(`${command} ${args.join(' ')}`);
      return { code: 0, stdout: '', stderr: '', ...answers(command, args) };
    },
  };
}

describe('install, status and uninstall on Linux', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function home(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ibkr-service-'));
    dirs.push(dir);
    mkdirSync(path.join(dir, 'gw'));
    return dir;
  }

  it('writes the unit under XDG_CONFIG_HOME (owner only), reloads, enables and starts it, and says how to survive reboots', async () => {
    const h = home();
    const system = fakeLinux(h, (command) => (command === 'systemctl' ? { stdout: 'systemd 256 (256.7)\n+PAM' } : { stdout: 'Linger=no\n' }));
    const report = await installService({ ...SERVICE, gatewayFolder: path.join(h, 'gw') }, system);
    const file = path.join(h, 'xdg', 'systemd', 'user', 'ibkr-tray.service');
    expect(report.file).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('RestartSteps=8');
    expect(text).toContain(`"--dir" "${path.join(h, 'gw')}"`);
    expect(system.calls).toEqual([
      'systemctl --version',
      'systemctl --user daemon-reload',
      'systemctl --user enable --now ibkr-tray.service',
      'loginctl show-user trader --property=Linger',
    ]);
    expect(report.notes).toEqual(['to start it at boot without anyone logging in: sudo loginctl enable-linger trader', 'log: journalctl --user -u ibkr-tray.service -f']);
  });

  it('says in one line when there is no systemd user session, and leaves no temporary file', async () => {
    const h = home();
    const system = fakeLinux(h, (_command, args) => (args[1] === 'daemon-reload' ? { code: 1, stderr: 'Failed to connect to bus: No medium found\nmore' } : {}));
    await expect(installService({ ...SERVICE, gatewayFolder: path.join(h, 'gw') }, system)).rejects.toThrow(
      /^systemctl --user daemon-reload \(is a systemd user session running\? .*\) failed \(Failed to connect to bus: No medium found\)$/,
    );
    const dir = path.join(h, 'xdg', 'systemd', 'user');
    expect(readFileSync(path.join(dir, 'ibkr-tray.service'), 'utf8')).toContain('ExecStart=');
    expect(existsSync(path.join(dir, `ibkr-tray.service.${process.pid}.tmp`))).toBe(false);
  });

  it('refuses a gateway folder that does not exist before it writes anything', async () => {
    const h = home();
    const system = fakeLinux(h);
    await expect(installService({ ...SERVICE, gatewayFolder: path.join(h, 'nowhere') }, system)).rejects.toThrow(/--dir: .*nowhere does not exist/);
    expect(system.calls).toEqual([]);
    expect(existsSync(serviceFile(system) ?? '')).toBe(false);
  });

  it('reports status from systemctl, then uninstall disables it and removes the file', async () => {
    const h = home();
    const system = fakeLinux(h, (_command, args) => (args[1] === 'is-active' ? { code: 0, stdout: 'active\n' } : args[1] === 'status' ? { stdout: '● ibkr-tray.service - IBKR Tray keepalive\n' } : {}));
    expect(await serviceState(system)).toEqual({ installed: false, running: false, details: '' });
    await installService({ ...SERVICE, gatewayFolder: path.join(h, 'gw') }, system);
    expect(await serviceState(system)).toMatchObject({ installed: true, running: true, details: expect.stringContaining('IBKR Tray keepalive') as unknown as string });
    system.calls.length = 0;
    expect(await uninstallService(system)).toEqual({ file: serviceFile(system), removed: true });
    expect(system.calls).toEqual(['systemctl --user disable --now ibkr-tray.service', 'systemctl --user daemon-reload']);
    expect(existsSync(serviceFile(system) ?? '')).toBe(false);
    expect(await uninstallService(system)).toMatchObject({ removed: false });
  });
});

describe('other platforms', () => {
  it('installs a launchd agent on macOS through launchctl bootstrap', async () => {
    const h = mkdtempSync(path.join(os.tmpdir(), 'ibkr-service-mac-'));
    try {
      const calls: string[] = [];
      const system: ServiceSystem = {
        platform: 'darwin',
        env: {},
        home: h,
        uid: 501,
        run: async (command, args) => {
          calls.push(`${command} ${args.join(' ')}`);
          return { code: args[0] === 'bootout' ? 3 : 0, stdout: '', stderr: '' };
        },
      };
      const report = await installService({ ...SERVICE, gatewayFolder: null }, system);
      expect(report.file).toBe(path.join(h, 'Library', 'LaunchAgents', 'com.ibkr-tray.keepalive.plist'));
      expect(calls).toEqual(['launchctl bootout gui/501/com.ibkr-tray.keepalive', `launchctl bootstrap gui/501 ${report.file}`]);
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });

  it('says what to do instead on Windows', async () => {
    const system: ServiceSystem = { platform: 'win32', env: {}, home: 'C:\\Users\\t', uid: 0, run: () => Promise.reject(new Error('no tools on Windows')) };
    await expect(installService(SERVICE, system)).rejects.toThrow(/Task Scheduler .*ibkr-tray --dir FOLDER keepalive/);
    await expect(serviceState(system)).rejects.toThrow(/Task Scheduler/);
  });
});
