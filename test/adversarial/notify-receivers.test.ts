/**
 * Webhook receivers that misbehave (issue 21 §6, §7), against the product's own sender (fetchPost and
 * the Notifier): one that never answers, one that refuses the connection, one that stalls in the
 * middle of its answer, one that answers 500, one that redirects; then a seeded mix of all of them
 * over many pings. Every ping settles within its timeout (measured loosely: the machine may be busy),
 * none holds up the pings behind it, and every failure is one line that names what happened.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../sim/seeded-random.js';
import { fetchPost, Notifier, parseNotifyTarget, type PostFunction, type PostOutcome } from '../../src/main/core/notify.js';
import type { SessionKind } from '../../src/shared/snapshot.js';
import { snapshotOf } from '../fixtures/snapshots.js';
import { freePort } from '../sim/gateway-folder.js';

/** The stated timeout of every attempt here. */
const TIMEOUT_MS = 400;
/** How much later than its timeout an attempt may settle on a busy machine and still count as on time. */
const SLACK_MS = 2_000;

/** What a receiver does with one request. */
const BEHAVIOURS = ['answer-200', 'slow-200', 'never', 'stall-body-200', 'stall-body-500', 'answer-500', 'redirect-302', 'redirect-307', 'reset'] as const;
type Behaviour = (typeof BEHAVIOURS)[number];

/** One server for every receiver: each path (/r/<name>) works through its own list of behaviours, one per request. */
class Receivers {
  private server: Server | null = null;
  private readonly plans = new Map<string, Behaviour[]>();
  /** Requests that arrived, by path. */
  readonly arrived = new Map<string, number>();
  port = 0;

  async listen(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
  }

  /** A receiver at its own address that behaves as `plan` says, request after request (then answers 200). */
  url(name: string, plan: readonly Behaviour[]): string {
    this.plans.set(`/r/${name}`, [...plan]);
    return `http://127.0.0.1:${this.port}/r/${name}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    for await (const _chunk of req); // the whole ping first, as a receiver reads it
    this.arrived.set(path, (this.arrived.get(path) ?? 0) + 1);
    const behaviour = this.plans.get(path)?.shift() ?? 'answer-200';
    switch (behaviour) {
      case 'answer-200':
        return void res.writeHead(200).end('ok');
      case 'slow-200':
        return void setTimeout(() => res.writeHead(200).end('ok'), TIMEOUT_MS / 4);
      case 'never':
        return; // takes the request, says nothing, keeps the connection
      case 'stall-body-200':
      case 'stall-body-500':
        res.writeHead(behaviour === 'stall-body-200' ? 200 : 500, { 'content-length': '1000' });
        return void res.write('the first bytes of a body that never ends');
      case 'answer-500':
        return void res.writeHead(500).end('boom');
      case 'redirect-302':
      case 'redirect-307':
        // Where a sender that follows redirects would go: a receiver that takes anything.
        return void res.writeHead(behaviour === 'redirect-302' ? 302 : 307, { location: `http://127.0.0.1:${this.port}/r/followed` }).end();
      case 'reset':
        return void req.socket.destroy();
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const receivers = new Receivers();
beforeAll(() => receivers.listen());
afterAll(() => receivers.close());

interface Attempt {
  readonly outcome: PostOutcome;
  readonly tookMs: number;
}

/** A Notifier to `url` with one attempt per ping, through the real fetchPost, timing each attempt. */
function notifierTo(url: string, attempts = 1): { notifier: Notifier; lines: string[]; attempts: Attempt[] } {
  const target = parseNotifyTarget(url);
  if (!target.ok) throw new Error(target.reason);
  const lines: string[] = [];
  const made: Attempt[] = [];
  const post: PostFunction = async (request, timeoutMs, stop) => {
    const started = performance.now();
    const outcome = await fetchPost(request, timeoutMs, stop);
    made.push({ outcome, tookMs: performance.now() - started });
    return outcome;
  };
  const notifier = new Notifier({ target: target.target, post, timeoutMs: TIMEOUT_MS, attempts, firstDelayMs: 10, maxDelayMs: 20, random: () => 0.5, log: (line) => lines.push(line) });
  return { notifier, lines, attempts: made };
}

/** Snapshots that each deserve a ping: logged out, ready again, logged out, … */
function pingEach(notifier: Notifier, count: number): void {
  for (let i = 0; i < count; i++) {
    const state: SessionKind = i % 2 === 0 ? 'login-required' : 'ready';
    notifier.observe(snapshotOf(state, { seq: i + 1 }));
  }
}

/** The words a failure's one line must have, by what the receiver did; null: no line (delivered). */
function wordsFor(behaviour: Behaviour): RegExp | null {
  switch (behaviour) {
    case 'answer-200':
    case 'slow-200':
    case 'stall-body-200':
      return null;
    case 'never':
      return /did not answer "[^"]+" in time; not sent again/;
    case 'stall-body-500':
    case 'answer-500':
      return /answered 500; gave up on "[^"]+" after 1 tries$/;
    case 'redirect-302':
      return /answered 302 \(redirects are not followed\) to "[^"]+": check the --notify URL; not sent again$/;
    case 'redirect-307':
      return /answered 307 \(redirects are not followed\) to "[^"]+": check the --notify URL; not sent again$/;
    case 'reset':
      return /is unreachable \([^)]+\); gave up on "[^"]+" after 1 tries$/;
  }
}

describe('one receiver of each kind', () => {
  it('never answers: the ping fails at its timeout, and the next ping is delivered', async () => {
    const url = receivers.url('never-then-ok', ['never']);
    const { notifier, lines, attempts } = notifierTo(url);
    pingEach(notifier, 2);
    await notifier.idle();
    expect(attempts.map((a) => a.outcome)).toEqual([{ kind: 'no-answer' }, { kind: 'answered', status: 200 }]);
    const first = attempts[0]!.tookMs;
    expect(first).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(first).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(lines).toEqual([expect.stringMatching(wordsFor('never')!)]);
    await notifier.close();
  });

  it('never answers while the garbage collector runs: the timeout still fires (Node 20 lost it with AbortSignal.any)', async () => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./notify-gc-child.ts', import.meta.url)), String(TIMEOUT_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    // The child's own start (tsx) takes a few seconds on a busy machine; the attempt inside it is timed by the child.
    const budget = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(budget);
    expect(code, `the attempt never settled (killed after 20 s): ${err}`).toBe(0);
    const { outcome, tookMs } = JSON.parse(out) as Attempt;
    expect(outcome).toEqual({ kind: 'no-answer' });
    expect(tookMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(tookMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  }, 30_000);

  it('refuses the connection: unreachable, tried again within its budget, one line each time', async () => {
    const { notifier, lines, attempts } = notifierTo(`http://127.0.0.1:${await freePort()}/hook`, 2);
    pingEach(notifier, 1);
    await notifier.idle();
    expect(attempts.map((a) => a.outcome.kind)).toEqual(['unreachable', 'unreachable']);
    expect(lines).toEqual([expect.stringMatching(/is unreachable \(.*ECONNREFUSED.*\); trying "[^"]+" again in 1 s$/), expect.stringMatching(/is unreachable \(.*ECONNREFUSED.*\); gave up on "[^"]+" after 2 tries$/)]);
  });

  it('stalls in the middle of its answer: the status is what counts, nothing waits for the rest', async () => {
    const { notifier, lines, attempts } = notifierTo(receivers.url('stall', ['stall-body-200']));
    pingEach(notifier, 1);
    await notifier.idle();
    expect(attempts.map((a) => a.outcome)).toEqual([{ kind: 'answered', status: 200 }]);
    expect(attempts[0]!.tookMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(lines).toEqual([]);
  });

  it('answers 500: tried again, and delivered when it takes it', async () => {
    const { notifier, lines, attempts } = notifierTo(receivers.url('500-then-ok', ['answer-500']), 2);
    pingEach(notifier, 1);
    await notifier.idle();
    expect(attempts.map((a) => a.outcome)).toEqual([
      { kind: 'answered', status: 500 },
      { kind: 'answered', status: 200 },
    ]);
    expect(lines).toEqual([expect.stringMatching(/answered 500; trying "[^"]+" again in 1 s$/)]);
  });

  it('redirects: "redirects are not followed", not "unreachable", and not sent again', async () => {
    const { notifier, lines, attempts } = notifierTo(receivers.url('moved', ['redirect-302']), 3);
    pingEach(notifier, 1);
    await notifier.idle();
    expect(attempts.map((a) => a.outcome)).toEqual([{ kind: 'answered', status: 302 }]);
    expect(lines).toEqual([expect.stringMatching(wordsFor('redirect-302')!)]);
    expect(lines[0]).not.toMatch(/unreachable/);
    expect(receivers.arrived.get('/r/followed')).toBeUndefined();
  });
});

describe('a seeded mix of receivers over many pings', () => {
  it.each([1, 2, 3])('seed %i: every ping settles within its timeout, later pings are never held, every failure is one line in the right words', async (seed) => {
    const random = seededRandom(seed * 7919);
    const RECEIVERS = 6;
    const PINGS = 8;
    const runs = Array.from({ length: RECEIVERS }, (_, r) => {
      const plan = Array.from({ length: PINGS }, () => BEHAVIOURS[Math.floor(random() * BEHAVIOURS.length)]!);
      return { plan, ...notifierTo(receivers.url(`seed${seed}-${r}`, plan)) };
    });
    // Every receiver's pings at once, as snapshots come: observing never waits.
    const observing = performance.now();
    for (const run of runs) pingEach(run.notifier, PINGS);
    expect(performance.now() - observing).toBeLessThan(SLACK_MS);
    await Promise.all(runs.map((run) => run.notifier.idle()));

    for (const run of runs) {
      const context = `plan ${run.plan.join(', ')}; lines ${JSON.stringify(run.lines)}`;
      // One attempt per ping, each ping in its turn: a stuck one held none of those behind it.
      expect(run.attempts, context).toHaveLength(PINGS);
      for (const [i, attempt] of run.attempts.entries()) {
        expect(attempt.tookMs, `${context}; ping ${i + 1}`).toBeLessThan(TIMEOUT_MS + SLACK_MS);
        if (run.plan[i] === 'never') expect(attempt.tookMs, `${context}; ping ${i + 1}`).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      }
      const wanted = run.plan.map(wordsFor).filter((words): words is RegExp => words !== null);
      expect(run.lines, context).toHaveLength(wanted.length);
      for (const [i, line] of run.lines.entries()) {
        expect(line.includes('\n'), context).toBe(false);
        expect(line, context).toMatch(wanted[i]!);
      }
      await run.notifier.close();
    }
    expect(receivers.arrived.get('/r/followed'), 'a redirect was followed').toBeUndefined();
  }, 30_000);
});
