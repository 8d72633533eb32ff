/**
 * The gateway simulator, in-process: `startSimulator(options)` serves a Client Portal Gateway
 * look-alike on loopback (TLS 1.2, expired self-signed certificate) backed by a simulated IBKR, and
 * returns its URL, certificate fingerprint, control object and request log. See README.md.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { MalformedKind, SimControl, SimOptions, SimStateView, Simulator } from './api.js';
import { realClock } from './clock.js';
import { apiPath, Faults } from './faults.js';
import { IbkrSession } from './ibkr-session.js';
import { LoginPage } from './login-page.js';
import { Pacing } from './pacing.js';
import { RequestLog } from './request-log.js';
import { createRequestHandler, isAllowed, type GatewayParts } from './routes.js';
import { loadCertificate, tlsServerOptions } from './tls.js';
import { GatewaySockets } from './ws.js';

export type * from './api.js';

/** conf.yaml's shipped `ips` (facts §2). */
export const DEFAULT_IPS = { allow: ['192.*', '131.216.*', '127.0.0.1'], deny: ['212.90.324.10'] };

/** The default account: one paper account, like the samples. */
export const DEFAULT_ACCOUNTS = [{ id: 'DU1234567', type: 'DEMO' as const, currency: 'USD', title: 'Jane Doe' }];

/** A simulator that has not started listening yet (folder mode prints its banner first). */
export interface PreparedSimulator {
  server: Server;
  parts: GatewayParts;
  control: SimControl;
  fingerprint256: string;
  certPem: string;
  tls: boolean;
  /** Listen on `port`; rejects with the listen error (EADDRINUSE …). */
  listen(port: number, host: string): Promise<number>;
  stop(): Promise<void>;
}

/** Build everything, but do not listen yet. */
export function prepareSimulator(options: SimOptions = {}): PreparedSimulator {
  const clock = options.clock ?? realClock;
  const tls = options.tls ?? true;
  const certificate = loadCertificate(options.certificate ?? 'gateway');
  const session = new IbkrSession(
    {
      username: options.username ?? 'user123',
      userId: options.userId ?? 12345678,
      accounts: options.accounts && options.accounts.length > 0 ? options.accounts : DEFAULT_ACCOUNTS,
      paper: options.paper ?? true,
      region: options.region ?? 'NA',
      authDelayMs: options.authDelayMs ?? 3000,
      idleTimeoutMs: options.idleTimeoutMs ?? 6 * 60_000,
      ssoLifetimeMs: options.ssoLifetimeMs ?? 600_000,
      ssoRefreshMs: options.ssoRefreshMs ?? 600_000,
      autoLogoutDelayMs: options.autoLogoutDelayMs ?? 30_000,
      emptyAccountsAnswers: options.emptyAccountsAnswers ?? 1,
    },
    clock,
  );
  const faults = new Faults();
  const pacing = new Pacing(clock, options.pacing ?? true, options.penaltyMs ?? 10 * 60_000);
  const log = new RequestLog(clock);
  const pendingTimers = new Set<unknown>();
  const parts: GatewayParts = {
    session,
    pacing,
    faults,
    log,
    clock,
    loginPage: new LoginPage(session, {
      username: options.username ?? 'user123',
      password: options.password ?? 'password123',
      secondFactorCode: options.secondFactorCode ?? null,
    }),
    ips: options.ips ?? DEFAULT_IPS,
    proxyRemoteHost: options.proxyRemoteHost ?? 'https://api.ibkr.com',
    later(fn, ms) {
      const handle = clock.setTimeout(() => {
        pendingTimers.delete(handle);
        fn();
      }, ms);
      pendingTimers.add(handle);
    },
  };
  const sockets = new GatewaySockets({ session, faults, clock, heartbeatMs: options.heartbeatMs ?? 10_000 });
  const handler = createRequestHandler(parts);
  const server: Server = tls ? createHttpsServer(tlsServerOptions(certificate), handler) : createHttpServer(handler);
  // /status and unreachable IBKR must hang forever, not get Node's 408 after requestTimeout.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 5_000;
  server.timeout = 0;
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const record = parts.log.arrive(req, null);
    const path = apiPath((req.url ?? '/').split('?')[0] ?? '/');
    if (path !== '/v1/api/ws' || !isAllowed(req.socket.remoteAddress, parts.ips)) {
      record.status = 404;
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 13\r\n\r\nAccess Denied');
      return;
    }
    record.status = 101;
    sockets.upgrade(req, socket, head);
  });

  const control = createControl(parts);
  let stopped = false;
  return {
    server,
    parts,
    control,
    fingerprint256: certificate.fingerprint256,
    certPem: certificate.cert,
    tls,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        const onError = (error: Error): void => reject(error);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const handle of pendingTimers) clock.clearTimeout(handle);
      pendingTimers.clear();
      session.dispose();
      sockets.closeAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Hung requests (/status, unreachable IBKR) would keep their sockets forever: destroy them.
      for (const socket of connections) socket.destroy();
      if (server.listening) await closed;
    },
  };
}

function createControl(parts: GatewayParts): SimControl {
  const { session, faults, pacing, log } = parts;
  return {
    login: async () => session.browserLogin(true),
    loginWithoutBrokerage: async () => session.browserLogin(false),
    expireSso: async () => session.expireSso(),
    dropBrokerage: async () => session.dropBrokerage(),
    competeFromElsewhere: async () => session.competeFromElsewhere(),
    nightlyReset: async () => session.nightlyReset(),
    setUnreachable: async (on: boolean) => {
      faults.unreachable = on;
    },
    setMaintenance: async (status: 500 | 503 | null, delayMs?: number) => {
      faults.maintenance = status === null ? null : { status, delayMs: delayMs ?? 10_000 };
    },
    setLatency: async (ms: number) => {
      faults.latencyMs = Math.max(0, ms);
    },
    setMalformed: async (endpoint: string, kind: MalformedKind | null) => faults.setMalformed(endpoint, kind),
    penalize: async (ms?: number) => pacing.penalize(ms),
    penalizeOn: async (endpoint: string, ms?: number) => {
      faults.penaltyOn = { path: apiPath(endpoint), ...(ms === undefined ? {} : { ms }) };
    },
    state: async (): Promise<SimStateView> => {
      const flags = session.flags;
      return {
        loggedIn: session.everLoggedIn,
        ssoValid: session.ssoValid,
        authenticated: flags.authenticated,
        connected: flags.connected,
        competing: flags.competing,
        established: flags.established,
        selectedAccount: session.selectedAccount,
        session: session.session,
        failedLoginAttempts: session.failedLoginAttempts,
        unreachable: faults.unreachable,
        maintenance: faults.maintenance?.status ?? null,
        penaltyUntil: pacing.penaltyUntil(),
      };
    },
    requests: async () => log.records.map((r) => ({ ...r })),
    clearRequests: async () => log.clear(),
  };
}

/** Start a simulator on loopback and resolve once it listens. */
export async function startSimulator(options: SimOptions = {}): Promise<Simulator> {
  const prepared = prepareSimulator(options);
  const port = await prepared.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url: `${prepared.tls ? 'https' : 'http'}://localhost:${port}`,
    port,
    fingerprint256: prepared.fingerprint256,
    certPem: prepared.certPem,
    control: prepared.control,
    get requests() {
      return prepared.parts.log.records;
    },
    stop: prepared.stop,
  };
}
