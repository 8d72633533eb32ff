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
