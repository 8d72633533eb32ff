/**
 * What the simulated gateway answers itself (gateway-facts.md §2-§4), over real TLS.
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReauthenticateSchema } from '../../../src/main/core/gateway/schemas.js';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { call, callJson } from './pinned-client.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ authDelayMs: 50, pacing: false });
});
afterAll(async () => {
  await sim.stop();
});

function handshake(port: number, version: 'TLSv1.2' | 'TLSv1.3'): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, minVersion: version, maxVersion: version });
    socket.once('secureConnect', () => {
      resolve(`accepted ${socket.getProtocol() ?? ''}`);
      socket.destroy();
    });
    socket.once('error', () => resolve('refused'));
  });
}

describe('TLS (facts §3)', () => {
  it('speaks TLS 1.2 and refuses 1.3', async () => {
    expect(await handshake(sim.port, 'TLSv1.2')).toBe('accepted TLSv1.2');
    expect(await handshake(sim.port, 'TLSv1.3')).toBe('refused');
  });

  it('serves a self-signed certificate for "Client Portal Web API" that expired on 2019-05-11', () => {
    const cert = new X509Certificate(sim.certPem);
    expect(cert.subject).toContain('CN=Client Portal Web API');
    expect(cert.subject).toContain('O=Interactive Brokers');
    expect(cert.issuer).toBe(cert.subject);
    expect(new Date(cert.validTo).toISOString().slice(0, 10)).toBe('2019-05-11');
    expect(sim.fingerprint256).toBe(cert.fingerprint256);
    expect(sim.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('fails ordinary verification with CERT_HAS_EXPIRED even with the certificate as ca', async () => {
    const code = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: sim.port, ca: sim.certPem, servername: 'localhost' });
      socket.once('secureConnect', () => resolve('trusted'));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(code).toBe('CERT_HAS_EXPIRED');
  });

  it('closes plain HTTP sent to the TLS port without an HTTP reply', async () => {
    const received = await new Promise<string>((resolve) => {
      const socket = netConnect(sim.port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'));
      let data = '';
      socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
      socket.on('close', () => resolve(data));
      socket.on('error', () => undefined);
    });
    expect(received).not.toContain('HTTP/1.1');
  });

  it('serves the "other" certificate when asked, with a different fingerprint', async () => {
    const other = await startSimulator({ certificate: 'other' });
    try {
      expect(other.fingerprint256).not.toBe(sim.fingerprint256);
      await expect(call({ ...other, fingerprint256: sim.fingerprint256 }, '/')).rejects.toThrow(/not the pinned one/);
      expect((await call(other, '/'))?.status).toBe(302);
    } finally {
      await other.stop();
    }
  });
});

describe('answers of the gateway itself (facts §4)', () => {
  it('redirects / to the login page, chunked, with an empty body', async () => {
    const reply = await call(sim, '/');
    expect(reply?.status).toBe(302);
    expect(reply?.headers.location).toBe('/sso/Login?forwardTo=22&RL=1&ip2loc=US');
    expect(reply?.headers['transfer-encoding']).toBe('chunked');
    expect(reply?.body).toBe('');
  });

  it('answers reauthenticate with {"error":"not logged in"} before a login, on both prefixes, any method', async () => {
    for (const [path, method] of [
      ['/v1/api/iserver/reauthenticate', 'POST'],
      ['/v1/portal/iserver/reauthenticate?force=true', 'GET'],
    ] as const) {
      const { status, json, reply } = await callJson(sim, path, { method });
      expect(status).toBe(200);
      expect(reply.headers['content-type']).toContain('application/json');
      expect(ReauthenticateSchema.parse(json)).toEqual({ error: 'not logged in' });
    }
  });

  it('never answers GET /status', async () => {
    expect(await call(sim, '/status', { timeoutMs: 400 })).toBeNull();
    const record = sim.requests.findLast((r) => r.path === '/status');
    expect(record?.status).toBeNull();
  });

  it('redirects unknown paths to proxyRemoteHost + path', async () => {
    const reply = await call(sim, '/no/such/thing?x=1');
    expect(reply?.status).toBe(302);
    expect(reply?.headers.location).toBe('https://api.ibkr.com/no/such/thing?x=1');
  });

  it('answers /clear, /demo and a CORS preflight', async () => {
    expect(await call(sim, '/clear')).toMatchObject({ status: 200, body: 'cleared' });
    expect((await call(sim, '/demo/'))?.status).toBe(200);
    const preflight = await call(sim, '/v1/api/tickle', {
      method: 'OPTIONS',
      headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight?.status).toBe(204);
  });

  it('rewrites /v1/portal/… to /v1/api/… (tickle 401 before a login either way)', async () => {
    expect((await call(sim, '/v1/portal/tickle', { method: 'POST' }))?.status).toBe(401);
    expect((await call(sim, '/v1/api/tickle', { method: 'POST' }))?.status).toBe(401);
  });

  it('logs each request with time, method, the path as sent, its status, and whether it went on to IBKR', async () => {
    await sim.control.clearRequests();
    await call(sim, '/v1/portal/iserver/auth/status?x=1', { method: 'POST' });
    await call(sim, '/');
    await call(sim, '/v1/api/iserver/reauthenticate', { method: 'POST' });
    const log = await sim.control.requests();
    const at = expect.any(Number) as number;
    expect(log).toEqual([
      { at, method: 'POST', path: '/v1/portal/iserver/auth/status', status: 401, forwarded: true },
      // Answered by the gateway itself: IBKR's pacing never sees them.
      { at, method: 'GET', path: '/', status: 302 },
      { at, method: 'POST', path: '/v1/api/iserver/reauthenticate', status: 200 },
    ]);
  });
});

describe('ips (facts §2)', () => {
  it('answers 404 "Access Denied" on every path to an address that is not allowed', async () => {
    const denied = await startSimulator({ ips: { allow: ['192.*'], deny: [] } });
    try {
      for (const path of ['/', '/v1/api/tickle', '/status']) {
        expect(await call(denied, path)).toMatchObject({ status: 404, body: 'Access Denied' });
      }
    } finally {
      await denied.stop();
    }
  });

  it('lets deny win over allow', async () => {
    const denied = await startSimulator({ ips: { allow: ['127.*'], deny: ['127.0.0.1'] } });
    try {
      expect(await call(denied, '/')).toMatchObject({ status: 404, body: 'Access Denied' });
    } finally {
      await denied.stop();
    }
  });
});

describe('listenSsl: false', () => {
  it('serves plain HTTP', async () => {
    const plain = await startSimulator({ tls: false });
    try {
      expect(plain.url).toBe(`http://localhost:${plain.port}`);
      expect((await call(plain, '/'))?.status).toBe(302);
    } finally {
      await plain.stop();
    }
  });
});
