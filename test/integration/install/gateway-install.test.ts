/**
 * `ibkr-tray gateway install` as a user runs it (a child process), against a local HTTPS server whose
 * CA is trusted through NODE_EXTRA_CA_CERTS: the right outcome for a good zip, a clear reason for
 * each broken one, and in every case nothing half-installed and no staging folder left behind.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOWNLOAD_RECORD } from '../../../src/main/core/install/gateway-install.js';
import { onlyJson, readSettings, run, type CommandResult } from '../cli/command.js';
import { cliFixtures } from '../cli/fixtures.js';
import { startDownloadServer, type DownloadServer } from './download-server.js';

const fixtures = cliFixtures();
let server: DownloadServer;

beforeAll(async () => {
  server = await startDownloadServer();
}, 60_000);
afterAll(async () => {
  await server.close();
});

/** No proxy from the test machine's environment: the server is local. */
function env(): Record<string, string> {
  return { NODE_EXTRA_CA_CERTS: server.caFile, HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '' };
}

function install(configDir: string, ...args: string[]): Promise<CommandResult> {
  return run(['gateway', 'install', ...args], { configDir, env: env() });
}

/** Every file under a folder with its content, to compare a folder before and after. */
function snapshotOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const name = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(name);
      else out[name] = readFileSync(path.join(dir, name), 'latin1');
    }
  };
  walk('');
  return out;
}

function stagingLeft(parent: string): string[] {
  return readdirSync(parent).filter((n) => n.includes('.install-'));
}

describe('gateway install', () => {
  it('installs from a URL, remembers the folder, then downloads again only when the ETag changed, keeping the user conf', async () => {
    const config = fixtures.configDir();
    const folder = path.join(config, 'clientportal.gw');

    const first = await install(config, '--json', '--from', `${server.origin}/gateway.zip`);
    expect(first.code, first.stderr).toBe(0);
    expect(onlyJson(first)).toMatchObject({ ok: true, outcome: 'installed', folder, bytes: server.gatewayZip.length });
    for (const file of ['bin/run.sh', 'bin/run.bat', 'root/conf.yaml', 'dist/ibgroup.web.core.iblink.router.clientportal.gw.jar', 'build/lib/runtime/gateway.mjs', '.sim-home']) {
      expect(existsSync(path.join(folder, file)), file).toBe(true);
    }
    expect(readSettings(config).gatewayFolder).toBe(folder);
    expect(JSON.parse(readFileSync(path.join(folder, DOWNLOAD_RECORD), 'utf8'))).toMatchObject({ etag: server.etag });

    // The user edits conf.yaml and the app wrote its own conf: an update must keep both.
    const conf = path.join(folder, 'root', 'conf.yaml');
    const userConf = readFileSync(conf, 'utf8').replace('listenPort: 5000', 'listenPort: 5099  # mine');
    writeFileSync(conf, userConf);
    writeFileSync(path.join(folder, 'root', 'ibkr-tray.yaml'), '    listenPort: 5123\n');

    const same = await install(config, '--from', `${server.origin}/gateway.zip`);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/is up to date/);
    expect(server.requests.at(-1)).toEqual({ path: '/gateway.zip', ifNoneMatch: '"v1"' });
    expect(readFileSync(conf, 'utf8')).toBe(userConf);

    server.etag = '"v2"';
    // A file v1 shipped (its record lists it) that v2 no longer has.
    writeFileSync(path.join(folder, 'dist', 'stale-from-v1.jar'), 'old');
    const recordFile = path.join(folder, DOWNLOAD_RECORD);
    const v1 = JSON.parse(readFileSync(recordFile, 'utf8')) as { files: string[] };
    writeFileSync(recordFile, JSON.stringify({ ...v1, files: [...v1.files, 'dist/stale-from-v1.jar'] }));
    const updated = await install(config, '--json', '--from', `${server.origin}/gateway.zip`);
    server.etag = '"v1"';
    expect(updated.code, updated.stderr).toBe(0);
    expect(onlyJson(updated)).toMatchObject({ outcome: 'updated', kept: ['root/conf.yaml', 'root/ibkr-tray.yaml'], restarted: false });
    expect(readFileSync(conf, 'utf8')).toBe(userConf);
    expect(readFileSync(path.join(folder, 'root', 'ibkr-tray.yaml'), 'utf8')).toBe('    listenPort: 5123\n');
    // The folder is the new zip's, not a merge: a file only the old one had is gone.
    expect(existsSync(path.join(folder, 'dist', 'stale-from-v1.jar'))).toBe(false);
    expect(stagingLeft(config)).toEqual([]);
  });

  it('follows a redirect and installs into --dir', async () => {
    const config = fixtures.configDir();
    const dir = path.join(config, 'elsewhere', 'gw');
    const result = await run(['--dir', dir, 'gateway', 'install', '--from', `${server.origin}/redirect.zip`], { configDir: config, env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'bin', 'run.sh'))).toBe(true);
    expect(readSettings(config).gatewayFolder).toBe(dir);
  });

  it.each([
    ['a truncated zip', '/truncated.zip', 1, /damaged or incomplete/],
    ['a zip with a ../ entry', '/escaping.zip', 1, /outside its folder \("\.\.\/evil\.txt"\)/],
    ['an HTML error page with status 200', '/error.zip', 1, /is a web page, not a zip/],
    ['a 404', '/missing.zip', 3, /answered HTTP 404/],
  ])('refuses %s: clear reason, previous folder untouched, nothing left over', async (_name, file, code, reason) => {
    const config = fixtures.configDir();
    const folder = path.join(config, 'clientportal.gw');
    const good = await install(config, '--from', `${server.origin}/gateway.zip`);
    expect(good.code, good.stderr).toBe(0);
    const before = snapshotOf(folder);

    // Another address, so the previous download's ETag does not apply.
    const result = await install(config, '--from', `${server.origin}${file}`);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(reason);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshotOf(folder)).toEqual(before);
    expect(stagingLeft(config)).toEqual([]);
    expect(existsSync(path.join(config, 'evil.txt'))).toBe(false);
  });

  it('gives up on a server that stalls mid-body, with nothing installed', async () => {
    const config = fixtures.configDir();
    // --timeout 0.2: a silence of 6 × 0.2 s fails the download.
    const result = await run(['--timeout', '0.2', 'gateway', 'install', '--from', `${server.origin}/stall.zip`], { configDir: config, env: env() });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/sent nothing for 1\.2 s while downloading the gateway's zip/);
    expect(readdirSync(config).filter((n) => n !== 'config.json')).toEqual([]);
  });

  it('refuses a server whose certificate the system does not trust (no NODE_EXTRA_CA_CERTS)', async () => {
    const config = fixtures.configDir();
    const result = await run(['gateway', 'install', '--from', `${server.origin}/gateway.zip`], { configDir: config, env: { ...env(), NODE_EXTRA_CA_CERTS: '' } });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/could not be verified .*NODE_EXTRA_CA_CERTS/);
    expect(existsSync(path.join(config, 'clientportal.gw'))).toBe(false);
  });

  it('into a new --dir leaves the profile on its folder and says how to use the new one; a profile without a folder is not pointed at a taken port', async () => {
    const config = fixtures.configDir();
    const live = path.join(config, 'clientportal.gw');
    expect((await install(config, '--from', `${server.origin}/gateway.zip`)).code).toBe(0);
    expect((await run(['profile', 'rename', 'Gateway', 'Live'], { configDir: config })).code).toBe(0);

    // The trial's steps: a copy for paper, then a profile for it.
    const paper = path.join(config, 'paper', 'clientportal.gw');
    const copy = await install(config, '--from', `${server.origin}/gateway.zip`, '--dir', paper);
    expect(copy.code, copy.stderr).toBe(0);
    expect(copy.stdout.replace(/ \(\d+ kB\)/, '')).toBe(`installed the gateway in ${paper}\nthe profile "Live" still uses ${live}; to use this one, add a profile for it: \`ibkr-tray profile add NAME --dir ${paper} --port N\`\n`);
    expect(readSettings(config, 'Live').gatewayFolder).toBe(live);
    const added = await run(['profile', 'add', 'Paper', '--dir', paper, '--port', '5001'], { configDir: config });
    expect(added.code, added.stderr).toBe(0);

    // --profile Paper into yet another folder (whose conf says Live's 5000): Paper stays where it is.
    const other = path.join(config, 'other', 'clientportal.gw');
    const moved = await run(['--profile', 'Paper', 'gateway', 'install', '--from', `${server.origin}/gateway.zip`, '--dir', other], { configDir: config, env: env() });
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(new RegExp(`the profile "Paper" still uses ${paper.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')};`));
    expect(readSettings(config, 'Paper').gatewayFolder).toBe(paper);
    expect(readSettings(config, 'Live').gatewayFolder).toBe(live);

    // A profile without a folder yet (by hand) takes the installed one, but never on another profile's port.
    const file = path.join(config, 'config.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { profiles: unknown[] };
    writeFileSync(file, JSON.stringify({ ...raw, profiles: [...raw.profiles, { name: 'Spare', stateFolder: 'profiles/spare' }] }));
    const spare = path.join(config, 'spare', 'clientportal.gw');
    const refused = await run(['--profile', 'Spare', 'gateway', 'install', '--from', `${server.origin}/gateway.zip`, '--dir', spare], { configDir: config, env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/installed the gateway in .*spare.*, but the profile "Spare" was not pointed at it: Port 5000 is already the gateway port of the profile "Live"/);
    expect(readSettings(config, 'Spare').gatewayFolder).toBeNull();
  });

  it('refuses a mirror address that is plain http as a setting (exit 1), saying how to go on', async () => {
    const config = fixtures.configDir();
    const result = await run(['--json', 'gateway', 'install'], { configDir: config, env: { ...env(), IBKR_TRAY_GATEWAY_ZIP_URL: 'http://127.0.0.1:9/clientportal.gw.zip' } });
    expect(result.code).toBe(1);
    expect(onlyJson(result)).toMatchObject({ ok: false, exitCode: 1, error: { message: expect.stringMatching(/not HTTPS: refused; download it yourself and use `--from FILE`\.$/) } });
    expect(existsSync(path.join(config, 'clientportal.gw'))).toBe(false);
  });

  it('installs from a local file, and says which file is missing', async () => {
    const config = fixtures.configDir();
    const zip = path.join(config, 'clientportal.gw.zip');
    writeFileSync(zip, server.gatewayZip);
    const dir = path.join(config, 'gw');
    const ok = await run(['--dir', dir, 'gateway', 'install', '--from', zip], { configDir: config, env: env() });
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'root', 'conf.yaml'))).toBe(true);
    // A file that is not there is the user's input gone wrong (exit 1), not a network failure (3).
    const missing = await run(['--dir', path.join(config, 'other'), 'gateway', 'install', '--from', path.join(config, 'nope.zip')], { configDir: config, env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^ibkr-tray: no such file: .*nope\.zip[^\n]*$/);
    const json = await run(['--json', '--dir', path.join(config, 'other'), 'gateway', 'install', '--from', 'missing.zip'], { configDir: config, env: env() });
    expect(json.code).toBe(1);
    expect(onlyJson(json)).toMatchObject({ ok: false, exitCode: 1, error: { message: expect.stringMatching(/^no such file: .*missing\.zip/) } });
    expect(existsSync(path.join(config, 'other'))).toBe(false);
  });
});
