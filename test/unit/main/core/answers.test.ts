/** What each real gateway answer means to the session, read from the samples through the schemas. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokerageInitEvents, failureEvent, processEvent, socketEvent, ssoEvent, statusEvent, tickleEvents } from '../../../../src/main/core/answers.js';
import { GatewayError } from '../../../../src/main/core/errors.js';
import { AuthStatusSchema, SsodhInitSchema, SsoValidateSchema, TickleSchema, WsMessageSchema } from '../../../../src/main/core/gateway/schemas.js';

const SAMPLES = path.resolve(import.meta.dirname, '../../../fixtures/samples');
const read = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(SAMPLES, name), 'utf8'));
const AT = 1_000_000;

describe('answers → session events', () => {
  it('auth/status: the flags, the fail text and the server', () => {
    const status = AuthStatusSchema.parse(read('auth-status.authenticated.2023.json'));
    expect(statusEvent(status, AT)).toMatchObject({ type: 'status', at: AT, authenticated: true, connected: true, competing: false });
  });

  it('tickle: the keepalive with the SSO expiry, then the status it carries', () => {
    const tickle = TickleSchema.parse(read('tickle.authenticated.2026.json'));
    expect(tickleEvents(tickle, AT)).toEqual([
      { type: 'tickle', at: AT, ssoExpiresAt: AT + tickle.ssoExpires },
      expect.objectContaining({ type: 'status', authenticated: true, connected: true, competing: false, serverName: 'JifS06138' }),
    ]);
  });

  it('tickle after a logout: the keepalive and an unauthenticated status', () => {
    const tickle = TickleSchema.parse(read('tickle.after-logout.2026.json'));
    const events = tickleEvents(tickle, AT);
    expect(events[0]).toMatchObject({ type: 'tickle' });
    expect(events.slice(1)).toEqual([expect.objectContaining({ type: 'status', authenticated: false })]);
  });

  it('sso/validate: who, paper (LOGIN_TYPE 2) and the region', () => {
    const sso = SsoValidateSchema.parse(read('sso-validate.2025.json'));
    expect(ssoEvent(sso, AT)).toMatchObject({ type: 'sso', valid: true, username: sso.USER_NAME, paper: sso.LOGIN_TYPE === 2 });
  });

  it('ssodh/init not authenticated: its status, then the failed attempt with a reason', () => {
    const init = SsodhInitSchema.parse({ authenticated: false, connected: true, competing: false, message: 'not yet' });
    expect(brokerageInitEvents(init, AT)).toEqual([
      expect.objectContaining({ type: 'status', authenticated: false }),
      { type: 'brokerage-init-failed', at: AT, reason: 'not yet' },
    ]);
    expect(brokerageInitEvents({ ...init, authenticated: true }, AT)).toEqual([expect.objectContaining({ type: 'status', authenticated: true })]);
  });

  it('WebSocket frames: sts, system and act say something; heartbeats, tic and waiting do not', () => {
    const lines = fs.readFileSync(path.join(SAMPLES, 'ws-messages.jsonl'), 'utf8').split('\n').filter(Boolean);
    const events = lines.map((line) => socketEvent(WsMessageSchema.parse(JSON.parse(line)), AT));
    const said = events.filter((e) => e !== null).map((e) => e.type);
    expect(said).toEqual(expect.arrayContaining(['identity', 'accounts', 'status']));
    expect(socketEvent(WsMessageSchema.parse({ topic: 'system', hb: 1 }), AT)).toBeNull();
    expect(socketEvent(WsMessageSchema.parse({ message: 'waiting for session' }), AT)).toBeNull();
  });

  it.each([
    [new GatewayError('not-authenticated', '401'), null, { type: 'not-authenticated' }],
    [new GatewayError('no-session', 'gone'), null, { type: 'no-session' }],
    [new GatewayError('rate-limited', '429'), AT + 600_000, { type: 'rate-limited', until: AT + 600_000 }],
    [new GatewayError('unreachable', 'refused'), null, { type: 'failure', cause: 'unreachable', reason: 'refused' }],
    [new GatewayError('ibkr-error', '503'), null, { type: 'failure', cause: 'ibkr-error' }],
    [new GatewayError('unexpected-answer', 'HTML', { endpoint: '/v1/api/tickle' }), null, { type: 'failure', reason: 'Unexpected answer from /v1/api/tickle: HTML' }],
  ] as const)('failure %# → its event', (error, penaltyUntil, expected) => {
    expect(failureEvent(error, AT, '/v1/api/tickle', penaltyUntil)).toMatchObject(expected);
  });

  it("our own pacer's refusal (no penalty) is no event", () => {
    expect(failureEvent(new GatewayError('rate-limited', 'slot too far'), AT, '/v1/api/tickle', null)).toBeNull();
  });

  it('process states: a stop says whether the user asked for it; stopping says nothing yet', () => {
    expect(processEvent({ kind: 'stopped' }, AT, true)).toEqual({ type: 'gateway-stopped', at: AT, reason: null, byUser: true });
    expect(processEvent({ kind: 'stopping', pid: 1 }, AT, false)).toBeNull();
    expect(processEvent({ kind: 'failed', reason: 'no java', lastLog: [] }, AT, false)).toEqual({ type: 'gateway-failed', at: AT, reason: 'no java' });
  });
});
