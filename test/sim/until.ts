/**
 * The one poll-until of the tests, for conditions no event announces: another process's state, a
 * simulator's answer over HTTP, a file. Where an event exists (a snapshot, a line of output, a
 * page's DOM), wait for the event instead; where time is simulated, step the manual clock.
 */

type Falsy = false | 0 | '' | null | undefined;

/**
 * Check `condition` every `intervalMs` until it gives a truthy value, and resolve with that value.
 * Every wait has a limit: after `timeoutMs` of real time it rejects, naming `what` was awaited.
 */
export async function until<T>(what: string, condition: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 20): Promise<Exclude<T, Falsy>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (isTruthy(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function isTruthy<T>(value: T): value is Exclude<T, Falsy> {
  return Boolean(value);
}
