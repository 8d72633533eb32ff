/**
 * Every real body in test/fixtures/samples/ (a copy of ../shared/samples/, so a clone is
 * self-contained) parses with the schema the client uses for its endpoint; unknown fields are kept,
 * nulls and missing optionals pass, wrong types fail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import {
  AccountSetSchema,
  AuthStatusSchema,
  ErrorBodySchema,
  IserverAccountsSchema,
  LogoutSchema,
  OneUserSchema,
  PortfolioAccountsSchema,
  ReauthenticateSchema,
  SsodhInitSchema,
  SsoValidateSchema,
  TickleAnswerSchema,
  TickleSchema,
  WsMessageSchema,
} from '../../../../../src/main/core/gateway/schemas.js';

const SAMPLES = path.resolve(import.meta.dirname, '../../../../fixtures/samples');
const read = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(SAMPLES, name), 'utf8'));

/** Which schema each sample file answers to: the first matching prefix wins. */
const SCHEMA_BY_PREFIX: [string, ZodType][] = [
  ['auth-status.401-body', ErrorBodySchema],
  ['auth-status.', AuthStatusSchema],
  ['iserver-account.set', AccountSetSchema],
  ['iserver-accounts.', IserverAccountsSchema],
  ['iserver-errors', ErrorBodySchema.array()],
  ['logout', LogoutSchema],
  ['one-user', OneUserSchema],
  ['portfolio-accounts', PortfolioAccountsSchema],
  ['reauthenticate.', ReauthenticateSchema],
  ['sso-validate', SsoValidateSchema],
  ['ssodh-init', SsodhInitSchema],
  ['tickle.failed', ErrorBodySchema],
  ['tickle.no-session', ErrorBodySchema],
  ['tickle.', TickleSchema],
];

const jsonSamples = fs.readdirSync(SAMPLES).filter((f) => f.endsWith('.json'));

describe('real gateway bodies', () => {
  it('there is a schema for every sample', () => {
    expect(jsonSamples.length).toBeGreaterThanOrEqual(28);
    for (const file of jsonSamples) expect(SCHEMA_BY_PREFIX.some(([p]) => file.startsWith(p)), file).toBe(true);
  });

  it.each(jsonSamples)('%s parses', (file) => {
    const schema = SCHEMA_BY_PREFIX.find(([p]) => file.startsWith(p))![1];
    const result = schema.safeParse(read(file));
    expect(result.success, result.success ? '' : JSON.stringify(result.error.issues)).toBe(true);
  });

  it('every WebSocket message in ws-messages.jsonl parses', () => {
    const lines = fs.readFileSync(path.join(SAMPLES, 'ws-messages.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(WsMessageSchema.safeParse(JSON.parse(line)).success, line).toBe(true);
  });

  it('both tickle failure bodies are told apart from a session by TickleAnswerSchema', () => {
    const ok = TickleAnswerSchema.parse(read('tickle.authenticated.2026.json'));
    expect('session' in ok).toBe(true);
    const gone = TickleAnswerSchema.parse(read('tickle.no-session.json'));
    expect(gone).toEqual({ error: 'no session' });
  });
});

describe('leniency, and where it stops', () => {
  it('keeps unknown fields (a field IBKR adds next year is not lost)', () => {
    const parsed = AuthStatusSchema.parse({ ...(read('auth-status.authenticated.2023.json') as object), brandNew: 42 });
    expect(parsed).toMatchObject({ brandNew: 42, authenticated: true });
  });
  it('accepts nulls where builds send them (MAC, serverInfo.*)', () => {
    const parsed = AuthStatusSchema.parse(read('auth-status.not-authenticated-nulls.2026.json'));
    expect(parsed.MAC).toBeNull();
    expect(parsed.serverInfo?.serverName).toBeNull();
  });
  it('accepts `{}` from /iserver/accounts right after brokerage init', () => {
    expect(IserverAccountsSchema.parse({})).toEqual({});
  });
  it.each([
    ['authenticated as a string', AuthStatusSchema, { authenticated: 'true', competing: false, connected: true }],
    ['a missing authenticated flag', AuthStatusSchema, { competing: false, connected: true }],
    ['a session token that is not 32 hex', TickleSchema, { session: 'abc', ssoExpires: 1 }],
    ['ssoExpires as a string', TickleSchema, { session: '0123456789abcdef0123456789abcdef', ssoExpires: '600000' }],
    ['accounts as a string', IserverAccountsSchema, { accounts: 'DU1234567' }],
    ['set without acctId', AccountSetSchema, { set: true }],
    ['an HTML error page', AuthStatusSchema, '<html><body>Error 500</body></html>'],
  ])('rejects %s', (_what, schema: ZodType, body) => {
    expect(schema.safeParse(body).success).toBe(false);
  });
});
