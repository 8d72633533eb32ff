/**
 * Health probes for supervisors that cannot hold the dashboard token (Docker HEALTHCHECK, Kubernetes
 * probes, uptime monitors): `GET /livez` answers 200 while the engine runs, `GET /readyz` 200 when
 * the session is ready and 503 otherwise (with several profiles: when every one is ready, neediestOf). The body is the state word and the reason with names and
 * account ids masked (publicView), nothing more, so the probes need no token. The dashboard mounts
 * `answerHealth` before its token check; `keepalive --health` runs `startHealthServer`, which answers
 * nothing else.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppSnapshot } from '../../shared/snapshot.js';
import { publicView } from '../core/public-view.js';
import type { HealthAddress } from './health-address.js';
import { hostHeaderOf, isLoopback } from './request-guard.js';

export { parseHealthAddress, type HealthAddress } from './health-address.js';

export type HealthProbe = 'livez' | 'readyz';

/** The probe paths, as supervisors are configured with them. */
export const HEALTH_PATHS: Readonly<Record<HealthProbe, string>> = { livez: '/livez', readyz: '/readyz' };

export interface HealthAnswer {
  readonly status: 200 | 503;
  /** One line: `<state>: <reason>`. */
  readonly body: string;
}

/** What a probe needs to know about the engine. */
export interface HealthSource {
  snapshot(): AppSnapshot;
  /** Whether the engine runs (started and not yet disposed). */
  running(): boolean;
}

/**
 * What the probes answer for when several profiles run (keepalive and serve alike): the first snapshot
 * that is not ready, else the first, so /readyz is 200 only when every profile is ready. Pure.
 */
export function neediestOf(snapshots: readonly [AppSnapshot, ...AppSnapshot[]]): AppSnapshot {
  return snapshots.find((s) => s.state !== 'ready') ?? snapshots[0];
}

/** The answer to a probe, from the engine's latest snapshot. Pure. */
export function healthAnswer(probe: HealthProbe, snapshot: AppSnapshot, engineRunning: boolean): HealthAnswer {
  const view = publicView(snapshot);
  const body = `${view.state}: ${view.reason}`;
  if (probe === 'livez') return { status: engineRunning ? 200 : 503, body: engineRunning ? body : `stopped: the engine is not running` };
  return { status: engineRunning && snapshot.state === 'ready' ? 200 : 503, body };
}

function probeOf(pathname: string): HealthProbe | null {
  if (pathname === HEALTH_PATHS.livez) return 'livez';
  if (pathname === HEALTH_PATHS.readyz) return 'readyz';
  return null;
}

/**
 * Answer `request` if it is a probe (true), else leave it alone (false). No token and no Host check:
 * the body holds nothing a stranger may not see, and a Kubernetes probe arrives under the pod's address.
 */
export function answerHealth(request: IncomingMessage, response: ServerResponse, source: HealthSource): boolean {
  const probe = probeOf(new URL(request.url ?? '/', 'http://probe.invalid').pathname);
  if (probe === null) return false;
  const method = (request.method ?? 'GET').toUpperCase();
  const headers = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
  if (method !== 'GET' && method !== 'HEAD') {
    response.writeHead(405, { ...headers, allow: 'GET, HEAD' });
    response.end('Method not allowed: probes are GET or HEAD.\n');
    return true;
  }
  const answer = healthAnswer(probe, source.snapshot(), source.running());
  response.writeHead(answer.status, headers);
  response.end(method === 'HEAD' ? undefined : `${answer.body}\n`);
  return true;
}

/** A warning for a probe address reachable from other machines over plain HTTP, or null on loopback. */
export function exposureWarning(host: string, what: string): string | null {
  if (isLoopback(host)) return null;
  return `${what} listens on ${host} over plain HTTP: anyone on the network can read the session state. Keep it on a private network or put a TLS proxy in front.`;
}

export interface HealthServer {
  /** `http://HOST:PORT` (a wildcard bind shown as 127.0.0.1). */
  readonly url: string;
  readonly port: number;
  readonly warnings: readonly string[];
  close(): Promise<void>;
}

/** Listen on `address` and answer the probes only; everything else is 404. */
export async function startHealthServer(address: HealthAddress, source: HealthSource): Promise<HealthServer> {
  const server = createServer((request, response) => {
    if (answerHealth(request, response, source)) return;
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    response.end('Not found: this port answers /livez and /readyz only.\n');
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `--health: port ${address.port} on ${address.host} is already in use: choose another`
            : `--health: cannot listen on ${address.host}:${address.port}: ${error.message}`,
        ),
      );
    };
    server.once('error', onError);
    server.listen(address.port, address.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = address.host === '0.0.0.0' || address.host === '::' ? '127.0.0.1' : address.host;
  const warning = exposureWarning(address.host, 'The health probe');
  return {
    url: `http://${hostHeaderOf(shown, port)}`,
    port,
    warnings: warning === null ? [] : [warning],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
