/**
 * One dashboard for several profiles (issue 17): every route acts on the profile its `?profile=`
 * names (the first when absent), an unknown name is refused, the event stream carries every profile
 * (log lines naming theirs), and the probes are ready only when every profile is.
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../../../src/main/web/dashboard.js';
import { WebEventsPath, WebRoutes } from '../../../../src/shared/api.js';
import type { AppSnapshot } from '../../../../src/shared/snapshot.js';
import { snapshotOf } from '../../../fixtures/snapshots.js';
import { createFakeEngine, type FakeEngine } from './fake-engine.js';

let dir: string;
let live: FakeEngine;
let paper: FakeEngine;
let dashboard: Dashboard;
let headers: Record<string, string>;

async function fetchApi(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${dashboard.port}${path}`, {
    method: init.method ?? 'GET',
    headers: init.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ibkr-dashboard-profiles-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>IBKR Tray</title>');
  live = createFakeEngine(snapshotOf('ready', { profile: 'Live' }));
  paper = createFakeEngine(snapshotOf('login-required', { profile: 'Paper' }));
  dashboard = await startDashboard({ profiles: [{ name: 'Live', engine: live }, { name: 'Paper', engine: paper }], rendererDir: dir });
  const host = `127.0.0.1:${dashboard.port}`;
  headers = { host, authorization: `Bearer ${dashboard.token}`, origin: `http://${host}` };
});

afterAll(async () => {
  await dashboard.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a dashboard for several profiles', () => {
  it('answers every profile snapshot in the settings order, and one profile by name', async () => {
    const all = await fetchApi(WebRoutes.getSnapshots.path);
    expect((all.body as AppSnapshot[]).map((s) => [s.profile, s.state])).toEqual([
      ['Live', 'ready'],
      ['Paper', 'login-required'],
    ]);
    expect(((await fetchApi(`${WebRoutes.getSnapshot.path}?profile=Paper`)).body as AppSnapshot).state).toBe('login-required');
    // Without a name: the first profile, as before profiles.
    expect(((await fetchApi(WebRoutes.getSnapshot.path)).body as AppSnapshot).profile).toBe('Live');
  });

  it('sends an intent to the named profile only (its name found without case)', async () => {
    const before = live.intents.length;
    const answer = await fetchApi(`${WebRoutes.send.path}?profile=paper`, { method: 'POST', body: { type: 'log-in' } });
    expect(answer).toEqual({ status: 200, body: { ok: true } });
    expect(paper.intents.at(-1)).toEqual({ type: 'log-in' });
    expect(live.intents.length).toBe(before);
  });

  it('refuses an unknown profile with a reason that names the real ones, never acting on another', async () => {
    const liveBefore = live.intents.length;
    const paperBefore = paper.intents.length;
    const sent = await fetchApi(`${WebRoutes.send.path}?profile=Demo`, { method: 'POST', body: { type: 'log-out' } });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ ok: false, reason: expect.stringMatching(/No profile is named "Demo".*"Live", "Paper"/) });
    const folder = await fetchApi(`${WebRoutes.chooseGatewayFolder.path}?profile=Demo`, { method: 'POST', body: { folder: '/opt/gw' } });
    expect(folder.body).toEqual({ ok: false, reason: expect.stringMatching(/No profile is named "Demo"/) });
    const log = await fetchApi(`${WebRoutes.getLog.path}?profile=Demo`);
    expect(log).toEqual({ status: 404, body: { ok: false, reason: expect.stringMatching(/No profile is named "Demo"/) } });
    expect([live.intents.length, paper.intents.length]).toEqual([liveBefore, paperBefore]);
  });

  it('refuses an empty profile name as a bad request', async () => {
    const answer = await fetchApi(`${WebRoutes.getSnapshot.path}?profile=`);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ ok: false, reason: 'Not a valid request: name the profile.' });
  });

  it('passes a typed folder to the named profile only', async () => {
    await fetchApi(`${WebRoutes.chooseGatewayFolder.path}?profile=Paper`, { method: 'POST', body: { folder: '/opt/paper.gw' } });
    expect(paper.intents.at(-1)).toEqual({ type: 'set-gateway-folder', folder: '/opt/paper.gw' });
    expect(live.intents).not.toContainEqual({ type: 'set-gateway-folder', folder: '/opt/paper.gw' });
  });

  it('streams every profile snapshot, and log lines naming their profile', async () => {
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: dashboard.port, path: WebEventsPath, headers }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          received.push(chunk);
          const text = received.join('');
          if (text.includes('"profile":"Paper"') && text.includes('"profile":"Live"') && !text.includes('event: log')) paper.pushLog('paper says hello');
          if (text.includes('paper says hello')) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)));
      req.end();
    });
    const logEvent = /event: log\ndata: (.*)\n/.exec(received.join(''))?.[1] ?? '[]';
    expect(JSON.parse(logEvent)).toEqual([expect.objectContaining({ text: 'paper says hello', profile: 'Paper' })]);
  });

  it('is ready for the probes only when every profile is ready', async () => {
    const notReady = await fetchApi('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatch(/^login-required: /);
    paper.show('ready', { profile: 'Paper' });
    expect((await fetchApi('/readyz')).status).toBe(200);
    expect((await fetchApi('/livez')).status).toBe(200);
  });
});

/** One page's event stream: the events so far (name and parsed data), and a wait for one that matches. */
interface OpenStream {
  readonly events: { readonly event: string; readonly data: unknown }[];
  /** Resolves once an event from index `from` on (default: any so far) matches. */
  next(what: string, match: (event: { readonly event: string; readonly data: unknown }) => boolean, from?: number): Promise<void>;
  close(): void;
}

function openStream(port: number, auth: Record<string, string>): Promise<OpenStream> {
  const events: { event: string; data: unknown }[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: WebEventsPath, headers: auth }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        const blocks = buffered.split('\n\n');
        buffered = blocks.pop() ?? '';
        for (const block of blocks) {
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
        }
        for (const waiter of [...waiters]) waiter();
      });
      resolve({
        events,
        next: (what, match, from = 0) =>
          new Promise<void>((found, timedOut) => {
            const timer = setTimeout(() => {
              waiters.delete(check);
              timedOut(new Error(`no ${what} on the event stream within 5 s`));
            }, 5000);
            function check(): void {
              if (!events.slice(from).some(match)) return;
              clearTimeout(timer);
              waiters.delete(check);
              found();
            }
            waiters.add(check);
            check();
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)));
    req.end();
  });
}

describe('profiles added and removed while the dashboard runs (serve follows the settings)', () => {
  let only: Dashboard;
  let auth: Record<string, string>;
  let gateway: FakeEngine;
  let practice: FakeEngine;
  const api = async (path: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`http://127.0.0.1:${only.port}${path}`, { headers: auth, signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };

  beforeAll(async () => {
    gateway = createFakeEngine(snapshotOf('ready', { profile: 'Gateway' }));
    practice = createFakeEngine(snapshotOf('login-required', { profile: 'Practice' }));
    only = await startDashboard({ engine: gateway, rendererDir: dir });
    const host = `127.0.0.1:${only.port}`;
    auth = { host, authorization: `Bearer ${only.token}`, origin: `http://${host}` };
  });
  afterAll(async () => {
    await only.close();
  });

  it('an added profile: its routes answer, every open page hears the new list and its news, the probes count it', async () => {
    const page = await openStream(only.port, auth);
    await page.next('the first snapshot', (e) => e.event === 'snapshot');
    expect((await api('/readyz')).status).toBe(200);

    const added = page.next('the Practice snapshot', (e) => e.event === 'snapshot' && (e.data as AppSnapshot).profile === 'Practice', page.events.length);
    only.addProfile({ name: 'Practice', engine: practice });
    await added;
    expect(page.events.filter((e) => e.event === 'profiles').map((e) => e.data)).toEqual([['Gateway', 'Practice']]);
    expect(only.profileNames()).toEqual(['Gateway', 'Practice']);
    expect(((await api(WebRoutes.getSnapshots.path)).body as AppSnapshot[]).map((s) => s.profile)).toEqual(['Gateway', 'Practice']);
    expect(((await api(`${WebRoutes.getSnapshot.path}?profile=practice`)).body as AppSnapshot).state).toBe('login-required');
    expect((await api('/readyz')).status).toBe(503);

    const logged = page.next('the Practice log line', (e) => e.event === 'log', page.events.length);
    practice.pushLog('practice says hello');
    await logged;
    expect(page.events.at(-1)?.data).toEqual([expect.objectContaining({ text: 'practice says hello', profile: 'Practice' })]);
    // A name served already is refused: one name, one card.
    expect(() => only.addProfile({ name: 'PRACTICE', engine: createFakeEngine() })).toThrow(/already serves a profile named "Practice"/);
    page.close();
  });

  it('a removed profile: its routes refuse, every open page hears the list without it, its engine is no longer followed', async () => {
    const page = await openStream(only.port, auth);
    await page.next('the Practice snapshot', (e) => e.event === 'snapshot' && (e.data as AppSnapshot).profile === 'Practice');
    const gone = page.next('the list without Practice', (e) => e.event === 'profiles', page.events.length);
    expect(only.removeProfile('practice')).toBe(true);
    await gone;
    expect(page.events.filter((e) => e.event === 'profiles').map((e) => e.data)).toEqual([['Gateway']]);
    expect(practice.listenerCount()).toEqual({ snapshot: 0, log: 0 });
    expect(((await api(WebRoutes.getSnapshots.path)).body as AppSnapshot[]).map((s) => s.profile)).toEqual(['Gateway']);
    expect((await api(`${WebRoutes.getSnapshot.path}?profile=Practice`)).status).toBe(404);
    expect((await api('/readyz')).status).toBe(200);
    expect(only.removeProfile('Practice')).toBe(false);
    page.close();
  });

  it('with no profile for a moment (a rename closes before it opens), the probes say stopped and the list is empty', async () => {
    expect(only.removeProfile('Gateway')).toBe(true);
    expect((await api(WebRoutes.getSnapshots.path)).body).toEqual([]);
    expect((await api('/livez')).status).toBe(503);
    expect((await api('/readyz')).status).toBe(503);
    only.addProfile({ name: 'Gateway', engine: gateway });
    expect((await api('/readyz')).status).toBe(200);
  });
});
