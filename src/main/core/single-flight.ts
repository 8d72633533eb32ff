/**
 * One call at a time: a second caller joins the call in flight instead of starting another. The
 * gateway is paced (gateway-facts.md §6), so the monitor's check and tickle and the account list
 * never send the same request twice at once.
 */

/** Wrap `run` so that overlapping calls share one run; the next call after it settles starts anew. */
export function singleFlight<T>(run: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () =>
    (inFlight ??= run().finally(() => {
      inFlight = null;
    }));
}
