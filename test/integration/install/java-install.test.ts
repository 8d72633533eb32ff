/**
 * `ibkr-tray java install` against an Adoptium-shaped API on the local HTTPS server: a fake JRE
 * whose bin/java prints a version is checked against the published SHA-256, unpacked into the
 * settings folder and found there by the gateway's own Java search; a wrong checksum installs nothing.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJava, realJavaSystem } from '../../../src/main/core/gateway/java.js';
import { onlyJson, run } from '../cli/command.js';
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

function javaInstall(configDir: string, api: string, ...args: string[]) {
  return run([...args, 'java', 'install'], {
    configDir,
    env: { NODE_EXTRA_CA_CERTS: server.caFile, IBKR_TRAY_ADOPTIUM_API: `${server.origin}/${api}`, HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '' },
  });
}

// Adoptium publishes Linux/macOS runtimes as tar.gz; the fake API answers for linux x64 only.
describe.runIf(process.platform === 'linux' && process.arch === 'x64')('java install', () => {
  it('downloads the JRE the API names, checks its SHA-256, and the gateway start finds it', async () => {
    const config = fixtures.configDir();
    const result = await javaInstall(config, 'adoptium', '--json');
    expect(result.code, result.stderr).toBe(0);
    const home = path.join(config, 'java', 'jdk-17.0.99+1-jre');
    expect(onlyJson(result)).toMatchObject({ ok: true, outcome: 'installed', release: 'jdk-17.0.99+1', version: '17.0.99', home, java: path.join(home, 'bin', 'java') });
    expect(readdirSync(path.join(config, 'java'))).toEqual(['jdk-17.0.99+1-jre']);

    // On a machine with no other Java (none on PATH, in JAVA_HOME or /usr/lib/jvm), the supervisor's search takes it.
    const machine = realJavaSystem({ env: { PATH: '' }, appDataDir: config });
    const found = await findJava({ ...machine, listDir: (dir) => (dir === '/usr/lib/jvm' ? [] : machine.listDir(dir)) });
    expect(found).toMatchObject({ from: 'downloaded', major: 17, home });

    const again = await javaInstall(config, 'adoptium');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Java 17\.0\.99 \(jdk-17\.0\.99\+1\) is already installed/);
    expect(server.requests.filter((r) => r.path === '/jre.tar.gz')).toHaveLength(1);
  });

  it('refuses an archive whose SHA-256 is not the published one, installing nothing', async () => {
    const config = fixtures.configDir();
    const result = await javaInstall(config, 'wrong-checksum');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/does not match the SHA-256 Adoptium published .*it was not installed/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    const left = existsSync(path.join(config, 'java')) ? readdirSync(path.join(config, 'java')) : [];
    expect(left).toEqual([]);
  });

  it('says so when the API is not there', async () => {
    const config = fixtures.configDir();
    const result = await javaInstall(config, 'no-such-api');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/answered HTTP 404 for Adoptium's list of Java runtimes/);
  });
});
