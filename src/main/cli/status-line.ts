/**
 * How the command prints a snapshot: one line in the user's words, or (with --json) the snapshot
 * itself plus the fields scripts look for first. The user's own terminal: account ids are shown in full.
 */
import type { AppSnapshot, SessionKind } from '../../shared/snapshot.js';

/** The state as a person would say it. Exhaustive: a new state without words is a compile error. */
export function stateWords(kind: SessionKind): string {
  switch (kind) {
    case 'stopped':
      return 'gateway stopped';
    case 'starting':
      return 'gateway starting';
    case 'failed':
      return 'gateway failed';
    case 'not-responding':
      return 'gateway not responding';
    case 'login-required':
      return 'login required';
    case 'logging-in':
      return 'logging in';
    case 'brokerage-starting':
      return 'brokerage session starting';
    case 'ready':
      return 'ready';
    case 'competing':
      return 'competing session';
    case 'rate-limited':
      return 'rate limited';
  }
}

/** `ready: user123, paper, account DU1234567 (Main) — https://localhost:5000` or `login required: <reason> — …`. */
export function statusLine(snapshot: AppSnapshot): string {
  const parts: string[] = [];
  if (snapshot.state === 'ready') {
    if (snapshot.username) parts.push(snapshot.username);
    if (snapshot.paper !== null) parts.push(snapshot.paper ? 'paper' : 'live');
    if (snapshot.selectedAccount) parts.push(`account ${accountLabel(snapshot, snapshot.selectedAccount)}`);
  }
  // A ready session needs no reason ("Ready: logged in." would only repeat the state).
  if (parts.length === 0 && snapshot.reason && snapshot.state !== 'ready') parts.push(snapshot.reason);
  const detail = parts.length > 0 ? `: ${parts.join(', ')}` : '';
  return `${stateWords(snapshot.state)}${detail} — ${snapshot.gateway.url}`;
}

/** `DU1234567 (Main)`; just the id when the alias is missing or the id itself. */
export function accountLabel(snapshot: AppSnapshot, id: string): string {
  const alias = snapshot.accounts.find((a) => a.id === id)?.alias;
  return alias && alias !== id ? `${id} (${alias})` : id;
}

/** What `status --json` prints: the whole snapshot, plus `gatewayUrl` at the top level for scripts. */
export function statusDocument(snapshot: AppSnapshot): AppSnapshot & { readonly gatewayUrl: string } {
  return { ...snapshot, gatewayUrl: snapshot.gateway.url };
}

/** The accounts, one a line, the selected one marked with `*`. */
export function accountLines(snapshot: AppSnapshot): string {
  if (snapshot.accounts.length === 0) return 'no accounts (the gateway listed none yet)';
  return snapshot.accounts.map((a) => `${a.id === snapshot.selectedAccount ? '*' : ' '} ${accountLabel(snapshot, a.id)}`).join('\n');
}
