/** Folder → URL and URL → port: the one rule each, as the engine, the controller and TLS use them. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OWN_CONF, withListenPort } from '../../../../../src/main/core/gateway/conf.js';
import { folderGatewayLocation, gatewayUrl, portOf } from '../../../../../src/main/core/gateway/location.js';
import { PidFile } from '../../../../../src/main/core/gateway/pidfile.js';
import type { ProcessOs } from '../../../../../src/main/core/gateway/process-tree.js';

const folders: string[] = [];
afterEach(() => {
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function folderWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-location-'));
  folders.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const CONF = '    listenPort: 5000\n    listenSsl: true\n';

describe('where a gateway listens', () => {
  it.each([
    ['https://localhost:5000', 5000],
    ['https://localhost', 443],
    ['http://localhost', 80],
    ['wss://localhost/v1/api/ws', 443],
    ['http://127.0.0.1:5001/', 5001],
  ])('portOf(%s) = %d', (url, port) => {
    expect(portOf(url)).toBe(port);
    expect(portOf(new URL(url))).toBe(port);
  });

  it('gatewayUrl: the scheme follows listenSsl', () => {
    expect(gatewayUrl({ listenPort: 5000, listenSsl: true })).toBe('https://localhost:5000');
    expect(gatewayUrl({ listenPort: 5001, listenSsl: false }, '127.0.0.1')).toBe('http://127.0.0.1:5001');
  });

  /** Processes where only `living` pids (and groups) are alive. */
  const processes = (living: readonly number[]): ProcessOs =>
    ({ platform: 'linux', isAlive: (pid: number) => living.includes(pid), isGroupAlive: (pgid: number) => living.includes(pgid) }) as unknown as ProcessOs;

  it('folderGatewayLocation: the port IBKR Tray started the gateway on while that tree lives, else conf.yaml; none readable → null', () => {
    const dir = folderWith({ 'root/conf.yaml': CONF, [OWN_CONF]: withListenPort(CONF, 5003) });
    const state = folderWith({});
    // Our conf alone (left from an earlier start) is not where the gateway is: nothing runs from it.
    expect(folderGatewayLocation(dir, state, { os: processes([]) })?.url).toBe('https://localhost:5000');
    new PidFile(state).write({ pid: 4242, port: 5003, tls: true, folder: dir, conf: OWN_CONF, startedAt: 1 });
    expect(folderGatewayLocation(dir, state, { os: processes([4242]) })).toEqual({ url: 'https://localhost:5003', port: 5003, tls: true, conf: OWN_CONF });
    // Only the java it recorded as listening still runs (its parent gone): still there.
    new PidFile(state).write({ pid: 4242, listenerPid: 4243, port: 5003, tls: true, folder: dir, conf: OWN_CONF, startedAt: 1 });
    expect(folderGatewayLocation(dir, state, { os: processes([4243]) })?.port).toBe(5003);
    // The tree ended (or the record is another folder's): the folder's conf again.
    expect(folderGatewayLocation(dir, state, { os: processes([]) })?.port).toBe(5000);
    expect(folderGatewayLocation(folderWith({ 'root/conf.yaml': CONF }), state, { os: processes([4242]) })?.port).toBe(5000);
    expect(folderGatewayLocation(folderWith({}), folderWith({}), { os: processes([]) })).toBeNull();
  });
});
