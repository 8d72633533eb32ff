/**
 * How the command prints a snapshot: one line in the user's words, or (with --json) the snapshot
 * itself plus the fields scripts look for first. The user's own terminal: account ids are shown in full.
 */
import type { AppSnapshot } from '../../shared/snapshot.js';
import { accountLabel, accountLabelOf, stateWords } from '../../shared/state-words.js';
import { tradingMode } from '../../shared/trading-mode.js';

/** `ready: user123, paper, account Main (DU1234567) — https://localhost:5000` or `login required: <reason> — …`. */
export function statusLine(snapshot: AppSnapshot): string {
  const parts: string[] = [];
  if (snapshot.state === 'ready') {
    if (snapshot.username) parts.push(snapshot.username);
    const mode = tradingMode(snapshot.paper);
    if (mode !== null) parts.push(mode);
    if (snapshot.selectedAccount) parts.push(`account ${accountLabelOf(snapshot.accounts, snapshot.selectedAccount)}`);
  }
  // A ready session needs no reason ("Ready: logged in." would only repeat the state).
  if (parts.length === 0 && snapshot.reason && snapshot.state !== 'ready') parts.push(snapshot.reason);
  const detail = parts.length > 0 ? `: ${parts.join(', ')}` : '';
  return `${stateWords(snapshot.state)}${detail} — ${snapshot.gateway.url}`;
}

/** What `status --json` prints: the whole snapshot, plus `gatewayUrl` at the top level for scripts. */
export function statusDocument(snapshot: AppSnapshot): AppSnapshot & { readonly gatewayUrl: string } {
  return { ...snapshot, gatewayUrl: snapshot.gateway.url };
}

/** The accounts, one a line, the selected one marked with `*`. */
export function accountLines(snapshot: AppSnapshot): string {
  if (snapshot.accounts.length === 0) return 'no accounts (the gateway listed none yet)';
  return snapshot.accounts.map((a) => `${a.id === snapshot.selectedAccount ? '*' : ' '} ${accountLabel(a)}`).join('\n');
}
