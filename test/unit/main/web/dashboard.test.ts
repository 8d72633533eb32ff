import { request } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../../../src/main/web/dashboard.js';
import { WebEventsPath, WebRoutes } from '../../../../src/shared/api.js';
import { until } from '../../../sim/until.js';
import { createFakeEngine, type FakeEngine } from './fake-engine.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(init.body);
  });
}

let dir: string;
let engine: FakeEngine;
let dashboard: Dashboard;
let host: string;
let auth: Record<string, string>;
let ownOrigin: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ibkr-dashboard-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>IBKR Tray</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(tmpdir(), 'ibkr-dashboard-secret.html'), 'secret');
  engine = createFakeEngine();
  dashboard = await startDashboard({ engine, rendererDir: dir });
  host = `127.0.0.1:${dashboard.port}`;
  auth = { host, authorization: `Bearer ${dashboard.token}` };
  ownOrigin = { ...auth, origin: `http://${host}`, 'content-type': 'application/json' };
});

afterAll(async () => {
  await dashboard.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(tmpdir(), 'ibkr-dashboard-secret.html'), { force: true });
});

describe('startDashboard', () => {
  it('listens on loopback and prints a URL that carries a long random token', () => {
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/?token=${dashboard.token}`);
    expect(dashboard.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(dashboard.warnings).toEqual([]);
  });

  it('swaps the token in the address for an HttpOnly SameSite=Strict cookie and redirects to a clean URL', async () => {
    const answer = await call(dashboard.port, `/?token=${dashboard.token}`, { headers: { host } });
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/');
    const cookie = String(answer.headers['set-cookie']);
    expect(cookie).toContain(`=${dashboard.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const name = cookie.split('=')[0] ?? '';
    const page = await call(dashboard.port, '/', { headers: { host, cookie: `${name}=${dashboard.token}` } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>IBKR Tray</title>');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('refuses a wrong token in the address', async () => {
    const answer = await call(dashboard.port, '/?token=guess', { headers: { host } });
    expect(answer.status).toBe(401);
    expect(answer.headers['set-cookie']).toBeUndefined();
  });

  it.each([WebRoutes.getSnapshot.path, WebRoutes.getLog.path, WebEventsPath, '/', '/assets/app.js'])('refuses %s without the token', async (path) => {
    const answer = await call(dashboard.port, path, { headers: { host } });
    expect(answer.status).toBe(401);
    expect(answer.body).not.toContain('user123');
  });

  it('refuses a foreign Host even with the token (DNS rebinding)', async () => {
    const answer = await call(dashboard.port, WebRoutes.getSnapshot.path, { headers: { ...auth, host: `rebind.example:${dashboard.port}` } });
    expect(answer.status).toBe(403);
    const exchange = await call(dashboard.port, `/?token=${dashboard.token}`, { headers: { host: `rebind.example:${dashboard.port}` } });
    expect(exchange.status).toBe(403);
  });

  it('answers the snapshot and the log with the token', async () => {
    engine.pushLog('Open https://localhost:5000 to login');
    const snapshot = await call(dashboard.port, WebRoutes.getSnapshot.path, { headers: auth });
    expect(snapshot.status).toBe(200);
    expect(JSON.parse(snapshot.body)).toMatchObject({ state: 'ready', username: 'user123' });
    const log = await call(dashboard.port, WebRoutes.getLog.path, { headers: auth });
    expect(JSON.parse(log.body)).toEqual([expect.objectContaining({ text: 'Open https://localhost:5000 to login' })]);
  });

  it('dispatches an intent from its own origin', async () => {
    engine.intents.length = 0;
    engine.answer = () => ({ ok: true, message: 'Switched.' });
    const body = JSON.stringify({ type: 'select-account', accountId: 'DU7654321' });
    const answer = await call(dashboard.port, WebRoutes.send.path, { method: 'POST', headers: ownOrigin, body });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ok: true, message: 'Switched.' });
    expect(engine.intents).toEqual([{ type: 'select-account', accountId: 'DU7654321' }]);
  });

  it.each([
    ['no Origin', { origin: undefined }],
    ['a foreign Origin', { origin: 'http://evil.example' }],
    ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
  ])('refuses a state change with %s and never reaches the engine', async (_name, change) => {
    engine.intents.length = 0;
    const headers = Object.fromEntries(Object.entries({ ...ownOrigin, ...change }).filter((e): e is [string, string] => e[1] !== undefined));
    const answer = await call(dashboard.port, WebRoutes.send.path, { method: 'POST', headers, body: JSON.stringify({ type: 'log-out' }) });
    expect(answer.status).toBe(403);
    expect(engine.intents).toEqual([]);
  });

  it.each([
    ['an unknown intent', JSON.stringify({ type: 'launch-missiles' }), 400],
    ['a bad account id', JSON.stringify({ type: 'select-account', accountId: 'U1; rm -rf /' }), 400],
    ['not JSON', '{type:', 400],
    ['a huge body', JSON.stringify({ type: 'log-in', pad: 'x'.repeat(20_000) }), 413],
  ])('refuses %s', async (_name, body, status) => {
    engine.intents.length = 0;
    const answer = await call(dashboard.port, WebRoutes.send.path, { method: 'POST', headers: ownOrigin, body });
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body)).toMatchObject({ ok: false, reason: expect.any(String) });
    expect(engine.intents).toEqual([]);
  });

  it('refuses a form post (wrong content type) even from its own origin', async () => {
    const answer = await call(dashboard.port, WebRoutes.send.path, {
      method: 'POST',
      headers: { ...ownOrigin, 'content-type': 'text/plain' },
      body: JSON.stringify({ type: 'log-out' }),
    });
    expect(answer.status).toBe(400);
  });

  it('passes a typed folder to the engine as set-gateway-folder', async () => {
    engine.intents.length = 0;
    engine.answer = () => ({ ok: false, reason: 'No bin/run.sh in /nowhere: choose the unzipped clientportal.gw folder.' });
    const answer = await call(dashboard.port, WebRoutes.chooseGatewayFolder.path, { method: 'POST', headers: ownOrigin, body: JSON.stringify({ folder: '/nowhere' }) });
    expect(JSON.parse(answer.body)).toEqual({ ok: false, reason: expect.stringContaining('/nowhere') });
    expect(engine.intents).toEqual([{ type: 'set-gateway-folder', folder: '/nowhere' }]);
  });

  it('says so when the engine throws', async () => {
    engine.answer = () => Promise.reject(new Error('boom'));
    const answer = await call(dashboard.port, WebRoutes.send.path, { method: 'POST', headers: ownOrigin, body: JSON.stringify({ type: 'retry' }) });
    expect(JSON.parse(answer.body)).toEqual({ ok: false, reason: 'The engine failed: boom' });
    engine.answer = () => ({ ok: true });
  });

  it('serves files inside the page folder only', async () => {
    expect((await call(dashboard.port, '/assets/app.js', { headers: auth })).headers['content-type']).toMatch(/javascript/);
    for (const path of ['/../ibkr-dashboard-secret.html', '/%2e%2e/ibkr-dashboard-secret.html', '/assets/..%2f..%2fibkr-dashboard-secret.html']) {
      const answer = await call(dashboard.port, path, { headers: auth });
      expect(answer.status).toBe(404);
      expect(answer.body).not.toContain('secret');
    }
  });

  it('pushes snapshots and log lines by server-sent events and unsubscribes when the page goes', async () => {
    const received: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: dashboard.port, path: WebEventsPath, headers: auth }, (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          received.push(chunk);
          const text = received.join('');
          if (text.includes('event: snapshot') && engine.listenerCount().snapshot === 1 && !text.includes('"seq":99')) {
            engine.show('login-required', { seq: 99 });
            engine.pushLog('Server listen failed');
          }
          if (text.includes('"seq":99') && text.includes('Server listen failed')) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)));
      req.end();
    });
    await done;
    const text = received.join('');
    expect(text).toMatch(/event: snapshot\ndata: \{.*"state":"login-required"/);
    expect(text).toMatch(/event: log\ndata: \[.*Server listen failed/);
    await until('the stream to unsubscribe', () => engine.listenerCount().snapshot === 0, 5000);
    expect(engine.listenerCount()).toEqual({ snapshot: 0, log: 0 });
  });
});

describe('startDashboard beyond loopback', () => {
  it('warns when asked to listen on every address, and still checks the Host', async () => {
    const wide = await startDashboard({ engine: createFakeEngine(), rendererDir: dir, host: '0.0.0.0' });
    try {
      expect(wide.warnings.join(' ')).toMatch(/beyond this machine/);
      const ok = await call(wide.port, WebRoutes.getSnapshot.path, { headers: { host: `127.0.0.1:${wide.port}`, authorization: `Bearer ${wide.token}` } });
      expect(ok.status).toBe(200);
      const foreign = await call(wide.port, WebRoutes.getSnapshot.path, { headers: { host: `attacker.example:${wide.port}`, authorization: `Bearer ${wide.token}` } });
      expect(foreign.status).toBe(403);
    } finally {
      await wide.close();
    }
  });

  it('says clearly when the port is taken', async () => {
    await expect(startDashboard({ engine: createFakeEngine(), rendererDir: dir, port: dashboard.port })).rejects.toThrow(/already in use/);
  });
});
