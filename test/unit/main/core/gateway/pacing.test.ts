import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../../src/main/core/errors.js';
import { Pacer } from '../../../../../src/main/core/gateway/pacing.js';
import { flush, ManualClock } from '../../../../sim/manual-clock.js';

const TICKLE = '/v1/api/tickle';
const VALIDATE = '/v1/api/sso/validate';
const PORTFOLIO = '/v1/api/portfolio/accounts';
const STATUS = '/v1/api/iserver/auth/status';

function setup(rules: ConstructorParameters<typeof Pacer>[0] = {}) {
  const clock = new ManualClock();
  const pacer = new Pacer({ clock, ...rules });
  const sent: { at: number; endpoint: string; key: string }[] = [];
  const call = (endpoint: string, key = endpoint, maxWaitMs = 5000, answer: () => Promise<unknown> = () => Promise.resolve(`${key}@${clock.now()}`)) =>
    pacer.run({ key, endpoint, maxWaitMs }, () => {
      sent.push({ at: clock.now(), endpoint, key });
      return answer();
    });
  return { clock, pacer, sent, call };
}

/** Most requests seen in any window of `windowMs` ending at a send. */
function maxInWindow(times: number[], windowMs: number): number {
  return Math.max(0, ...times.map((end) => times.filter((t) => t > end - windowMs && t <= end).length));
}

describe('Pacer', () => {
  it('sends at most 10 requests in any second (plus margin), queueing the rest in order', async () => {
    const { clock, sent, call } = setup();
    const results = Array.from({ length: 25 }, (_, i) => call(STATUS, `GET status ${i}`, 10_000));
    await flush();
    expect(sent).toHaveLength(10);
    await clock.run(10_000);
    await Promise.all(results);
    expect(sent.map((s) => s.key)).toEqual(Array.from({ length: 25 }, (_, i) => `GET status ${i}`));
    expect(maxInWindow(sent.map((s) => s.at), 1200)).toBeLessThanOrEqual(10);
  });

  it('counts a window from the answers, so requests delayed on their way can never arrive 11 in a second', async () => {
    const { clock, sent, call } = setup();
    const start = clock.now();
    // Ten slow requests: answered 800 ms after they were sent (a loaded machine, a slow handshake).
    const slow = Array.from({ length: 10 }, (_, i) => call(STATUS, `slow ${i}`, 10_000, () => new Promise((resolve) => clock.setTimeout(() => resolve(i), 800))));
    const next = call(STATUS, 'next', 10_000);
    await clock.run(1999);
    // Sent-time spacing would have let it go at 1200 ms, while the slow ones may have just arrived.
    expect(sent.map((s) => s.key)).not.toContain('next');
    await clock.run(1);
    await Promise.all([...slow, next]);
    expect(sent.find((s) => s.key === 'next')?.at).toBe(start + 800 + 1200);
  });

  it('waits for an answer to free a slot, refusing a queued call only at its own deadline', async () => {
    const { clock, sent, call } = setup({ rules: { perWindow: 2 } });
    const start = clock.now();
    const never = () => new Promise<never>(() => {});
    void call(STATUS, 'a', 60_000, never);
    void call(STATUS, 'b', 60_000, never);
    const queued = call(STATUS, 'c', 3000);
    const outcome = queued.then(
      () => 'sent',
      (error: unknown) => (error instanceof GatewayError ? `${error.kind} after ${clock.now() - start} ms` : 'other'),
    );
    await clock.run(2999);
    expect(sent).toHaveLength(2);
    await clock.run(1);
    await expect(outcome).resolves.toBe('rate-limited after 3000 ms');
  });

  it('spaces an endpoint\'s requests from the previous answer, not the previous send', async () => {
    const { clock, sent, call } = setup();
    const start = clock.now();
    const first = call(TICKLE, 'tickle', 5000, () => new Promise((resolve) => clock.setTimeout(() => resolve('late'), 900)));
    await flush();
    const second = call(TICKLE, 'tickle 2', 5000);
    await clock.run(900 + 1199);
    expect(sent).toHaveLength(1);
    await clock.run(1);
    await Promise.all([first, second]);
    expect(sent.map((s) => s.at - start)).toEqual([0, 900 + 1200]);
  });

  it('shares identical requests that are queued or in flight instead of repeating them', async () => {
    const { clock, sent, call } = setup();
    let release!: (value: string) => void;
    const first = call(STATUS, 'same', 5000, () => new Promise((resolve) => (release = resolve)));
    const second = call(STATUS, 'same');
    await flush();
    expect(sent).toHaveLength(1);
    release('one answer');
    await expect(first).resolves.toBe('one answer');
    await expect(second).resolves.toBe('one answer');
    // Once settled, the next identical call is a new request.
    const third = call(STATUS, 'same');
    await clock.run(0);
    await third;
    expect(sent).toHaveLength(2);
  });

  it('spaces tickles at least 1 s apart (plus margin), waiting rather than refusing', async () => {
    const { clock, sent, call } = setup();
    await call(TICKLE, 'tickle');
    const second = call(TICKLE, 'tickle');
    await clock.run(1100);
    expect(sent).toHaveLength(1);
    await clock.run(200);
    await second;
    expect(sent).toHaveLength(2);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('reuses a recent sso/validate answer within the minute instead of sending again', async () => {
    const { clock, sent, call } = setup();
    const first = await call(VALIDATE);
    await clock.run(30_000);
    await expect(call(VALIDATE)).resolves.toBe(first);
    expect(sent).toHaveLength(1);
    await clock.run(31_000);
    await expect(call(VALIDATE)).resolves.not.toBe(first);
    expect(sent).toHaveLength(2);
  });

  it('drops reusable answers when told (after logout they may be stale)', async () => {
    const { clock, pacer, sent, call } = setup();
    await call(PORTFOLIO);
    pacer.forgetAnswers();
    await clock.run(100);
    // Not reusable any more, and 5 s have not passed: a 1 s caller is refused with a retry time.
    const refused = call(PORTFOLIO, PORTFOLIO, 1000);
    await expect(refused).rejects.toMatchObject({ kind: 'rate-limited' });
    const error = (await refused.catch((e: unknown) => e)) as GatewayError;
    expect(error.details.retryAt).toBeGreaterThan(clock.now() + 4000);
    expect(sent).toHaveLength(1);
  });

  it('does not reuse a failed answer; the caller waits for the slot within its budget', async () => {
    const { clock, sent, call } = setup();
    await expect(call(PORTFOLIO, PORTFOLIO, 5000, () => Promise.reject(new Error('401')))).rejects.toThrow('401');
    const retry = call(PORTFOLIO, PORTFOLIO, 6000);
    await clock.run(5300);
    await expect(retry).resolves.toContain(PORTFOLIO);
    expect(sent).toHaveLength(2);
  });

  it('refuses a queued call whose wait would pass its deadline, with a clear message', async () => {
    const { clock, sent, call } = setup();
    const many = Array.from({ length: 30 }, (_, i) => call(STATUS, `k${i}`, 500));
    const outcomes = Promise.allSettled(many);
    await clock.run(2000);
    const settled = await outcomes;
    expect(settled.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const rejected = settled.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(rejected).toHaveLength(20);
    expect(rejected[0]!.reason).toBeInstanceOf(GatewayError);
    expect(String(rejected[0]!.reason.message)).toMatch(/pacing limit/);
    // Ours, not IBKR's: nothing was sent, so a caller may simply try again.
    expect((rejected[0]!.reason as GatewayError).details.notSent).toBe(true);
    expect(sent).toHaveLength(10);
  });

  it('bounds the queue', async () => {
    const { call } = setup({ rules: { maxQueue: 3, perWindow: 1 } });
    const calls = Array.from({ length: 6 }, (_, i) => call(STATUS, `q${i}`, 60_000));
    const settled = await Promise.allSettled(calls.slice(4));
    expect(settled.every((s) => s.status === 'rejected' && /already waiting/.test(String(s.reason.message)))).toBe(true);
  });

  it('after a 429 sends nothing until the penalty has passed, refusing at once with retryAt', async () => {
    const { clock, pacer, sent, call } = setup({ rules: { perWindow: 1 } });
    const queued = call(STATUS, 'queued', 60_000);
    const waiting = call(STATUS, 'waiting', 60_000);
    await flush();
    const until = pacer.penalize();
    expect(until).toBe(clock.now() + 10 * 60_000);
    await queued;
    await expect(waiting).rejects.toMatchObject({ kind: 'rate-limited', details: { retryAt: until } });
    await expect(call(TICKLE)).rejects.toMatchObject({ kind: 'rate-limited', details: { retryAt: until } });
    expect(pacer.penaltyUntil()).toBe(until);
    await clock.run(10 * 60_000 - 1);
    await expect(call(TICKLE)).rejects.toMatchObject({ kind: 'rate-limited' });
    await clock.run(1);
    expect(pacer.penaltyUntil()).toBeNull();
    await expect(call(TICKLE)).resolves.toBeDefined();
    expect(sent.map((s) => s.key)).toEqual(['queued', TICKLE]);
  });

  it('refuses everything queued on dispose and leaves no timer behind', async () => {
    const { clock, pacer, call } = setup({ rules: { perWindow: 1 } });
    await call(STATUS, 'a');
    const queued = call(STATUS, 'b', 60_000);
    await flush();
    expect(clock.pending()).toBe(1);
    pacer.dispose();
    await expect(queued).rejects.toMatchObject({ kind: 'not-responding' });
    expect(clock.pending()).toBe(0);
  });
});
