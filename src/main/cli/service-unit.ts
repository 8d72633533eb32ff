/**
 * The text of the service that runs `ibkr-tray keepalive` after every reboot: a systemd user unit on
 * Linux, a launchd agent on macOS. Pure functions of the options, so the files are tested as text
 * (and with `systemd-analyze verify` where it exists) without touching the machine.
 */

/** What the service runs: `node <script> [globals…] keepalive [--health H:P] [--notify URL]`. */
export interface KeepaliveService {
  /** Absolute path of the node binary (the one running the install: services get no login PATH). */
  readonly nodePath: string;
  /** Absolute path of bin/ibkr-tray.js. */
  readonly scriptPath: string;
  /** Absolute gateway folder, or null to use the one in the settings. */
  readonly gatewayFolder: string | null;
  readonly gatewayUrl: string | null;
  readonly configDir: string | null;
  /** `HOST:PORT` for the probes, or null. */
  readonly health: string | null;
  /** The --notify target as the user typed it, or null. */
  readonly notify: string | null;
}

export const SYSTEMD_UNIT_NAME = 'ibkr-tray.service';
export const LAUNCHD_LABEL = 'com.ibkr-tray.keepalive';

/** The command line after node: the script, the global options, then keepalive and its own. */
export function keepaliveArguments(service: KeepaliveService): string[] {
  const args = [service.scriptPath];
  if (service.gatewayFolder !== null) args.push('--dir', service.gatewayFolder);
  if (service.gatewayUrl !== null) args.push('--gateway', service.gatewayUrl);
  if (service.configDir !== null) args.push('--config-dir', service.configDir);
  args.push('keepalive');
  if (service.health !== null) args.push('--health', service.health);
  if (service.notify !== null) args.push('--notify', service.notify);
  return args;
}

/**
 * One word of ExecStart=: double-quoted, with systemd's escapes. `%` starts a specifier and `$` a
 * variable in ExecStart, so both are doubled (a URL with %20 must reach keepalive as %20).
 */
export function systemdWord(word: string): string {
  const escaped = word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$').replace(/\n/g, '\\n');
  return `"${escaped}"`;
}

/**
 * The systemd user unit. `restartSteps`: systemd 254 and newer grow the restart delay by itself
 * (RestartSteps, RestartMaxDelaySec); older ones (Debian 12 has 252) would warn about the keys, so
 * they get a fixed, longer delay instead. Either way systemd never gives up (StartLimitIntervalSec=0):
 * a server that lost its network for an hour must come back by itself.
 */
export function systemdUnit(service: KeepaliveService, options: { readonly restartSteps: boolean }): string {
  const backoff = options.restartSteps ? ['RestartSec=5s', 'RestartSteps=8', 'RestartMaxDelaySec=5min'] : ['RestartSec=30s'];
  return [
    '# Written by `ibkr-tray service install`; `ibkr-tray service uninstall` removes it.',
    '[Unit]',
    'Description=IBKR Tray keepalive (keeps the Client Portal Gateway session alive)',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[service.nodePath, ...keepaliveArguments(service)].map(systemdWord).join(' ')}`,
    'Restart=on-failure',
    ...backoff,
    // SIGTERM to keepalive only: it stops the gateway it started itself, then exits.
    'KillMode=mixed',
    'TimeoutStopSec=30s',
    'StandardOutput=journal',
    'StandardError=journal',
    'SyslogIdentifier=ibkr-tray',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The launchd agent: started at login, restarted when it exits with a failure (KeepAlive
 * SuccessfulExit=false), no more often than every 30 s (ThrottleInterval), output to `logFile`.
 */
export function launchdAgent(service: KeepaliveService, logFile: string): string {
  const args = [service.nodePath, ...keepaliveArguments(service)].map((a) => `    <string>${xml(a)}</string>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${LAUNCHD_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...args,
    '  </array>',
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    '  <integer>30</integer>',
    '  <key>StandardOutPath</key>',
    `  <string>${xml(logFile)}</string>`,
    '  <key>StandardErrorPath</key>',
    `  <string>${xml(logFile)}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
