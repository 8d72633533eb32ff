import { describe, expect, it } from 'vitest';
import { accountLabel, accountLabelOf, distinctAlias, stateTitle, stateWords } from '../../../src/shared/state-words.js';
import { SESSION_KINDS } from '../../../src/shared/snapshot.js';

describe('distinctAlias', () => {
  it.each([
    ['U1234567', 'Main', 'Main'],
    ['U1234567', 'U1234567', null],
    ['U1234567', '', null],
    ['U1234567', null, null],
    ['U1234567', undefined, null],
  ] as const)('%s with alias %j shows %j', (id, alias, shown) => {
    expect(distinctAlias(id, alias)).toBe(shown);
  });
});

describe('accountLabel', () => {
  it('puts the alias first and the id in brackets', () => {
    expect(accountLabel({ id: 'DU1234567', alias: 'Paper main' })).toBe('Paper main (DU1234567)');
  });
  it('shows the bare id when the alias is missing or repeats the id', () => {
    expect(accountLabel({ id: 'DU1234567', alias: null })).toBe('DU1234567');
    expect(accountLabel({ id: 'DU1234567', alias: 'DU1234567' })).toBe('DU1234567');
  });
  it('labels an id the list does not name yet as the bare id', () => {
    const accounts = [{ id: 'DU1234567', alias: 'Main' }];
    expect(accountLabelOf(accounts, 'DU1234567')).toBe('Main (DU1234567)');
    expect(accountLabelOf(accounts, 'DU7654321')).toBe('DU7654321');
  });
});

describe('state words', () => {
  it('gives every state a title and a distinct lower-case word for the command line', () => {
    const words = SESSION_KINDS.map(stateWords);
    expect(new Set(words).size).toBe(SESSION_KINDS.length);
    for (const word of words) expect(word).toBe(word.toLowerCase());
    for (const kind of SESSION_KINDS) expect(stateTitle(kind)).not.toBe('');
  });
  it.each([
    ['login-required', 'login required', 'Logged out'],
    ['competing', 'competing session', 'Session in use elsewhere'],
    ['ready', 'ready', 'Ready'],
  ] as const)('%s reads "%s" on the command line and "%s" elsewhere', (kind, word, title) => {
    expect(stateWords(kind)).toBe(word);
    expect(stateTitle(kind)).toBe(title);
  });
});
