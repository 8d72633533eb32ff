/**
 * Nothing of the user's is ever deleted or replaced by an install: `gateway install` and `java install`
 * replace a folder only when IBKR Tray installed it there (its record inside) or it is empty; a folder
 * of the user's, a gateway the user unzipped, a file, or a staging-like folder of the user's next to the
 * target is refused or left alone, byte-identical; an update carries the user's files in the app's
 * own folder over. The real command, as a user runs it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGatewayFolder, type GatewayFolder } from '../../sim/gateway-folder.js';
import { changedIn, treeOf } from '../../adversarial/tree.js';
import { onlyJson, readSettings, run } from '../cli/command.js';
import { cliFixtures } from '../cli/fixtures.js';
import { startDownloadServer, zipFolder, type DownloadServer } from './download-server.js';

const fixtures = cliFixtures();
let gateway: GatewayFolder;
let zipBytes: Buffer;
let server: DownloadServer;

beforeAll(async () => {
  gateway = await makeGatewayFolder();
  zipBytes = await zipFolder(gateway.dir);
  server = await startDownloadServer();
}, 60_000);
afterAll(async () => {
  await gateway.cleanup();
  await server.close();
});

/** A folder of the user's: a few files, a sub-folder, a link. */
function usersFolder(dir: string): void {
  mkdirSync(path.join(dir, 'photos'), { recursive: true });
  writeFileSync(path.join(dir, 'notes.txt'), 'my notes\n');
  writeFileSync(path.join(dir, 'photos', 'a.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]));
  symlinkSync('notes.txt', path.join(dir, 'link-to-notes'));
}

function zipIn(config: string): string {
  const zip = path.join(config, 'clientportal.gw.zip');
  writeFileSync(zip, zipBytes);
  return zip;
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

describe('gateway install never replaces what IBKR Tray did not install', () => {
  it('refuses --dir FOLDER holding the user\'s files, in one line, leaving it and its parent byte-identical', async () => {
    const config = fixtures.configDir();
    const zip = zipIn(config);
    const parent = path.join(config, 'home');
    const folder = path.join(parent, 'Documents');
    usersFolder(folder);
    const before = treeOf(parent);
    const result = await run(['--dir', folder, 'gateway', 'install', '--from', zip], { configDir: config });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toMatch(/Documents holds files that IBKR Tray did not install \(link-to-notes, notes\.txt, photos\): choose an empty or new folder, or remove it yourself/);
    expect(treeOf(parent)).toEqual(before);
    expect(existsSync(path.join(config, 'config.json')) ? readSettings(config).gatewayFolder : undefined).toBeUndefined();

    const json = await run(['--json', '--dir', folder, 'gateway', 'install', '--from', zip], { configDir: config });
    expect(json.code).toBe(1);
    expect(onlyJson(json)).toMatchObject({ ok: false, exitCode: 1, error: { message: expect.stringMatching(/did not install/) } });
    expect(treeOf(parent)).toEqual(before);
  });

  it('refuses a gateway the user unzipped (by --dir, or as the gateway folder in use), leaving it byte-identical', async () => {
    const config = fixtures.configDir();
    const zip = zipIn(config);
    const folder = path.join(config, 'mine', 'clientportal.gw');
    await cp(gateway.dir, folder, { recursive: true });
    writeFileSync(path.join(folder, 'root', 'conf.yaml'), 'listenPort: 5099 # mine\n');
    const before = treeOf(path.dirname(folder));
    const byDir = await run(['--dir', folder, 'gateway', 'install', '--from', zip], { configDir: config });
    expect(byDir.code).toBe(1);
    expect(oneLine(byDir.stderr)).toMatch(/clientportal\.gw holds a gateway that IBKR Tray did not install: use it as it is, or choose an empty or new folder/);
    expect(treeOf(path.dirname(folder))).toEqual(before);

    // The folder chosen in the settings (as the tray's folder dialog saves it): same rule.
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({ gatewayFolder: folder }));
    const inUse = await run(['gateway', 'install', '--from', zip], { configDir: config });
    expect(inUse.code).toBe(1);
    expect(oneLine(inUse.stderr)).toMatch(/did not install/);
    expect(treeOf(path.dirname(folder))).toEqual(before);
  });

  it('refuses a file where the folder would go', async () => {
    const config = fixtures.configDir();
    const zip = zipIn(config);
    const file = path.join(config, 'gw');
    writeFileSync(file, 'a file of mine\n');
    const result = await run(['--dir', file, 'gateway', 'install', '--from', zip], { configDir: config });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toMatch(/gw is a file, not a folder/);
    expect(readFileSync(file, 'utf8')).toBe('a file of mine\n');
  });

  it('installs into an empty folder', async () => {
    const config = fixtures.configDir();
    const folder = path.join(config, 'empty');
    mkdirSync(folder);
    const result = await run(['--json', '--dir', folder, 'gateway', 'install', '--from', zipIn(config)], { configDir: config });
    expect(result.code, result.stderr).toBe(0);
    expect(onlyJson(result)).toMatchObject({ outcome: 'installed', folder });
    expect(readdirSync(folder)).toContain('bin');
  });

  it('an update of its own install keeps every file of the user\'s in it, byte for byte', async () => {
    const config = fixtures.configDir();
    const folder = path.join(config, 'clientportal.gw');
    const zip = zipIn(config);
    const first = await run(['gateway', 'install', '--from', zip], { configDir: config });
    expect(first.code, first.stderr).toBe(0);
    usersFolder(path.join(folder, 'mine'));
    writeFileSync(path.join(folder, 'root', 'my.jks'), Buffer.from([1, 2, 3, 0, 255]));
    writeFileSync(path.join(folder, 'bin', 'my-start.sh'), '#!/bin/sh\necho mine\n');
    const before = treeOf(folder);
    // A new zip (another mtime is another validator): the folder is replaced by the new version.
    writeFileSync(zip, zipBytes);
    const updated = await run(['--json', 'gateway', 'install', '--from', zip], { configDir: config });
    expect(updated.code, updated.stderr).toBe(0);
    expect(onlyJson(updated)).toMatchObject({ outcome: 'updated', kept: expect.arrayContaining(['root/my.jks', 'bin/my-start.sh', 'mine/notes.txt', 'mine/link-to-notes']) });
    const after = treeOf(folder);
    // Only the app's files may differ (its record, the gateway's files it just wrote again).
    expect(changedIn(before, after, (name) => name === '.ibkr-tray-download.json' || name === '.' || !/^(mine|root\/my\.jks|bin\/my-start\.sh)/.test(name))).toEqual([]);
    expect(readdirSync(config).filter((n) => n.includes('.install-'))).toEqual([]);
  });

  it('leaves alone a folder of the user\'s next to the target whose name looks like a staging folder', async () => {
    const config = fixtures.configDir();
    for (const name of ['.clientportal.gw.install-999999-abcdef', '.clientportal.gw.install-1-XyZ123', '.clientportal.gw.install-mine']) usersFolder(path.join(config, name));
    const before = treeOf(config);
    const result = await run(['gateway', 'install', '--from', zipIn(config)], { configDir: config });
    expect(result.code, result.stderr).toBe(0);
    const after = treeOf(config);
    expect(changedIn(before, after, (name) => name === '.' || name === 'clientportal.gw.zip')).toEqual([]);
  });
});

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('java install never replaces what IBKR Tray did not install', () => {
  it('refuses a folder of the user\'s where the runtime would go, leaving it byte-identical', async () => {
    const config = fixtures.configDir();
    const home = path.join(config, 'java', 'jdk-17.0.99+1-jre');
    usersFolder(home);
    const before = treeOf(path.join(config, 'java'));
    const result = await run(['java', 'install'], {
      configDir: config,
      env: { NODE_EXTRA_CA_CERTS: server.caFile, IBKR_TRAY_ADOPTIUM_API: `${server.origin}/adoptium`, HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '' },
    });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toMatch(/jdk-17\.0\.99\+1-jre holds files that IBKR Tray did not install/);
    expect(treeOf(path.join(config, 'java'))).toEqual(before);
  });
});
