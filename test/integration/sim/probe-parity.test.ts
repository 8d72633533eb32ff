/**
 * Probe parity: the project's probe of a gateway folder (copied from ../shared/tools into
 * test/sim/probe/ so a fresh clone has it) must print, for the fake folder, exactly what it printed for
 * the real gateway (build 2023-04-24, Java 17): banner, listen delay, TLS, certificate, self-answered
 * routes, process tree, busy port, error exits, logs.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, makeGatewayFolder, type GatewayFolder } from '../../sim/gateway-folder.js';

const probeDir = fileURLToPath(new URL('../../sim/probe/', import.meta.url));

let folder: GatewayFolder;
beforeAll(async () => {
  folder = await makeGatewayFolder();
});
afterAll(async () => {
  await folder.cleanup();
});

it('prints the real gateway’s probe, line for line', async () => {
  const port = await freePort();
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [`${probeDir}probe-gateway.sh`, folder.dir, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', () => resolve(out));
  });
  const expected = readFileSync(`${probeDir}real-gateway.probe`, 'utf8');
  expect(output.split('\n')).toEqual(expected.split('\n'));
}, 90_000);
