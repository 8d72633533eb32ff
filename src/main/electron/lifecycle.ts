/**
 * Decisions the composition root makes about the app's life, pure (no Electron) so they are tested:
 * whether quitting stops the gateway, and how long quitting may wait for it.
 */
import type { AppSnapshot } from '../../shared/snapshot.js';

/** Quitting waits at most this long for the engine (and the gateway it stops) to be gone. */
export const QUIT_BUDGET_MS = 15_000;

/**
 * Stop the gateway on quit only when this app started it (an adopted gateway belongs to whoever
 * started it: a script may rely on it) and the user's setting says so.
 */
export function stopGatewayOnQuit(snapshot: Pick<AppSnapshot, 'gateway' | 'preferences'>): boolean {
  return snapshot.preferences.stopGatewayOnQuit && snapshot.gateway.running && snapshot.gateway.startedByUs;
}
