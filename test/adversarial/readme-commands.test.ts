/**
 * The README's own command sequences, run as written against the fake gateway folder (a real
 * process tree), with one account and with two. Every line of every ```sh block is either run or
 * named in SKIPPED with the reason (the internet, the machine's services, another tool); a line that
 * is neither fails the test, so a new README example must be given its promised exit code here.
 *
 * What is substituted, and how (nothing else is touched):
 * - `ibkr-tray` is the built command (a wrapper on PATH); the settings folder is a fresh one per
 *   block through IBKR_TRAY_CONFIG_DIR (the README's own default), already holding the gateway folder
 *   as `gateway install` would have left it.
 * - HOME is a temp folder holding `~/clientportal.gw` (the fake gateway, running, its conf's port
 *   free on this machine) and `~/paper/clientportal.gw` (a second copy, not running).
 * - The ports the README picks (`--port 5050`, `--port 5001`) become free ones: other programs on a
 *   shared machine may hold those.
 * - `xdg-open` is a stand-in that only records the URL (no browser); `python trade.py` runs an
 *   empty trade.py in the working folder.
 * - IBKR's pacing is off in the simulator: pacing across processes has its own tests.
 * Every line must print no stack trace and exit with the code the README promises (EXPECTED).
 * And every `ibkr-tray …` the README names (in blocks and in running text) must parse: an unknown
 * command or option fails here.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/main/cli/arguments.js';
import { freePort, makeGatewayFolder, startGatewayFolder, type RunningGatewayFolder } from '../sim/gateway-folder.js';
import { until } from '../sim/until.js';
import { ensureBuilt, ROOT, writeSettings } from '../integration/cli/command.js';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BIN = path.join(ROOT, 'bin', 'ibkr-tray.js');

/** Lines of the README's sh blocks not run here, each with why (and it must still be in the README). */
const SKIPPED: ReadonlyMap<string, string> = new Map([
  ['npm ci', 'installs from the npm registry (the internet)'],
  ['ibkr-tray java install', 'downloads Java from Adoptium (the internet); test/integration/install covers it against a local server'],
  ['ibkr-tray gateway install', "downloads IBKR's zip (the internet); test/integration/install covers it against a local server"],
  ['npm install -g ./ibkr-tray-0.1.0.tgz', 'installs a packed tarball (test/packaging covers it)'],
  [
    'ibkr-tray --dir ~/clientportal.gw service install --health 127.0.0.1:8080 --notify https://ntfy.sh/<a-secret-topic>',
    "writes a systemd unit into this machine's user services (test/unit/main/cli/commands/service.test.ts covers the unit)",
  ],
  ['sudo loginctl enable-linger "$USER"', "changes the machine's login manager"],
  ['ibkr-tray service status', 'asks systemd about the unit the skipped install would have written'],
  ['journalctl --user -u ibkr-tray.service -f', "systemd's journal, not ibkr-tray"],
  ['ibkr-tray service uninstall', 'removes the unit the skipped install would have written'],
  ['ssh -N -L 5000:127.0.0.1:5000 you@server', 'an SSH tunnel to another machine'],
]);

/** How a line ends: its exit code (all of a `&&`/`||`/`|` line, as the shell reports it). */
interface Expected {
  readonly code: number;
  /** Runs until Ctrl-C: stopped with SIGINT once it printed a line matching this. */
  readonly foreground?: RegExp;
  /** Why this code, in the README's words. */
  readonly because: string;
}

const EXPECTED: ReadonlyMap<string, Expected> = new Map<string, Expected>([
  ['ibkr-tray gateway start', { code: 0, because: 'the gateway folder is the one in the settings; it already runs (adopted)' }],
  ['ibkr-tray doctor', { code: 0, because: '"exit 0 when all is well" (logged in, folder, Java, port; the certificate is a note)' }],
  ['ibkr-tray status', { code: 0, because: '"exit code 0 = ready"' }],
  ['ibkr-tray login --no-browser --wait --timeout 120 && ibkr-tray use U1234567 && python trade.py', { code: 0, because: 'logged in; U1234567 is one of the accounts' }],
  ['ibkr-tray wait --timeout 600 --interval 5 || echo "no session: exit $?"', { code: 0, because: 'someone has logged in' }],
  ["ibkr-tray status --json | jq -r '.state, .selectedAccount'", { code: 0, because: 'one JSON document on stdout' }],
  ['ibkr-tray --dir ~/clientportal.gw gateway start', { code: 0, because: '"start the gateway from its folder" (already running)' }],
  ['ibkr-tray keepalive', { code: 0, foreground: /\bready: /, because: 'Ctrl-C stops it, cleanly' }],
  ['ibkr-tray trust', { code: 0, because: 'trusts the certificate presented' }],
  ['ibkr-tray serve --port 5050', { code: 0, foreground: /dashboard: http/, because: 'Ctrl-C stops it, cleanly' }],
  ['ibkr-tray profile rename Gateway Live', { code: 0, because: '"your existing settings are the profile Gateway"' }],
  ['ibkr-tray profile add Paper --dir ~/paper/clientportal.gw --port 5001', { code: 0, because: 'a second folder, its own port' }],
  ['ibkr-tray profile list', { code: 0, because: 'lists the two' }],
  ['ibkr-tray --profile Paper login', { code: 0, because: 'starts Paper\'s gateway and shows the login page' }],
  ['ibkr-tray profile remove Paper', { code: 1, because: '"refused while a gateway IBKR Tray started for it runs" (the login above started it)' }],
  ['ibkr-tray --help', { code: 0, because: 'the help' }],
]);

/** After `profile add Paper`, `status` is one line per profile and "exit code: the worst of them": Paper's gateway is not running yet (3). */
const STATUS_OF_TWO = 3;

interface Block {
  readonly heading: string;
  readonly lines: readonly string[];
}

/** Every ```sh block: its non-blank, non-comment lines, trailing `# comments` removed. */
function shellBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let heading = '';
  let inside: string[] | null = null;
  for (const line of text.split('\n')) {
    if (inside === null && /^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '');
    if (inside === null && line.startsWith('```sh')) inside = [];
    else if (inside !== null && line.startsWith('```')) {
      blocks.push({ heading, lines: inside });
      inside = null;
    } else if (inside !== null) {
      const command = line.replace(/\s+#\s.*$/, '').trim();
      if (command !== '' && !command.startsWith('#')) inside.push(command);
    }
  }
  return blocks;
}

/** Each `ibkr-tray …` the README names: in the blocks, and in running text between backticks. */
function namedCommands(text: string): string[] {
  const inBlocks = shellBlocks(text).flatMap((b) => b.lines.flatMap((l) => l.split(/&&|\|\||\|/).map((part) => part.trim())));
  const inText = [...text.matchAll(/`(ibkr-tray [^`]+)`/g)].map((m) => m[1] ?? '');
  return [...inBlocks, ...inText].filter((c) => c.startsWith('ibkr-tray ') || c === 'ibkr-tray');
}

/** Split like a shell would for these simple lines (single and double quotes, no expansions needed). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

describe('the README names only commands and options that exist', () => {
  it('every `ibkr-tray …` in the README parses (no unknown command or option)', () => {
    const named = namedCommands(README);
    expect(named.length).toBeGreaterThan(20);
    for (const command of named) {
      const parsed = parseCommandLine(words(command).slice(1), {});
      const reason = parsed.ok ? '' : parsed.reason;
      expect(reason, command).not.toMatch(/unknown command|unknown option|has no option|takes no value|goes with/);
    }
  });

  it('every sh line is run or skipped with a reason, and every skip is still in the README', () => {
    const lines = shellBlocks(README).flatMap((b) => b.lines);
    for (const line of lines) expect(SKIPPED.has(line) || EXPECTED.has(line), `README line not covered here: ${line}`).toBe(true);
    for (const line of [...SKIPPED.keys(), ...EXPECTED.keys()]) expect(lines, `no longer in the README: ${line}`).toContain(line);
  });
});

interface Machine {
  readonly home: string;
  readonly bin: string;
  readonly opened: string;
  readonly live: RunningGatewayFolder;
  readonly paperFolder: string;
  readonly paperPort: number;
  readonly servePort: number;
}

const machines: Machine[] = [];
const started: number[] = [];

async function machine(accounts: { id: string; alias?: string }[]): Promise<Machine> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'ibkr-readme-home-'));
  const bin = path.join(home, '.bin');
  mkdirSync(bin);
  const opened = path.join(home, 'opened.txt');
  writeFileSync(path.join(bin, 'ibkr-tray'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" >> "${opened}"\n`);
  chmodSync(path.join(bin, 'ibkr-tray'), 0o755);
  chmodSync(path.join(bin, 'xdg-open'), 0o755);
  writeFileSync(path.join(home, 'trade.py'), '');
  const place = async (to: string): Promise<void> => {
    const copy = await makeGatewayFolder({ parent: home });
    mkdirSync(path.dirname(to), { recursive: true });
    renameSync(copy.dir, to);
  };
  await place(path.join(home, 'clientportal.gw'));
  await place(path.join(home, 'paper', 'clientportal.gw'));
  const port = await freePort();
  const conf = path.join(home, 'clientportal.gw', 'root', 'conf.yaml');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(/listenPort: \d+/, `listenPort: ${port}`));
  const live = await startGatewayFolder({ dir: path.join(home, 'clientportal.gw'), port, authDelayMs: 100, pacing: false, accounts });
  await live.control.login();
  await until('the simulated session to be authenticated', async () => (await live.control.state()).authenticated, 10_000, 50);
  const m: Machine = { home, bin, opened, live, paperFolder: path.join(home, 'paper', 'clientportal.gw'), paperPort: await freePort(), servePort: await freePort() };
  machines.push(m);
  return m;
}

/** The line as run: only the stated substitutions (the README's fixed ports). */
function substituted(line: string, m: Machine): string {
  return line.replace('--port 5050', `--port ${m.servePort}`).replace('--port 5001', `--port ${m.paperPort}`);
}

interface LineResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runLine(line: string, m: Machine, configDir: string, foreground?: RegExp): Promise<LineResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', substituted(line, m)], {
      cwd: m.home,
      detached: true,
      env: { ...process.env, HOME: m.home, PATH: `${m.bin}:${process.env.PATH ?? ''}`, IBKR_TRAY_CONFIG_DIR: configDir, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let stopped = false;
    const killer = setTimeout(() => process.kill(-(child.pid ?? 0), 'SIGKILL'), 60_000);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      if (foreground && !stopped && foreground.test(stdout)) {
        stopped = true;
        process.kill(-(child.pid ?? 0), 'SIGINT');
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(() => ensureBuilt(), 120_000);
afterAll(async () => {
  for (const m of machines.splice(0)) {
    await m.live.stop();
    // A gateway the README's `--profile Paper login` started: its recorded process group.
    for (const pid of started.splice(0)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(m.home, { recursive: true, force: true });
  }
});

/** The gateways an ibkr-tray process started for this settings folder: their records (gateway.pid.json in a state folder). */
function recordedGateways(configDir: string): number[] {
  return readdirSync(configDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => path.basename(file) === 'gateway.pid.json')
    .map((file) => (JSON.parse(readFileSync(path.join(configDir, file), 'utf8')) as { pid?: unknown }).pid)
    .filter((pid): pid is number => typeof pid === 'number');
}

describe.each([
  ['one account', [{ id: 'U1234567' }]],
  ['two accounts', [{ id: 'U1234567', alias: 'Main' }, { id: 'U7654321', alias: 'Savings' }]],
])('the README run as written, %s', (_name, accounts) => {
  it('each line of each block exits as the README says, with no stack trace', async () => {
    const m = await machine(accounts);
    const failures: string[] = [];
    for (const block of shellBlocks(README)) {
      const configDir = mkdtempSync(path.join(m.home, 'settings-'));
      // What `gateway install` leaves: the folder remembered in the settings.
      writeSettings(configDir, { gatewayFolder: path.join(m.home, 'clientportal.gw') });
      let profiles = 1;
      for (const line of block.lines) {
        if (SKIPPED.has(line)) continue;
        const expected = EXPECTED.get(line);
        if (!expected) {
          failures.push(`${block.heading}: no expectation for ${line}`);
          continue;
        }
        const result = await runLine(line, m, configDir, expected.foreground);
        if (line.startsWith('ibkr-tray profile add')) profiles = 2;
        const code = line === 'ibkr-tray status' && profiles === 2 ? STATUS_OF_TWO : expected.code;
        if (line.includes('login')) started.push(...recordedGateways(configDir));
        const where = `${block.heading}: \`${line}\``;
        if (result.code !== code) failures.push(`${where} exited ${result.code}, the README promises ${code} (${expected.because}); stderr: ${result.stderr.trim()}`);
        if (/\n\s+at .+:\d+:\d+/.test(result.stdout + result.stderr)) failures.push(`${where} printed a stack trace: ${result.stderr}`);
      }
    }
    expect(failures).toEqual([]);
  }, 180_000);
});
