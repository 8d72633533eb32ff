import { describe, expect, it } from 'vitest';
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
