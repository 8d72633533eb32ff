/**
 * The built command with two profiles on two simulators (issue 17): `profile add`, `status` of
 * every profile with the worst exit code, `--profile` for the rest, `profile remove`; keepalive and
 * serve of every profile, serve following profiles added, renamed and removed while it runs.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebEventsPath, WebRoutes } from '../../../src/shared/routes.js';
import { makeGatewayFolder } from '../../sim/gateway-folder.js';
import type { SimOptions, Simulator } from '../../sim/index.js';
import { until } from '../../sim/until.js';
import { readSettings, run, writeSettings } from './command.js';
import { cliFixtures, logIn } from './fixtures.js';

const fx = cliFixtures();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('ibkr-tray with two profiles', () => {
  it('log in on one only: status shows it ready and the other login required, exit code the worst', async () => {
    const live = await fx.simulator();
    const paper = await fx.simulator();
    const dir = fx.configDir();
    const liveFolder = await makeGatewayFolder();
    const paperFolder = await makeGatewayFolder();
    try {
      writeSettings(dir, { gatewayFolder: liveFolder.dir, gatewayUrl: live.url });
      const added = await run(['profile', 'add', 'Paper', '--dir', paperFolder.dir, '--port', String(paper.port)], { configDir: dir });
      expect(added.code).toBe(0);
      // The same folder again is refused with the reason.
      const twice = await run(['profile', 'add', 'Other', '--dir', paperFolder.dir], { configDir: dir });
      expect(twice.code).toBe(1);
      expect(twice.stderr).toMatch(/already the gateway of the profile "Paper"/);

      await logIn(live);
      const status = await run(['status'], { configDir: dir });
      expect(status.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^Gateway: ready/), expect.stringMatching(new RegExp(`^Paper: login required.*:${paper.port}$`))]);
      expect(status.code).toBe(2);

      const ambiguous = await run(['accounts'], { configDir: dir });
      expect(ambiguous.code).toBe(1);
      expect(ambiguous.stderr).toMatch(/--profile NAME/);
      expect((await run(['--profile', 'gateway', 'status'], { configDir: dir })).code).toBe(0);

      const removed = await run(['profile', 'remove', 'Paper'], { configDir: dir });
      expect(removed.code).toBe(0);
      // One profile again: everything as before profiles.
      const single = await run(['status'], { configDir: dir });
      expect(single.stdout).toMatch(/^ready/);
      expect(readSettings(dir).gatewayFolder).toBe(liveFolder.dir);
    } finally {
      await liveFolder.cleanup();
      await paperFolder.cleanup();
    }
  }, 60_000);

  it('keepalive without --profile keeps every profile, one line each with its name, and stops both on Ctrl-C', async () => {
    const { dir, live, paper } = await twoProfiles();
    await logIn(live);
    const keepalive = fx.start(['keepalive'], { configDir: dir });
    await keepalive.waitForOutput(/ Gateway: ready: .*\n/);
    await keepalive.waitForOutput(new RegExp(` Paper: login required.*:${paper.port}\n`));
    // The paper login reaches only the paper line; the live session is not touched.
    await logIn(paper);
    await keepalive.waitForOutput(new RegExp(` Paper: ready: .*:${paper.port}\n`));
    expect((await live.control.state()).authenticated).toBe(true);
    keepalive.signal('SIGINT');
    const result = await keepalive.done;
    expect(result.code).toBe(0);
    // Gateway's folder gateway was launched by this run (its settings start it), so Ctrl-C stops it too.
    expect(result.stdout.trim().split('\n').slice(-2)).toEqual(['Gateway: stopped; the gateway this run started was stopped too', 'Paper: stopped']);
    expect(result.stderr).toBe('');
  }, 60_000);

  it('keepalive --profile keeps only that profile, its lines as before profiles', async () => {
    const { dir, live, paper } = await twoProfiles();
    await logIn(paper);
    const keepalive = fx.start(['--profile', 'paper', 'keepalive'], { configDir: dir });
    await keepalive.waitForOutput(new RegExp(`^\\S+ \\S+ ready: .*:${paper.port}\n`, 'm'));
    keepalive.signal('SIGINT');
    const result = await keepalive.done;
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('stopped');
    expect(live.requests.filter((r) => r.path === '/v1/api/tickle')).toEqual([]);
  }, 60_000);

  it('serve without --profile serves one dashboard with every profile, each showing its own gateway', async () => {
    const { dir, live, paper } = await twoProfiles();
    await logIn(live);
    const serve = fx.start(['serve', '--port', '0'], { configDir: dir });
    await serve.waitForOutput(/profiles: Gateway, Paper\n/);
    const url = /^dashboard: (\S+)$/m.exec(serve.stdout())?.[1] ?? '';
    const token = new URL(url).searchParams.get('token') ?? '';
    const get = async <T>(path: string): Promise<T> => {
      const response = await fetch(new URL(path, url), { headers: { authorization: `Bearer ${token}` } });
      return (await response.json()) as T;
    };
    type Shown = { profile?: unknown; state?: unknown; gateway?: { url?: unknown } };
    const stateOf = async (name: string): Promise<unknown> => (await get<Shown>(`${WebRoutes.getSnapshot.path}?profile=${name}`)).state;
    await until('the Gateway profile to be ready', async () => (await stateOf('Gateway')) === 'ready', 15_000, 100);
    await until('the Paper profile to say login required', async () => (await stateOf('Paper')) === 'login-required', 15_000, 100);
    const all = await get<Shown[]>(WebRoutes.getSnapshots.path);
    expect(all.map((s) => s.profile)).toEqual(['Gateway', 'Paper']);
    expect(all[1]?.gateway?.url).toMatch(new RegExp(`:${paper.port}$`));
    expect(serve.stdout().match(/dashboard: /g)).toHaveLength(1);
    serve.signal('SIGINT');
    const result = await serve.done;
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('dashboard stopped');
  }, 60_000);

  it('serve without --profile follows the settings: a profile added, renamed or removed in another terminal gets or loses its engine and card', async () => {
    const { dir, paper, paperFolder } = await gatewayAndSpare();
    await logIn(paper);
    // One profile at the start: the output as before profiles.
    const serve = fx.start(['serve', '--port', '0'], { configDir: dir });
    await serve.waitForOutput(/\(Ctrl-C stops it\)\n/);
    expect(serve.stdout()).not.toMatch(/profiles: /);
    const url = /^dashboard: (\S+)$/m.exec(serve.stdout())?.[1] ?? '';
    const auth = { authorization: `Bearer ${new URL(url).searchParams.get('token') ?? ''}` };
    const served = async (): Promise<unknown[]> => {
      const response = await fetch(new URL(WebRoutes.getSnapshots.path, url), { headers: auth });
      return ((await response.json()) as { profile?: unknown; state?: unknown }[]).map((s) => `${String(s.profile)} ${String(s.state)}`);
    };
    await until('the Gateway profile to be served', async () => (await served()).length === 1, 15_000, 100);
    const events = followEvents(new URL(WebEventsPath, url), auth);
    cleanups.push(async () => events.close());

    expect((await run(['profile', 'add', 'Paper', '--dir', paperFolder, '--port', String(paper.port)], { configDir: dir })).code).toBe(0);
    await until('the added Paper profile to be served, ready', async () => (await served()).includes('Paper ready'), 15_000, 100);
    expect(await served()).toEqual([expect.stringMatching(/^Gateway /), 'Paper ready']);
    await events.waitFor(/event: profiles\ndata: \["Gateway","Paper"\]\n/);
    await serve.waitForOutput(/profile added: Paper \(serving Gateway, Paper\)\n/);

    expect((await run(['profile', 'rename', 'Paper', 'Practice'], { configDir: dir })).code).toBe(0);
    await until('the renamed profile to be served', async () => (await served()).includes('Practice ready'), 15_000, 100);
    expect(await served()).toEqual([expect.stringMatching(/^Gateway /), 'Practice ready']);

    expect((await run(['profile', 'remove', 'Practice'], { configDir: dir })).code).toBe(0);
    await until('the removed profile to be gone', async () => (await served()).length === 1, 15_000, 100);
    await events.waitFor(/event: profiles\ndata: \["Gateway"\]\n/);
    // Removed while serve ran: whoever removed it decided about its gateway; serve left it running.
    expect((await paper.control.state()).authenticated).toBe(true);

    // A damaged settings file: serve keeps its profiles and says so in one line, then follows the repaired file.
    const settingsFile = path.join(dir, 'config.json');
    const good = readFileSync(settingsFile, 'utf8');
    writeFileSync(settingsFile, good.slice(0, 20));
    await serve.waitForOutput(/cannot be read .*serving the same profiles until it can be read\n/, 15_000, 'stderr');
    expect(await served()).toEqual([expect.stringMatching(/^Gateway /)]);
    // Repaired as the product saves it (aside, then renamed over it).
    writeFileSync(`${settingsFile}.tmp`, good);
    renameSync(`${settingsFile}.tmp`, settingsFile);

    serve.signal('SIGINT');
    const result = await serve.done;
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('dashboard stopped');
    expect(result.stderr.match(/serving the same profiles/g)).toHaveLength(1);
  }, 90_000);

  it('serve --notify pings for a profile added while it runs, naming it', async () => {
    const { dir, live, paper, paperFolder } = await gatewayAndSpare();
    await logIn(live);
    const pings: { event?: unknown; profile?: unknown }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        pings.push(JSON.parse(body) as { event?: unknown; profile?: unknown });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const serve = fx.start(['serve', '--port', '0', '--notify', hook], { configDir: dir });
    await serve.waitForOutput(/\(Ctrl-C stops it\)\n/);

    expect((await run(['profile', 'add', 'Paper', '--dir', paperFolder, '--port', String(paper.port)], { configDir: dir })).code).toBe(0);
    await until('a login-required ping naming Paper', () => pings.some((p) => p.event === 'login-required' && p.profile === 'Paper'), 15_000, 50);
    // The live profile was ready throughout: no ping about it.
    expect(pings.filter((p) => p.profile !== 'Paper')).toEqual([]);
    serve.signal('SIGINT');
    expect((await serve.done).code).toBe(0);
  }, 60_000);

  it('use --profile switches that profile\'s account only: the other gateway and its remembered account are untouched', async () => {
    const accounts = [
      { id: 'U1111111', alias: 'Main' },
      { id: 'U2222222', alias: 'Hedge' },
    ];
    const { dir, live, paper } = await twoProfiles({ accounts, emptyAccountsAnswers: 0 });
    await logIn(live);
    await logIn(paper);
    const used = await run(['--profile', 'Paper', 'use', 'U2222222'], { configDir: dir });
    expect(used.code).toBe(0);
    expect(used.stdout).toBe('using account Hedge (U2222222)\n');
    expect((await paper.control.state()).selectedAccount).toBe('U2222222');
    expect((await live.control.state()).selectedAccount).toBe('U1111111');
    expect(live.requests.filter((r) => r.path === '/v1/api/iserver/account')).toEqual([]);
    // Remembered for Paper alone, so a later login re-applies it there and nowhere else.
    expect(readSettings(dir, 'Paper')['account']).toBe('U2222222');
    expect(readSettings(dir, 'Gateway')['account'] ?? null).toBeNull();
  }, 60_000);
});

/**
 * Settings with "Gateway" on one simulator, and a second simulator with a folder of its own for a
 * "Paper" profile, not added yet (the folders are removed after the test).
 */
async function gatewayAndSpare(options: SimOptions = {}): Promise<{ dir: string; live: Simulator; paper: Simulator; paperFolder: string }> {
  const live = await fx.simulator(options);
  const paper = await fx.simulator(options);
  const dir = fx.configDir();
  const liveFolder = await makeGatewayFolder();
  const paperFolder = await makeGatewayFolder();
  cleanups.push(liveFolder.cleanup, paperFolder.cleanup);
  writeSettings(dir, { gatewayFolder: liveFolder.dir, gatewayUrl: live.url });
  return { dir, live, paper, paperFolder: paperFolder.dir };
}

/** gatewayAndSpare with "Paper" added on its simulator's port. */
async function twoProfiles(options: SimOptions = {}): Promise<{ dir: string; live: Simulator; paper: Simulator }> {
  const { dir, live, paper, paperFolder } = await gatewayAndSpare(options);
  const added = await run(['profile', 'add', 'Paper', '--dir', paperFolder, '--port', String(paper.port)], { configDir: dir });
  expect(added.code).toBe(0);
  return { dir, live, paper };
}

/** A dashboard's event stream, read as text: wait until what arrived matches. */
function followEvents(address: URL, headers: Record<string, string>): { waitFor(pattern: RegExp): Promise<void>; close(): void } {
  const stop = new AbortController();
  let text = '';
  const reading = (async () => {
    const response = await fetch(address, { headers, signal: stop.signal });
    const decoder = new TextDecoder();
    for await (const chunk of response.body ?? []) text += decoder.decode(chunk as Uint8Array, { stream: true });
  })().catch(() => undefined);
  return {
    waitFor: async (pattern) => {
      await until(`${String(pattern)} on the event stream`, () => pattern.test(text), 15_000, 50);
    },
    close: () => {
      stop.abort();
      void reading;
    },
  };
}
