/**
 * What a command loads and sends before it does its work: `--help` and `--version` load only the
 * command line's own chunk and send nothing; a one-shot `status` never loads the WebSocket module
 * (only keepalive and serve follow the socket). Modules are seen through a loader hook
 * (module-log.mjs), requests through a local server that counts them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, run } from './command.js';
import { cliFixtures, logIn } from './fixtures.js';

const fixtures = cliFixtures();
const COMMAND_DIR = path.join(ROOT, 'out', 'main', 'command');
const HOOK = pathToFileURL(path.join(ROOT, 'test', 'integration', 'cli', 'module-log.mjs')).href;
const logs: string[] = [];

afterEach(() => {
  for (const dir of logs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * Code that marks a module, whatever chunk the bundler put it in: the WebSocket library (its
 * handshake header), the HTTP client (an error code of its own), the engine (its factory), zod (its
 * English messages).
 */
const MARKS = { ws: 'Sec-WebSocket-Key', client: 'ERR_BODY_TOO_LARGE', engine: 'function createEngine', zod: 'Too small: expected' } as const;
type Mark = keyof typeof MARKS;

/** Run the command with the module log on; its result and which marked code it loaded. */
async function runLogged(args: readonly string[], configDir: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ibkr-tray-modules-'));
  logs.push(dir);
  const file = path.join(dir, 'modules.txt');
  const result = await run(args, { configDir, env: { NODE_OPTIONS: `--import=${HOOK}`, IBKR_TRAY_MODULE_LOG: file } });
  const urls = [...new Set(readFileSync(file, 'utf8').trim().split('\n'))].filter((u) => u.startsWith('file:'));
  const code = urls.map((u) => readFileSync(new URL(u), 'utf8')).join('\n');
  const loaded = (mark: Mark): boolean => code.includes(MARKS[mark]);
  return { result, urls, loaded };
}

/** Some file of the built command holds the marked code (so that its absence from a run means something). */
function built(mark: Mark): boolean {
  return readdirSync(COMMAND_DIR)
    .filter((f) => f.endsWith('.js'))
    .some((f) => readFileSync(path.join(COMMAND_DIR, f), 'utf8').includes(MARKS[mark]));
}

/** A local HTTP server that counts what reaches it. */
async function countingServer(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = http.createServer((_request, response) => {
    count++;
    response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('start-up', () => {
  it('--help, help COMMAND and --version send no request and load none of the engine', async () => {
    for (const mark of ['engine', 'client', 'ws', 'zod'] as const) expect(built(mark), mark).toBe(true);
    const server = await countingServer();
    try {
      for (const args of [['--help'], ['help', 'status'], ['status', '--help'], ['--version']]) {
        const { result, urls, loaded } = await runLogged(['--gateway', server.url, ...args], fixtures.configDir());
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
        expect(result.stdout.length).toBeGreaterThan(0);
        expect(urls.some((u) => u.endsWith('/out/main/command/ibkr-tray.js'))).toBe(true);
        // Not even zod: the argument checks (an account id, a --notify URL) are zod-free (account-id.ts, …).
        for (const mark of ['engine', 'client', 'ws', 'zod'] as const) expect(loaded(mark), `${args.join(' ')} loaded ${mark}`).toBe(false);
      }
      expect(server.count()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('a one-shot status loads no WebSocket module', async () => {
    expect(built('ws')).toBe(true);
    const sim = await fixtures.simulator();
    await logIn(sim);
    const { result, urls, loaded } = await runLogged(['--gateway', sim.url, '--json', 'status'], fixtures.configDir());
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ state: 'ready' });
    // It did load the engine (the log sees it), just not the socket.
    expect(loaded('engine')).toBe(true);
    expect(loaded('ws')).toBe(false);
    expect(urls.filter((u) => /[\\/]node_modules[\\/]ws[\\/]/.test(u))).toEqual([]);
    expect(sim.requests.filter((r) => r.path === '/v1/api/ws')).toEqual([]);
  });
});
