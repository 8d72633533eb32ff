/**
 * The control API as JSON over HTTP (what folder-mode tests use), driven in-process here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { controlClient, serveControl } from '../../sim/control-http.js';
import { prepareSimulator, type PreparedSimulator } from '../../sim/index.js';

let prepared: PreparedSimulator | null = null;
let close: (() => void) | null = null;
afterEach(async () => {
  close?.();
  await prepared?.stop();
  prepared = close = null;
});

async function served() {
  prepared = prepareSimulator({ pacing: false });
  const { server, url } = await serveControl(prepared.control);
  close = () => server.close();
  return { url, control: controlClient(url) };
}

describe('control over HTTP', () => {
  it('passes arguments and answers results as JSON', async () => {
    const { control } = await served();
    await control.setMaintenance(503, 1234);
    await control.setUnreachable(true);
    await control.login();
    const state = await control.state();
    expect(state).toMatchObject({ maintenance: 503, unreachable: true, loggedIn: true, ssoValid: true });
    expect(state.session).toMatch(/^[0-9a-f]{32}$/);
    expect(await control.requests()).toEqual([]);
  });

  it('accepts a bare argument, refuses unknown methods and bad bodies', async () => {
    const { url, control } = await served();
    const bare = await fetch(`${url}/control/setUnreachable`, { method: 'POST', body: 'true' });
    expect(bare.status).toBe(200);
    expect((await control.state()).unreachable).toBe(true);
    const unknown = await fetch(`${url}/control/explode`, { method: 'POST', body: '[]' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toContain('known: login');
    const bad = await fetch(`${url}/control/login`, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
  });
});
