/**
 * 1000 generated malformed answers across every endpoint the client calls (HTML, truncated JSON,
 * wrong types, empty bodies, huge bodies, wrong content types, odd statuses) served by a small local
 * HTTPS server with an expired self-signed certificate, through the real pinned client — and the
 * monitor's endpoints also through the real engine. Nothing may crash or leave a rejection
 * unhandled; every one is an "unexpected answer" naming its endpoint, in one line, without a
 * session token or a full account id.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../sim/seeded-random.js';
import { createEngine, type Engine } from '../../src/main/core/engine.js';
import { GatewayError } from '../../src/main/core/errors.js';
import { createGatewayClient, type GatewayClient } from '../../src/main/core/gateway/client.js';
import { Pacer } from '../../src/main/core/gateway/pacing.js';
import { authStatusBody, iserverAccountsBody, portfolioAccountsBody, ssodhInitBody, ssoValidateBody, tickleBody } from '../sim/ibkr-bodies.js';
import { IbkrSession } from '../sim/ibkr-session.js';
import { ManualClock } from '../sim/manual-clock.js';
import type { AppSnapshot } from '../../src/shared/snapshot.js';
import { startLocalHttps, type LocalHttps } from '../unit/main/core/gateway/local-https.js';

/** One endpoint: how the client calls it, its path and a correct body to spoil. */
interface Endpoint {
  readonly path: string;
  readonly call: (client: GatewayClient) => Promise<unknown>;
  readonly valid: unknown;
  /** Fields whose type the schema checks (required or typed optional): retyping one must be refused. */
  readonly typed: readonly string[];
}

const ACCOUNT = 'DU1234567';

function validBodies(): Record<string, unknown> {
  const clock = new ManualClock();
  const session = new IbkrSession(
    {
      username: 'user123',
      userId: 12345678,
      accounts: [{ id: ACCOUNT, alias: 'Paper main', type: 'DEMO', currency: 'USD', title: 'Jane Doe' }],
      paper: true,
      region: 'NA',
      authDelayMs: 0,
      idleTimeoutMs: 0,
      ssoLifetimeMs: 600_000,
      ssoRefreshMs: 600_000,
      autoLogoutDelayMs: 30_000,
      emptyAccountsAnswers: 0,
    },
    clock,
  );
  session.browserLogin(false);
  const init = session.ssodhInit(false)!;
  const bodies = {
    authStatus: authStatusBody(session),
    tickle: tickleBody(session),
    ssoValidate: ssoValidateBody(session, clock.now()),
    ssodhInit: ssodhInitBody(init),
    iserverAccounts: iserverAccountsBody(session),
    portfolioAccounts: portfolioAccountsBody(session),
  };
  session.dispose();
  return bodies;
}

const BODIES = validBodies();

const ENDPOINTS: readonly Endpoint[] = [
  { path: '/v1/api/iserver/auth/status', call: (c) => c.authStatus(), valid: BODIES['authStatus'], typed: ['authenticated', 'competing', 'connected', 'MAC', 'serverInfo'] },
  { path: '/v1/api/tickle', call: (c) => c.tickle(), valid: BODIES['tickle'], typed: ['session', 'ssoExpires', 'userId', 'iserver', 'collission'] },
  { path: '/v1/api/sso/validate', call: (c) => c.ssoValidate(), valid: BODIES['ssoValidate'], typed: ['USER_NAME', 'RESULT', 'USER_ID', 'LOGIN_TYPE', 'region'] },
  { path: '/v1/api/iserver/auth/ssodh/init', call: (c) => c.ssodhInit(false), valid: BODIES['ssodhInit'], typed: ['authenticated', 'connected', 'competing', 'passed'] },
  { path: '/v1/api/iserver/reauthenticate', call: (c) => c.reauthenticate(), valid: { message: 'triggered' }, typed: ['message'] },
  { path: '/v1/api/logout', call: (c) => c.logout(), valid: { status: true }, typed: ['status'] },
  { path: '/v1/api/iserver/accounts', call: (c) => c.iserverAccounts(), valid: BODIES['iserverAccounts'], typed: ['accounts', 'selectedAccount', 'isPaper', 'aliases'] },
  { path: '/v1/api/iserver/account', call: (c) => c.selectAccount(ACCOUNT), valid: { set: true, acctId: ACCOUNT }, typed: ['set', 'acctId'] },
  { path: '/v1/api/portfolio/accounts', call: (c) => c.portfolioAccounts(), valid: BODIES['portfolioAccounts'], typed: ['0'] },
];

/** An answer as bytes on the wire. */
interface Answer {
  readonly status: number;
  /** null: no Content-Type header at all. */
  readonly contentType: string | null;
  readonly body: string;
}

type Kind = 'html' | 'truncated-json' | 'wrong-types' | 'empty' | 'huge' | 'wrong-content-type' | 'odd-status';
const KINDS: readonly Kind[] = ['html', 'truncated-json', 'wrong-types', 'empty', 'huge', 'wrong-content-type', 'odd-status'];

const JSON_TYPE = 'application/json;charset=utf-8';
/** Over the client's 2 MB limit: valid JSON of the right shape plus one enormous field. */
const HUGE_PADDING = 'x'.repeat(2_500_000);

const HTML_PAGES = [
  '<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Service temporarily unavailable</h1></body></html>',
  '<html><body>Access Denied</body></html>',
  '<!doctype html><title>Client Portal</title><script>location="/sso/Login"</script>',
  '<?xml version="1.0"?><error>gateway</error>',
];

/** Replace the value with one of another JSON type. */
function otherType(value: unknown, random: () => number): unknown {
  const choices: unknown[] = ['true', 42, false, 'text', [1, 2], { nested: true }, -1.5, ''];
  const fitting = choices.filter((c) => typeof c !== typeof value || Array.isArray(c) !== Array.isArray(value));
  return fitting[Math.floor(random() * fitting.length)];
}

function wrongTypes(endpoint: Endpoint, random: () => number, variant: number): string {
  // Half: the whole body is of another type; half: one typed field is.
  if (variant % 2 === 0) {
    const tops = Array.isArray(endpoint.valid) ? ['{}', '{"id":"DU1"}', '"text"', '0', 'null', 'true'] : ['[]', '[{}]', '"text"', '0', 'null', 'true', '[[[[[[[[]]]]]]]]'];
    return tops[Math.floor(random() * tops.length)]!;
  }
  const copy = JSON.parse(JSON.stringify(endpoint.valid)) as Record<string, unknown> | Record<string, unknown>[];
  const field = endpoint.typed[Math.floor(random() * endpoint.typed.length)]!;
  if (Array.isArray(copy)) {
    // portfolio/accounts: an element of the wrong type, or an element whose id is not a string.
    if (random() < 0.5) copy[0] = otherType(copy[0], random) as Record<string, unknown>;
    else copy[0] = { ...copy[0], id: otherType('s', random) };
  } else {
    copy[field] = otherType(copy[field], random);
  }
  return JSON.stringify(copy);
}

/** The malformed answer number `index` for `endpoint`. */
function malformed(endpoint: Endpoint, kind: Kind, random: () => number, index: number): Answer {
  const valid = JSON.stringify(endpoint.valid);
  switch (kind) {
    case 'html':
      return { status: 200, contentType: random() < 0.5 ? 'text/html' : JSON_TYPE, body: HTML_PAGES[index % HTML_PAGES.length]! };
    case 'truncated-json':
      return { status: 200, contentType: JSON_TYPE, body: valid.slice(0, 1 + Math.floor(random() * (valid.length - 1))) };
    case 'wrong-types':
      return { status: 200, contentType: JSON_TYPE, body: wrongTypes(endpoint, random, index) };
    case 'empty':
      return { status: [200, 200, 204, 400][index % 4]!, contentType: index % 3 === 0 ? null : JSON_TYPE, body: index % 5 === 0 ? '   \n' : '' };
    case 'huge':
      return {
        status: 200,
        contentType: JSON_TYPE,
        body: Array.isArray(endpoint.valid) ? JSON.stringify([...endpoint.valid, HUGE_PADDING]) : JSON.stringify({ ...(endpoint.valid as object), padding: HUGE_PADDING }),
      };
    case 'wrong-content-type': {
      // A content type the gateway never sends for JSON, with a body that does not fit either.
      const types = ['text/plain', 'text/html;charset=utf-8', 'application/octet-stream', 'image/png', null];
      const bodies = ['OK', 'Client login succeeds', valid.slice(0, Math.max(1, valid.length - 1)), '\u0000\u0001\u0002', 'cleared'];
      return { status: 200, contentType: types[index % types.length]!, body: bodies[Math.floor(random() * bodies.length)]! };
    }
    case 'odd-status': {
      // Statuses that are neither success nor one of IBKR's meaningful ones (401, 429, 5xx).
      const statuses = [302, 400, 403, 404, 405, 409, 418];
      const bodies = ['', 'Not Found', '{"unexpected":true}', '<html>Moved</html>', valid];
      return { status: statuses[index % statuses.length]!, contentType: JSON_TYPE, body: bodies[Math.floor(random() * bodies.length)]! };
    }
  }
}

function write(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string> = {};
  if (answer.contentType !== null) headers['Content-Type'] = answer.contentType;
  if (answer.status === 302) headers['Location'] = '/sso/Login?forwardTo=22';
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

/** What a user may see of a refused answer: one line, naming the endpoint, no secrets. */
function expectUnexpectedAnswer(error: unknown, endpointPath: string, what: string): void {
  expect(error, what).toBeInstanceOf(GatewayError);
  const e = error as GatewayError;
  expect(e.kind, `${what}: ${e.message}`).toBe('unexpected-answer');
  expect(e.message, what).toContain(endpointPath);
  expect(e.details.endpoint ?? '', what).toContain(endpointPath);
  expect(e.message, what).not.toMatch(/\n/);
  expect(e.message.length, what).toBeLessThan(600);
  expect(e.message, what).not.toContain(ACCOUNT);
  expect(e.message, what).not.toMatch(/\b[0-9a-f]{32}\b/i);
}

/** Pacing is not what this file tests (IBKR's 1 tickle/s would make it take minutes): no limits. */
const NO_PACING = { endpoints: {}, perWindow: 1_000_000, marginMs: 0 };

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

let server: LocalHttps;
/** What the server answers on each path (set per case). */
const answers = new Map<string, Answer>();

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = await startLocalHttps((req: IncomingMessage, res: ServerResponse) => {
    const answer = answers.get((req.url ?? '/').split('?')[0] ?? '/');
    // Drain the request body before answering (POSTs carry JSON).
    req.resume();
    req.on('end', () => write(res, answer ?? { status: 404, contentType: 'text/plain', body: 'no answer set' }));
  });
});

afterAll(async () => {
  await server.stop();
  process.off('unhandledRejection', onUnhandled);
});

describe('1000 malformed answers', () => {
  it('through the client: every one is an "unexpected answer" naming its endpoint, and nothing is left unhandled', async () => {
    const pacer = new Pacer({ rules: NO_PACING });
    const client = createGatewayClient({ baseUrl: server.url, pin: server.fingerprint256, timeoutMs: 5_000, pacer });
    const random = seededRandom(9);
    const counts = new Map<string, number>();
    const CASES = 900;
    try {
      for (let i = 0; i < CASES; i++) {
        const endpoint = ENDPOINTS[i % ENDPOINTS.length]!;
        const kind = KINDS[Math.floor(i / ENDPOINTS.length) % KINDS.length]!;
        // Huge bodies are slow to send: one per endpoint and round is plenty.
        const answer = kind === 'huge' && i > ENDPOINTS.length * KINDS.length * 2 ? malformed(endpoint, 'truncated-json', random, i) : malformed(endpoint, kind, random, i);
        answers.set(endpoint.path, answer);
        const outcome = await endpoint.call(client).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        const what = `case ${i}: ${kind} ${answer.status} ${answer.contentType ?? '(none)'} on ${endpoint.path}: ${JSON.stringify(answer.body.slice(0, 80))}`;
        expect(outcome.ok, what).toBe(false);
        if (!outcome.ok) expectUnexpectedAnswer(outcome.error, endpoint.path, what);
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
      }
    } finally {
      client.dispose();
    }
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(CASES);
    for (const kind of KINDS) expect(counts.get(kind), kind).toBeGreaterThan(0);
    expect(unhandled).toEqual([]);
  });

  it('a correct body is still accepted whatever its content type (the gateway sends some answers untyped)', async () => {
    const client = createGatewayClient({ baseUrl: server.url, pin: server.fingerprint256, timeoutMs: 5_000 });
    try {
      for (const contentType of [null, 'text/plain', 'text/html;charset=utf-8']) {
        answers.set('/v1/api/iserver/auth/status', { status: 200, contentType, body: JSON.stringify(BODIES['authStatus']) });
        await expect(client.authStatus()).resolves.toMatchObject({ authenticated: true, connected: true, competing: false });
      }
    } finally {
      client.dispose();
    }
  });

  it('through the engine (100 more): the snapshot says "Unexpected answer from <endpoint>" and the engine keeps working', async () => {
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-fault-'));
    let engine: Engine | null = null;
    try {
      engine = await createEngine({
        gatewayUrl: server.url,
        configDir,
        createSupervisor: null,
        watch: false,
        useWebSocket: false,
        requestTimeoutMs: 5_000,
        pacing: NO_PACING,
      });
      engine.settings.pinStore().set(server.url, server.fingerprint256);
      await engine.start();
      const random = seededRandom(10);
      const [authStatus, tickle] = ENDPOINTS;
      for (let i = 0; i < 100; i++) {
        const spoiled = i % 2 === 0 ? authStatus! : tickle!;
        const kind = KINDS.filter((k) => k !== 'huge')[Math.floor(i / 2) % (KINDS.length - 1)]!;
        // A correct answer everywhere, then the one endpoint spoiled: auth/status first, the tickle after it.
        answers.set(authStatus!.path, { status: 200, contentType: JSON_TYPE, body: JSON.stringify(authStatus!.valid) });
        answers.set(tickle!.path, { status: 200, contentType: JSON_TYPE, body: JSON.stringify(tickle!.valid) });
        const healthy = await engine.refresh();
        expect(healthy.state, `case ${i} before spoiling: ${healthy.reason}`).toBe('ready');
        const answer = malformed(spoiled, kind, random, i);
        answers.set(spoiled.path, answer);
        const seen: AppSnapshot[] = [];
        const unsubscribe = engine.subscribe((snapshot) => seen.push(snapshot));
        const after = await engine.refresh();
        unsubscribe();
        const what = `engine case ${i}: ${kind} on ${spoiled.path}: ${JSON.stringify(answer.body.slice(0, 80))}`;
        // A spoiled auth/status is followed by the tickle, whose own auth status may make it ready
        // again at once: what counts is that the snapshot said so when it happened.
        const s = seen.find((x) => x.state === 'not-responding');
        if (spoiled === tickle) expect(after.state, what).toBe('not-responding');
        expect(s, what).toBeDefined();
        if (!s) continue;
        expect(s.reason, what).toMatch(new RegExp(`^Unexpected answer from ${spoiled.path.replace(/\//g, '\\/')}: `));
        expect(s.reason, what).not.toMatch(/\n/);
        expect(s.actions.retry, what).toBe(true);
      }
    } finally {
      await engine?.dispose();
      fs.rmSync(configDir, { recursive: true, force: true });
    }
    expect(unhandled).toEqual([]);
  });
});
