/**
 * The session state and the queue of events that move it: each event goes through the pure
 * `transition()`, in the order it was applied, and every listener hears every real change. An event
 * applied by a listener runs after the current one, never inside it, so listeners see changes in order.
 */
import { transition, type SessionEvent, type SessionState } from '../../shared/session.js';

export type StateListener = (state: SessionState, previous: SessionState, event: SessionEvent) => void;

export class SessionEvents {
  private current: SessionState;
  private readonly listeners = new Set<StateListener>();
  private readonly queue: SessionEvent[] = [];
  private applying = false;

  constructor(
    initial: SessionState,
    private readonly log: (line: string) => void,
  ) {
    this.current = initial;
  }

  state(): SessionState {
    return this.current;
  }

  /** Called with every state change. Returns the function that unsubscribes. */
  on(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Apply `event`; false when it was queued behind the one being applied (its caller's apply reports it). */
  apply(event: SessionEvent): boolean {
    this.queue.push(event);
    if (this.applying) return false;
    this.applying = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        const previous = this.current;
        const state = transition(previous, next);
        if (state === previous) continue;
        this.current = state;
        for (const listener of this.listeners) {
          try {
            listener(state, previous, next);
          } catch (error) {
            this.log(`monitor: a listener failed: ${(error as Error).message}`);
          }
        }
      }
    } finally {
      this.applying = false;
    }
    return true;
  }
}
