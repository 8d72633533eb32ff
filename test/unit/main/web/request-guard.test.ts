import { describe, expect, it } from 'vitest';
import {
  allowedHostHeaders,
  checkRequest,
  hostHeaderOf,
  isLoopback,
  readCookie,
  tokenCookieName,
  tokensMatch,
  type GuardRequest,
} from '../../../../src/main/web/request-guard.js';

const TOKEN = 'a'.repeat(43);
const options = { allowedHosts: allowedHostHeaders('127.0.0.1', 8123), token: TOKEN, cookieName: tokenCookieName(8123) };
const base: GuardRequest = {
  method: 'GET',
  host: '127.0.0.1:8123',
  origin: undefined,
  fetchSite: undefined,
  cookie: `other=1; ${tokenCookieName(8123)}=${TOKEN}`,
  authorization: undefined,
};

describe('allowedHostHeaders', () => {
  it('answers every loopback spelling on the bound port, nothing else', () => {
    const hosts = allowedHostHeaders('127.0.0.1', 8123);
    expect([...hosts].sort()).toEqual(['127.0.0.1:8123', '[::1]:8123', 'localhost:8123']);
  });
  it('answers a LAN bind under that address and the names given', () => {
    expect([...allowedHostHeaders('192.168.1.20', 80, ['box.lan'])].sort()).toEqual(['192.168.1.20:80', 'box.lan:80']);
  });
  it('brackets IPv6 literals', () => {
    expect(hostHeaderOf('::1', 5)).toBe('[::1]:5');
  });
  it('knows loopback from the rest', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.1.2.3')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('192.168.1.20')).toBe(false);
  });
});

describe('tokens and cookies', () => {
  it('reads one cookie among several', () => {
    expect(readCookie('a=1; b=2 ;c=3', 'b')).toBe('2');
    expect(readCookie('a=1', 'b')).toBeUndefined();
    expect(readCookie(undefined, 'b')).toBeUndefined();
  });
  it('matches tokens exactly', () => {
    expect(tokensMatch(TOKEN, TOKEN)).toBe(true);
    expect(tokensMatch(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokensMatch('b'.repeat(43), TOKEN)).toBe(false);
    expect(tokensMatch(undefined, TOKEN)).toBe(false);
  });
});

describe('checkRequest', () => {
  it('lets a GET with the cookie through', () => {
    expect(checkRequest(base, options)).toEqual({ ok: true });
  });
  it('accepts the token as a Bearer header', () => {
    expect(checkRequest({ ...base, cookie: undefined, authorization: `Bearer ${TOKEN}` }, options).ok).toBe(true);
  });
  it.each([
    ['no token', { cookie: undefined }, 401],
    ['a wrong token', { cookie: `${tokenCookieName(8123)}=nope` }, 401],
    ['the token of another port', { cookie: `${tokenCookieName(8124)}=${TOKEN}` }, 401],
    ['a foreign Host (DNS rebinding)', { host: 'evil.example:8123' }, 403],
    ['our name on another port', { host: 'localhost:9999' }, 403],
    ['no Host', { host: undefined }, 403],
    ['a POST without Origin', { method: 'POST' }, 403],
    ['a POST from a foreign Origin', { method: 'POST', origin: 'http://evil.example' }, 403],
    ['a POST from our origin but cross-site per the browser', { method: 'POST', origin: 'http://127.0.0.1:8123', fetchSite: 'cross-site' }, 403],
  ] as const)('refuses %s', (_name, change, status) => {
    const verdict = checkRequest({ ...base, ...change }, options);
    expect(verdict).toMatchObject({ ok: false, status });
  });
  it('accepts a POST from its own origin', () => {
    expect(checkRequest({ ...base, method: 'POST', origin: 'http://127.0.0.1:8123', fetchSite: 'same-origin' }, options).ok).toBe(true);
    expect(checkRequest({ ...base, method: 'POST', host: 'localhost:8123', origin: 'http://localhost:8123' }, options).ok).toBe(true);
  });
});
