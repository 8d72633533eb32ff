/**
 * Health probes: the pure answer for each state, the address parser, the probe-only server and the
 * dashboard's probes (no token) next to its other routes (token still required).
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { publicView } from '../../../../src/main/core/public-view.js';
import { startDashboard } from '../../../../src/main/web/dashboard.js';
import { exposureWarning, healthAnswer, neediestOf, parseHealthAddress, startHealthServer, type HealthServer } from '../../../../src/main/web/health.js';
import { SESSION_KINDS, type AppSnapshot } from '../../../../src/shared/snapshot.js';
import { snapshotOf } from '../../../fixtures/snapshots.js';
import { createFakeEngine } from './fake-engine.js';

function call(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const ready = snapshotOf('ready', { reason: 'Ready: logged in as user123 (paper), account DU1234567.' });

describe('healthAnswer', () => {
  it.each(SESSION_KINDS.map((kind) => [kind, kind === 'ready' ? 200 : 503] as const))('readyz in %s answers %i', (kind, status) => {
    expect(healthAnswer('readyz', snapshotOf(kind, { reason: `why ${kind}` }), true)).toEqual({ status, body: `${kind}: why ${kind}` });
  });

  it('livez answers 200 in every state while the engine runs, 503 once it stopped', () => {
    for (const kind of SESSION_KINDS) expect(healthAnswer('livez', snapshotOf(kind), true).status).toBe(200);
    expect(healthAnswer('livez', ready, false).status).toBe(503);
    expect(healthAnswer('readyz', ready, false).status).toBe(503);
  });

  it('never shows the user name, an alias or a full account id', () => {
    const { body } = healthAnswer('readyz', ready, true);
    expect(body).toBe('ready: Ready: logged in as u… (paper), account D…567.');
    const named = ready.accounts.find((account) => account.alias !== null);
    if (!named?.alias || !ready.username) throw new Error('the fixture has an account with an alias and a user name');
    const withAlias = snapshotOf('ready', { reason: `Using ${named.alias} (${named.id}) for ${ready.username}` });
    const shown = healthAnswer('readyz', withAlias, true).body;
    for (const secret of [named.alias, named.id, ready.username]) expect(shown).not.toContain(secret);
  });
});

describe('publicView', () => {
  it('keeps the state, masks the selected account', () => {
    expect(publicView(ready)).toEqual({ state: 'ready', reason: 'Ready: logged in as u… (paper), account D…567.', account: 'D…567' });
    expect(publicView(snapshotOf('login-required', { selectedAccount: null })).account).toBeNull();
  });
});

describe('parseHealthAddress', () => {
  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['0.0.0.0:9000', { host: '0.0.0.0', port: 9000 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['8080', { host: '127.0.0.1', port: 8080 }],
    [':8080', { host: '127.0.0.1', port: 8080 }],
  ])('%s → %o', (text, address) => {
    expect(parseHealthAddress(text)).toEqual({ ok: true, address });
  });

  it.each(['', 'host', 'host:', 'host:port', '1.2.3.4:70000', '::1:8080', 'a:b:1'])('refuses %j with a one-line reason', (text) => {
    const parsed = parseHealthAddress(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(/^--health wants HOST:PORT .*, not ".*"$/);
  });
});

describe('exposureWarning', () => {
  it('is silent on loopback and warns beyond it', () => {
    expect(exposureWarning('127.0.0.1', 'x')).toBeNull();
    expect(exposureWarning('::1', 'x')).toBeNull();
    expect(exposureWarning('0.0.0.0', 'The health probe')).toMatch(/plain HTTP.*TLS/);
  });
});

describe('startHealthServer', () => {
  let server: HealthServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('answers /livez and /readyz from the current snapshot and nothing else', async () => {
    let snapshot: AppSnapshot = snapshotOf('login-required', { reason: 'Your IBKR session ended. Log in again.' });
    let running = true;
    server = await startHealthServer({ host: '127.0.0.1', port: 0 }, { snapshot: () => snapshot, running: () => running });
    expect(server.warnings).toEqual([]);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(await call(server.port, '/readyz')).toEqual({ status: 503, body: 'login-required: Your IBKR session ended. Log in again.\n' });
    expect((await call(server.port, '/livez')).status).toBe(200);
    snapshot = ready;
    expect(await call(server.port, '/readyz')).toEqual({ status: 200, body: 'ready: Ready: logged in as u… (paper), account D…567.\n' });
    expect(await call(server.port, '/readyz?verbose=1', 'HEAD')).toEqual({ status: 200, body: '' });
    expect((await call(server.port, '/readyz', 'POST')).status).toBe(405);
    expect((await call(server.port, '/api/snapshot')).status).toBe(404);
    running = false;
    expect((await call(server.port, '/livez')).status).toBe(503);
  });

  it('says in one line that a port is taken', async () => {
    server = await startHealthServer({ host: '127.0.0.1', port: 0 }, { snapshot: () => ready, running: () => true });
    await expect(startHealthServer({ host: '127.0.0.1', port: server.port }, { snapshot: () => ready, running: () => true })).rejects.toThrow(
      new RegExp(`^--health: port ${server.port} on 127\\.0\\.0\\.1 is already in use`),
    );
  });
});

describe('the dashboard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ibkr-health-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>IBKR Tray</title>');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers the probes without the token, under any Host, and keeps requiring it elsewhere', async () => {
    const engine = createFakeEngine(snapshotOf('competing', { reason: 'Another IBKR platform is using this login.' }));
    const dashboard = await startDashboard({ engine, rendererDir: dir });
    try {
      expect(await call(dashboard.port, '/readyz', 'GET', { host: '10.0.0.7:8080' })).toEqual({ status: 503, body: 'competing: Another IBKR platform is using this login.\n' });
      expect((await call(dashboard.port, '/livez')).status).toBe(200);
      engine.push({ state: 'ready', reason: 'Ready: logged in.' });
      expect(await call(dashboard.port, '/readyz')).toEqual({ status: 200, body: 'ready: Ready: logged in.\n' });
      expect((await call(dashboard.port, '/api/snapshot')).status).toBe(401);
      expect((await call(dashboard.port, '/')).status).toBe(401);
    } finally {
      await dashboard.close();
    }
  });
});

describe('neediestOf', () => {
  it('answers for the first profile that is not ready, else the first: ready only when every profile is', () => {
    const live = snapshotOf('ready', { profile: 'Live' });
    const paper = snapshotOf('login-required', { profile: 'Paper' });
    const demo = snapshotOf('competing', { profile: 'Demo' });
    expect(neediestOf([live, paper, demo]).profile).toBe('Paper');
    expect(neediestOf([live, snapshotOf('ready', { profile: 'Paper' })]).profile).toBe('Live');
    expect(neediestOf([live])).toBe(live);
  });
});
