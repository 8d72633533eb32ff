/**
 * A ping to a webhook or an ntfy topic when a headless session needs its user: a login is required,
 * another platform took the session, the gateway failed, and back to ready after one of those.
 *
 * Three pure parts (which change deserves a ping, what the ping says, how it is sent to a target) and
 * one small sender that never blocks the engine: `observe` only queues, delivery runs on its own.
 * Exactly once per change is the aim: a refused connection or a 5xx/429 answer means the receiver has
 * not taken the message, so it is sent again with back-off; a receiver that took the request but did
 * not answer in time may have it, so it is not sent again (a second copy would be worse than a late one).
 *
 * Why not the desktop's NotificationFilter: the tray shows the state on the screen, so it stays quiet
 * about a login that was never made and says nothing when the session comes back. A server has no
 * screen: a gateway that came up logged out after a reboot is exactly what the user must hear about,
 * and so is the end of the trouble.
 */
import type { AppSnapshot, SessionKind } from '../../shared/snapshot.js';
import type { NotifyTarget } from './notify-target.js';
import { publicView } from './public-view.js';

export { parseNotifyTarget, type NotifyTarget } from './notify-target.js';

/** What a ping is about. */
export type PingKind = 'login-required' | 'session-taken' | 'gateway-failed' | 'ready-again';

/** The states that need the user, and the ping each one gets. */
const NEEDS_USER: Partial<Record<SessionKind, Exclude<PingKind, 'ready-again'>>> = {
  'login-required': 'login-required',
  competing: 'session-taken',
  failed: 'gateway-failed',
};

/** What the rule remembers between snapshots. */
export interface PingMemory {
  readonly seq: number;
  readonly state: SessionKind | null;
  /** The trouble the user was last told about and that has not ended in `ready` yet. */
  readonly told: Exclude<PingKind, 'ready-again'> | null;
}

export const NO_PINGS_YET: PingMemory = { seq: -1, state: null, told: null };

/**
 * Which ping a snapshot deserves, if any. Pure. One ping per change of state, never one per poll;
 * the same trouble is told once until the session is ready again (a login that times out and leaves
 * the session logged out again is no news); a late or duplicate snapshot changes nothing.
 */
export function nextPing(memory: PingMemory, snapshot: AppSnapshot): { readonly memory: PingMemory; readonly ping: PingKind | null } {
  if (snapshot.seq <= memory.seq) return { memory, ping: null };
  const moved = { ...memory, seq: snapshot.seq, state: snapshot.state };
  if (memory.state === snapshot.state) return { memory: moved, ping: null };
  const trouble = NEEDS_USER[snapshot.state];
  if (trouble !== undefined) {
    if (memory.told === trouble) return { memory: moved, ping: null };
    return { memory: { ...moved, told: trouble }, ping: trouble };
  }
  if (snapshot.state === 'ready' && memory.told !== null) return { memory: { ...moved, told: null }, ping: 'ready-again' };
  return { memory: moved, ping: null };
}

/** The document a ping carries: nothing a stranger may not read (see publicView). */
export interface PingDocument {
  /** Unique per change, so a receiver can drop a copy should one ever arrive twice. */
  readonly id: string;
  readonly event: PingKind;
  readonly title: string;
  readonly state: SessionKind;
  readonly reason: string;
  /** ISO 8601, UTC. */
  readonly time: string;
  /** The selected account masked (U…567), or null. */
  readonly account: string | null;
  /** The profile the ping is about ("Paper"), present only while several profiles run. */
  readonly profile?: string;
}

/** The title of each ping; plain ASCII because ntfy sends it as an HTTP header. */
export function pingTitle(kind: PingKind): string {
  switch (kind) {
    case 'login-required':
      return 'IBKR login required';
    case 'session-taken':
      return 'IBKR session taken by another platform';
    case 'gateway-failed':
      return 'IBKR gateway failed';
    case 'ready-again':
      return 'IBKR session ready again';
  }
}

/**
 * The document for `kind` from the snapshot that caused it; `profile` names its profile when several
 * run (null: a single profile, the document as before profiles). Pure.
 */
export function pingDocument(kind: PingKind, snapshot: AppSnapshot, profile: string | null = null): PingDocument {
  const view = publicView(snapshot);
  return {
    // Each profile's engine counts its own snapshots: two profiles' pings in one millisecond must not
    // share an id (a receiver that drops repeats by Idempotency-Key would lose one).
    id: `${snapshot.at.toString(36)}-${snapshot.seq}${profile === null ? '' : `-${encodeURIComponent(profile)}`}`,
    event: kind,
    title: pingTitle(kind),
    state: view.state,
    reason: view.reason,
    time: new Date(snapshot.at).toISOString(),
    account: view.account,
    ...(profile === null ? {} : { profile }),
  };
}

/** Where a target is, for messages: the origin only (an ntfy topic in the path works like a password). */
export function targetLabel(target: NotifyTarget): string {
  return new URL(target.url).origin;
}

export interface PingRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The HTTP request that delivers `doc` to `target`. Pure. */
export function pingRequest(target: NotifyTarget, doc: PingDocument): PingRequest {
  if (target.style === 'webhook') {
    return { url: target.url, headers: { 'content-type': 'application/json', 'idempotency-key': doc.id }, body: JSON.stringify(doc) };
  }
  // The Title header stays plain ASCII; a profile's name (any characters) goes into the text.
  const lines = [doc.profile === undefined ? doc.reason : `${doc.profile}: ${doc.reason}`, `${doc.state}${doc.account ? ` · account ${doc.account}` : ''} · ${doc.time}`];
  return {
    url: target.url,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      title: doc.title,
      tags: doc.event === 'ready-again' ? 'white_check_mark' : 'warning',
      priority: doc.event === 'ready-again' ? '3' : '4',
    },
    body: lines.join('\n'),
  };
}

/** The result of one attempt: an HTTP status, no connection (never reached), or no answer in time. */
export type PostOutcome = { readonly kind: 'answered'; readonly status: number } | { readonly kind: 'unreachable'; readonly detail: string } | { readonly kind: 'no-answer' };

/** Send one request; resolve (never reject) with what happened. `stop` aborts it (the notifier closed). */
export type PostFunction = (request: PingRequest, timeoutMs: number, stop: AbortSignal) => Promise<PostOutcome>;

/** What a receiver that answered with a redirect is told: a ping goes to the URL the user gave, only. */
export const REDIRECT_WORDS = 'redirects are not followed';

/**
 * The real POST, with Node's fetch. The timeout is a timer of our own, cleared when the attempt ends:
 * on Node 20 `AbortSignal.any([AbortSignal.timeout(t), …])` holds its timeout signal weakly, so once
 * the garbage collector takes it the timeout never fires, and a receiver that never answers would
 * hold this attempt, and every ping queued behind it, forever.
 * Redirects come back as answers (`redirect: 'manual'`), not as errors: a 3xx is the receiver's word,
 * and `redirect: 'error'` made it look like an unreachable receiver, tried again and again.
 */
export const fetchPost: PostFunction = async (request, timeoutMs, stop) => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const onStop = (): void => controller.abort();
  stop.addEventListener('abort', onStop, { once: true });
  if (stop.aborted) controller.abort();
  try {
    const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: controller.signal, redirect: 'manual' });
    // The status is all a ping needs: the body is not read, so one that stalls holds nothing.
    await response.body?.cancel().catch(() => undefined);
    return { kind: 'answered', status: response.status };
  } catch (error) {
    if (controller.signal.aborted) return { kind: 'no-answer' };
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    return { kind: 'unreachable', detail: cause };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
};

/** The receiver's answer in the words of a log line: "answered 500", "answered 302 (redirects are not followed)". */
function answerWords(status: number): string {
  return status >= 300 && status < 400 ? `answered ${status} (${REDIRECT_WORDS})` : `answered ${status}`;
}

/** Whether a failed attempt should be made again: only when the receiver surely did not take it. */
function retryable(outcome: PostOutcome): boolean {
  if (outcome.kind === 'unreachable') return true;
  if (outcome.kind === 'no-answer') return false;
  return outcome.status >= 500 || outcome.status === 429 || outcome.status === 408;
}

export interface NotifierOptions {
  readonly target: NotifyTarget;
  readonly post?: PostFunction;
  /** Per attempt (default 10 s). */
  readonly timeoutMs?: number;
  /** First back-off (default 2 s); doubles up to maxDelayMs (default 5 min), with ±20 % jitter. */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Attempts per ping, the first included (default 8, about 8 minutes of trying). */
  readonly attempts?: number;
  /** One line per delivery problem, for the terminal or the journal. */
  readonly log?: (line: string) => void;
  readonly random?: () => number;
  /**
   * The name of the profile these pings are about, asked at each ping (in the tray app profiles come
   * and go); null or absent while only one runs, so its pings look as before profiles.
   */
  readonly profile?: () => string | null;
}

/** Pings waiting beyond this are dropped, oldest first (a receiver down for hours must not pile up memory). */
const MAX_QUEUED = 20;

/** Follows snapshots and delivers their pings, in order, one at a time. */
export class Notifier {
  private memory: PingMemory = NO_PINGS_YET;
  private readonly queue: PingDocument[] = [];
  private pumping: Promise<void> | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  private readonly stop = new AbortController();
  private readonly post: PostFunction;

  constructor(private readonly options: NotifierOptions) {
    this.post = options.post ?? fetchPost;
  }

  /** Call with every snapshot, in order. Returns at once: delivery never holds up the caller. */
  observe(snapshot: AppSnapshot): void {
    if (this.closed) return;
    const { memory, ping } = nextPing(this.memory, snapshot);
    this.memory = memory;
    if (ping === null) return;
    if (this.queue.length >= MAX_QUEUED) {
      const dropped = this.queue.shift();
      this.log(`notify: dropped "${dropped?.title ?? ''}": ${MAX_QUEUED} pings were already waiting for ${targetLabel(this.options.target)}`);
    }
    this.queue.push(pingDocument(ping, snapshot, this.options.profile?.() ?? null));
    this.pumping ??= this.pump().finally(() => (this.pumping = null));
  }

  /** Resolves when every queued ping was delivered or given up (for tests and a clean exit). */
  async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Stop: nothing new is sent, a back-off wait and an attempt in flight end now. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.stop.abort();
    this.wake?.();
    await this.pumping;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private async pump(): Promise<void> {
    for (let doc = this.queue.shift(); doc !== undefined && !this.closed; doc = this.queue.shift()) await this.deliver(doc);
  }

  private async deliver(doc: PingDocument): Promise<void> {
    const { target } = this.options;
    const request = pingRequest(target, doc);
    const attempts = this.options.attempts ?? 8;
    const where = targetLabel(target);
    for (let attempt = 1; attempt <= attempts && !this.closed; attempt++) {
      const outcome = await this.post(request, this.options.timeoutMs ?? 10_000, this.stop.signal);
      if (this.closed) return;
      if (outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300) return;
      const what = outcome.kind === 'answered' ? answerWords(outcome.status) : outcome.kind === 'unreachable' ? `is unreachable (${outcome.detail})` : 'did not answer in time';
      if (!retryable(outcome)) {
        this.log(
          outcome.kind === 'no-answer'
            ? `notify: ${where} did not answer "${doc.title}" in time; not sent again (it may have arrived)`
            : `notify: ${where} ${what} to "${doc.title}": check the --notify URL; not sent again`,
        );
        return;
      }
      if (attempt === attempts) {
        this.log(`notify: ${where} ${what}; gave up on "${doc.title}" after ${attempts} tries`);
        return;
      }
      const delay = this.delayBefore(attempt + 1);
      this.log(`notify: ${where} ${what}; trying "${doc.title}" again in ${Math.max(1, Math.round(delay / 1000))} s`);
      await this.pause(delay);
    }
  }

  /** Exponential back-off with jitter, capped. */
  private delayBefore(attempt: number): number {
    const first = this.options.firstDelayMs ?? 2_000;
    const cap = this.options.maxDelayMs ?? 300_000;
    const base = Math.min(cap, first * 2 ** (attempt - 2));
    const jitter = 0.8 + 0.4 * (this.options.random ?? Math.random)();
    return Math.round(base * jitter);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
