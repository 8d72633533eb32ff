/**
 * The real `ibkr-tray keepalive --health … --notify …` against the simulator, as a supervisor and a
 * phone would see it: /readyz 200 when ready and 503 once the session expired, /livez 200 all along,
 * no token needed and nothing else served; the ping arrives once per change. Also `serve`'s probes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { PingDocument } from '../../../src/main/core/notify.js';
import { cliFixtures, logIn } from '../cli/fixtures.js';

const fixtures = cliFixtures();

/** A webhook receiver that keeps what it got and lets the test await the n-th ping. */
async function webhook(): Promise<{ url: string; pings: PingDocument[]; nth(n: number): Promise<PingDocument>; close(): Promise<void> }> {
  const pings: PingDocument[] = [];
  const waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      pings.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as PingDocument);
      res.writeHead(204).end();
      for (const waiter of waiters.splice(0)) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const nth = (n: number): Promise<PingDocument> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ping #${n} within 15 s; got ${JSON.stringify(pings)}`)), 15_000);
      const check = (): void => {
        const ping = pings[n - 1];
        if (ping) {
          clearTimeout(timer);
          resolve(ping);
        } else waiters.push(check);
      };
      check();
    });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    pings,
    nth,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function probe(base: string, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(new URL(path, base), { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.text() };
}

describe('keepalive --health --notify', () => {
  it('answers the probes without a token as the session goes ready → expired, and pings once per change', async () => {
    const sim = await fixtures.simulator({ emptyAccountsAnswers: 0 });
    const hook = await webhook();
    closers.push(hook.close);
    const keepalive = fixtures.start(['--gateway', sim.url, 'keepalive', '--health', '127.0.0.1:0', '--notify', hook.url], { configDir: fixtures.configDir() });
    const [, base] = (await keepalive.waitForOutput(/health probes: (http:\/\/127\.0\.0\.1:\d+)\/livez/)) as unknown as [string, string];
    await keepalive.waitForOutput(/ login required: /);
    expect(await probe(base, '/readyz')).toMatchObject({ status: 503, body: expect.stringMatching(/^login-required: .+\n$/) as unknown as string });
    expect((await hook.nth(1)).event).toBe('login-required');

    await logIn(sim);
    await keepalive.waitForOutput(/ ready: /);
    const ready = await probe(base, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatch(/^ready: /);
    expect(ready.body).not.toMatch(/user123|DU1234567/);
    expect((await hook.nth(2)).event).toBe('ready-again');

    await sim.control.expireSso();
    await keepalive.waitForOutput(/ready: [^\n]*\n[^\n]* login required: /);
    expect(await probe(base, '/readyz')).toMatchObject({ status: 503, body: expect.stringMatching(/^login-required: /) as unknown as string });
    expect((await probe(base, '/livez')).status).toBe(200);
    expect((await probe(base, '/api/snapshot')).status).toBe(404);
    const third = await hook.nth(3);
    expect(third).toMatchObject({ event: 'login-required', state: 'login-required', account: null });

    keepalive.signal('SIGINT');
    const result = await keepalive.done;
    expect(result.code).toBe(0);
    expect(hook.pings.map((p) => p.event)).toEqual(['login-required', 'ready-again', 'login-required']);
    expect(result.stderr).toBe('');
    await expect(fetch(new URL('/livez', base))).rejects.toThrow();
  });

  it('refuses a probe port that is taken, in one line, before starting anything', async () => {
    const sim = await fixtures.simulator();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;
    const result = await fixtures.start(['--gateway', sim.url, 'keepalive', '--health', `127.0.0.1:${port}`], { configDir: fixtures.configDir() }).done;
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`ibkr-tray: --health: port ${port} on 127.0.0.1 is already in use: choose another`);
  });
});

describe('serve', () => {
  it('answers /readyz without the token while everything else still needs it', async () => {
    const sim = await fixtures.simulator({ emptyAccountsAnswers: 0 });
    await logIn(sim);
    const serve = fixtures.start(['--gateway', sim.url, 'serve', '--port', '0'], { configDir: fixtures.configDir() });
    const [, url] = (await serve.waitForOutput(/dashboard: (http:\/\/127\.0\.0\.1:\d+)\/\?token=/)) as unknown as [string, string];
    const deadline = Date.now() + 10_000;
    let answer = await probe(url, '/readyz');
    while (answer.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await probe(url, '/readyz');
    }
    expect(answer).toMatchObject({ status: 200, body: expect.stringMatching(/^ready: /) as unknown as string });
    expect((await probe(url, '/api/snapshot')).status).toBe(401);
    serve.signal('SIGINT');
    expect((await serve.done).code).toBe(0);
  });
});
