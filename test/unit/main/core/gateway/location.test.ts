/** Folder → URL and URL → port: the one rule each, as the engine, the controller and TLS use them. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OWN_CONF, withListenPort } from '../../../../../src/main/core/gateway/conf.js';
import { folderGatewayUrl, gatewayUrl, portOf } from '../../../../../src/main/core/gateway/location.js';

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

  it("folderGatewayUrl: our own conf (the port was taken) wins over conf.yaml; none readable → null", () => {
    const plain = folderWith({ 'root/conf.yaml': CONF });
    expect(folderGatewayUrl(plain)).toBe('https://localhost:5000');
    const moved = folderWith({ 'root/conf.yaml': CONF, [OWN_CONF]: withListenPort(CONF, 5003) });
    expect(folderGatewayUrl(moved)).toBe('https://localhost:5003');
    expect(folderGatewayUrl(folderWith({}))).toBeNull();
  });
});
