import { describe, expect, it } from 'vitest';
import { ChannelArgs, Channels, pickProfile, WebRouteQuerySchema } from '../../../src/shared/api.js';
import { IntentSchema } from '../../../src/shared/intents.js';
import { SESSION_KINDS, toneOf } from '../../../src/shared/snapshot.js';

describe('toneOf', () => {
  it.each([
    ['ready', 'ok'],
    ['competing', 'attention'],
    ['brokerage-starting', 'attention'],
    ['rate-limited', 'attention'],
    ['not-responding', 'attention'],
    ['login-required', 'error'],
    ['stopped', 'error'],
    ['failed', 'error'],
    ['starting', 'busy'],
  ] as const)('%s is %s', (kind, tone) => {
    expect(toneOf(kind)).toBe(tone);
  });
  it('gives every state a tone', () => {
    for (const kind of SESSION_KINDS) expect(['ok', 'attention', 'error', 'busy']).toContain(toneOf(kind));
  });
});

describe('IntentSchema', () => {
  it('accepts a well-formed account selection and trims it', () => {
    expect(IntentSchema.parse({ type: 'select-account', accountId: ' U1234567 ' })).toEqual({ type: 'select-account', accountId: 'U1234567' });
  });
  it.each([
    [{ type: 'select-account', accountId: '' }],
    [{ type: 'select-account', accountId: 'U123; rm -rf /' }],
    [{ type: 'select-account' }],
    [{ type: 'launch-missiles' }],
    [{ type: 'set-preference', key: 'tickleSecret', value: true }],
  ])('refuses %j', (bad) => {
    expect(IntentSchema.safeParse(bad).success).toBe(false);
  });
});

describe('pickProfile', () => {
  const list = [{ name: 'Live' }, { name: 'Paper' }] as const;
  it('picks the first profile when the call names none, as before profiles', () => {
    expect(pickProfile(list, undefined)).toEqual({ ok: true, picked: list[0] });
  });
  it('finds a profile by name without case, as --profile does', () => {
    expect(pickProfile(list, 'paper')).toEqual({ ok: true, picked: list[1] });
  });
  it('refuses an unknown name with the real names, never guessing', () => {
    expect(pickProfile(list, 'Pape')).toEqual({ ok: false, reason: expect.stringMatching(/^No profile is named "Pape" here \(the profiles are "Live", "Paper"\)/) });
  });
  it('refuses when there is no profile at all', () => {
    expect(pickProfile([], undefined)).toEqual({ ok: false, reason: expect.stringMatching(/No profile is open/) });
  });
});

describe('the profile a call carries', () => {
  it('is an object with a name over IPC, so a stray string is not a profile', () => {
    expect(ChannelArgs[Channels.send].safeParse([{ type: 'log-in' }, { profile: 'Paper' }]).success).toBe(true);
    expect(ChannelArgs[Channels.send].safeParse([{ type: 'log-in' }, 'Paper']).success).toBe(false);
    expect(ChannelArgs[Channels.getLog].safeParse([{ profile: '  ' }]).success).toBe(false);
  });
  it('is ?profile=NAME over HTTP, trimmed, absent meaning the first', () => {
    expect(WebRouteQuerySchema.parse({ profile: ' Paper ' })).toEqual({ profile: 'Paper' });
    expect(WebRouteQuerySchema.parse({})).toEqual({});
    expect(WebRouteQuerySchema.safeParse({ profile: '' }).success).toBe(false);
  });
});
