/**
 * SimControl as JSON over HTTP, so tests can drive a simulator running as a separate process (the
 * fake gateway folder). `POST /control/<method>` with a JSON array of arguments (or one object/value,
 * taken as the single argument) answers the method's result as JSON (`null` for none).
 */
import { createServer, type Server } from 'node:http';
import type { SimControl } from './api.js';

/** Every SimControl method, checked against the interface at compile time. */
export const CONTROL_METHODS = [
  'login',
  'loginWithoutBrokerage',
  'expireSso',
  'dropBrokerage',
  'competeFromElsewhere',
  'nightlyReset',
  'setUnreachable',
  'setMaintenance',
  'setLatency',
  'setMalformed',
  'penalize',
  'penalizeOn',
  'state',
  'requests',
  'clearRequests',
] as const satisfies readonly (keyof SimControl)[];

type MissingMethod = Exclude<keyof SimControl, (typeof CONTROL_METHODS)[number]>;
const allMethodsListed: MissingMethod extends never ? true : false = true;
void allMethodsListed;

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

function isControlMethod(name: string): name is (typeof CONTROL_METHODS)[number] {
  return (CONTROL_METHODS as readonly string[]).includes(name);
}

/** Serve `control` on 127.0.0.1 (port 0: any free one). Resolves with the server and its URL. */
export async function serveControl(control: SimControl, port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const name = (req.url ?? '').replace(/^\/control\//, '').split('?')[0] ?? '';
      const reply = (status: number, value: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value ?? null));
      };
      if (!isControlMethod(name)) return reply(404, { error: `no control method ${name}; known: ${CONTROL_METHODS.join(', ')}` });
      let args: unknown[];
      try {
        const text = Buffer.concat(chunks).toString('utf8').trim();
        const parsed: unknown = text === '' ? [] : JSON.parse(text);
        args = Array.isArray(parsed) ? parsed : [parsed];
      } catch {
        return reply(400, { error: 'the body must be a JSON array of arguments' });
      }
      (control[name] as AnyMethod)(...args).then(
        (value) => reply(200, value),
        (error: unknown) => reply(500, { error: error instanceof Error ? error.message : String(error) }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { server, url: `http://127.0.0.1:${bound}` };
}

/** A SimControl that drives a simulator through its control URL (`control: http://127.0.0.1:PORT`). */
export function controlClient(url: string, timeoutMs = 5000): SimControl {
  const invoke = async (name: string, args: unknown[]): Promise<unknown> => {
    const res = await fetch(`${url}/control/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(args),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const value: unknown = await res.json();
    if (!res.ok) throw new Error(`control ${name}: ${JSON.stringify(value)}`);
    return value;
  };
  const client: Record<string, AnyMethod> = {};
  for (const name of CONTROL_METHODS) {
    client[name] = async (...args) => {
      const value = await invoke(name, args);
      return value === null ? undefined : value;
    };
  }
  return client as unknown as SimControl;
}
