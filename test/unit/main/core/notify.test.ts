/**
 * The pure parts of the ping: which change deserves one, what it says, and how it is sent to a
 * plain webhook or an ntfy topic.
 */
import { describe, expect, it } from 'vitest';
import { NO_PINGS_YET, nextPing, Notifier, parseNotifyTarget, pingDocument, pingRequest, type PingKind, type PingMemory } from '../../../../src/main/core/notify.js';
import type { SessionKind } from '../../../../src/shared/snapshot.js';
import { snapshotOf } from '../../../fixtures/snapshots.js';

/** The pings a sequence of states gets, one entry per snapshot. */
function pingsFor(states: readonly SessionKind[]): (PingKind | null)[] {
  let memory: PingMemory = NO_PINGS_YET;
  return states.map((state, i) => {
    const step = nextPing(memory, snapshotOf(state, { seq: i + 1 }));
    memory = step.memory;
    return step.ping;
  });
}

describe('nextPing', () => {
  it.each<[string, SessionKind[], (PingKind | null)[]]>([
    ['a server that comes up logged out', ['starting', 'login-required'], [null, 'login-required']],
    ['a login, then ready: the trouble is over', ['starting', 'login-required', 'logging-in', 'ready'], [null, 'login-required', null, 'ready-again']],
    ['ready from the start is no news', ['starting', 'ready', 'ready'], [null, null, null]],
    ['polls in the same state: one ping', ['login-required', 'login-required', 'login-required'], ['login-required', null, null]],
    ['a login that times out is the same trouble', ['login-required', 'logging-in', 'login-required'], ['login-required', null, null]],
    ['another platform takes the session, then it is taken back', ['ready', 'competing', 'ready'], [null, 'session-taken', 'ready-again']],
    ['the gateway fails, restarts, and needs a login', ['ready', 'failed', 'starting', 'login-required', 'ready'], [null, 'gateway-failed', null, 'login-required', 'ready-again']],
    ['the session expires after a day', ['ready', 'brokerage-starting', 'login-required'], [null, null, 'login-required']],
    ['a nightly hiccup that heals by itself', ['ready', 'not-responding', 'rate-limited', 'ready'], [null, null, null, null]],
    ['trouble, ready, the same trouble again: told again', ['ready', 'competing', 'ready', 'competing'], [null, 'session-taken', 'ready-again', 'session-taken']],
  ])('%s', (_name, states, pings) => {
    expect(pingsFor(states)).toEqual(pings);
  });

  it('ignores a late or duplicate snapshot', () => {
    const first = nextPing(NO_PINGS_YET, snapshotOf('login-required', { seq: 5 }));
    expect(first.ping).toBe('login-required');
    const late = nextPing(first.memory, snapshotOf('ready', { seq: 4 }));
    expect(late).toEqual({ memory: first.memory, ping: null });
    expect(nextPing(first.memory, snapshotOf('ready', { seq: 5 })).ping).toBeNull();
  });
});

describe('pingDocument', () => {
  it('carries the state, the masked reason, the time and the masked account, and nothing else', () => {
    const snapshot = snapshotOf('ready', { seq: 7, at: Date.UTC(2026, 0, 2, 3, 4, 5), reason: 'Ready: logged in as user123 (paper), account DU1234567.' });
    const doc = pingDocument('ready-again', snapshot);
    expect(doc).toEqual({
      id: expect.stringMatching(/-7$/) as unknown as string,
      event: 'ready-again',
      title: 'IBKR session ready again',
      state: 'ready',
      reason: 'Ready: logged in as u… (paper), account D…567.',
      time: '2026-01-02T03:04:05.000Z',
      account: 'D…567',
    });
    expect(JSON.stringify(doc)).not.toMatch(/user123|DU1234567|DU7654321|Main paper|clientportal|4242/);
  });
});

describe('parseNotifyTarget and pingRequest', () => {
  const doc = pingDocument('login-required', snapshotOf('login-required', { reason: 'Your IBKR session ended. Log in again.' }));

  it('sends a plain webhook the JSON document', () => {
    const parsed = parseNotifyTarget('https://hooks.example.com/ibkr?key=1');
    expect(parsed).toEqual({ ok: true, target: { style: 'webhook', url: 'https://hooks.example.com/ibkr?key=1' } });
    if (!parsed.ok) return;
    const request = pingRequest(parsed.target, doc);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual(doc);
  });

  it.each(['https://ntfy.sh/my-topic', 'ntfy+http://ntfy.lan:8080/alerts'])('sends ntfy (%s) text with a Title header', (text) => {
    const parsed = parseNotifyTarget(text);
    expect(parsed.ok && parsed.target.style).toBe('ntfy');
    if (!parsed.ok) return;
    const request = pingRequest(parsed.target, doc);
    expect(request.url).toBe(text.replace('ntfy+', ''));
    expect(request.headers).toMatchObject({ title: 'IBKR login required', tags: 'warning', priority: '4' });
    expect(request.body.split('\n')[0]).toBe('Your IBKR session ended. Log in again.');
    // Header values must be plain ASCII.
    for (const value of Object.values(request.headers)) expect(value).toMatch(/^[\x20-\x7e]*$/);
  });

  it('names the profile while several run: in the webhook document and the ntfy text, never in the ASCII title', () => {
    const paperDoc = pingDocument('login-required', snapshotOf('login-required', { reason: 'Your IBKR session ended. Log in again.' }), 'Paper ünd Co');
    expect(paperDoc.profile).toBe('Paper ünd Co');
    expect('profile' in doc).toBe(false);
    const ntfy = parseNotifyTarget('https://ntfy.sh/my-topic');
    const hook = parseNotifyTarget('https://hooks.example.com/ibkr');
    if (!ntfy.ok || !hook.ok) throw new Error('targets');
    expect(JSON.parse(pingRequest(hook.target, paperDoc).body)).toMatchObject({ profile: 'Paper ünd Co' });
    const request = pingRequest(ntfy.target, paperDoc);
    expect(request.body.split('\n')[0]).toBe('Paper ünd Co: Your IBKR session ended. Log in again.');
    expect(request.headers['title']).toBe('IBKR login required');
    // Two profiles' engines count their own snapshots: the same moment and number, two ids.
    const same = snapshotOf('login-required', { seq: 3, at: 5_000 });
    expect(pingDocument('login-required', same, 'Live').id).not.toBe(pingDocument('login-required', same, 'Paper').id);
  });

  it.each([
    ['not a url', /wants an http\(s\) URL/],
    ['ftp://example.com/x', /wants an http\(s\) URL/],
    ['https://ntfy.sh/', /needs its topic/],
    ['ntfy+https://ntfy.lan', /needs its topic/],
  ])('refuses %j in one line', (text, reason) => {
    const parsed = parseNotifyTarget(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('Notifier', () => {
  it('puts the name the profile option gives at each ping into that ping (none while it answers null)', async () => {
    const bodies: string[] = [];
    let several = false;
    const notifier = new Notifier({
      target: { style: 'webhook', url: 'http://127.0.0.1:9/hook' },
      profile: () => (several ? 'Paper' : null),
      post: (request) => {
        bodies.push(request.body);
        return Promise.resolve({ kind: 'answered' as const, status: 200 });
      },
    });
    notifier.observe(snapshotOf('ready', { seq: 1 }));
    notifier.observe(snapshotOf('login-required', { seq: 2 }));
    await notifier.idle();
    several = true;
    notifier.observe(snapshotOf('ready', { seq: 3 }));
    notifier.observe(snapshotOf('login-required', { seq: 4 }));
    await notifier.idle();
    await notifier.close();
    expect(bodies.map((body) => (JSON.parse(body) as { profile?: string }).profile ?? null)).toEqual([null, 'Paper', 'Paper']);
  });
});
