/**
 * What of a snapshot may leave the machine without the dashboard token: to a health probe, an
 * uptime monitor or a notification service. The state word and the reason, with the user name and
 * account ids masked (the ready reason names both), and the selected account masked. Nothing else:
 * no token, no cookie, no session id, no gateway folder.
 */
import type { AppSnapshot, SessionKind } from '../../shared/snapshot.js';
import { maskAccount } from './errors.js';

/** The parts of a snapshot that may be shown to someone without the token. */
export interface PublicView {
  /** The state word, as `status --json` prints it (`ready`, `login-required`, …). */
  readonly state: SessionKind;
  /** The reason line with the user name and every account id masked. */
  readonly reason: string;
  /** The selected account masked (U…567), or null. */
  readonly account: string | null;
}

/** Mask a user name the way account ids are masked: its first letter and an ellipsis. */
function maskUser(name: string): string {
  return name.length === 0 ? name : `${name.slice(0, 1)}…`;
}

/** Replace every occurrence of each secret in `text` by its masked form, longest first (no partial overlaps). */
function maskAll(text: string, secrets: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [secret, masked] of [...secrets].sort(([a], [b]) => b.length - a.length)) out = out.split(secret).join(masked);
  return out;
}

/** The snapshot as someone without the token may see it. */
export function publicView(snapshot: AppSnapshot): PublicView {
  const secrets = new Map<string, string>();
  const ids = [...snapshot.accounts.map((a) => a.id), ...(snapshot.selectedAccount ? [snapshot.selectedAccount] : [])];
  for (const id of ids) secrets.set(id, maskAccount(id));
  // Aliases are names the user chose, often their own: they go too.
  for (const account of snapshot.accounts) if (account.alias && account.alias.length > 2) secrets.set(account.alias, '…');
  if (snapshot.username) secrets.set(snapshot.username, maskUser(snapshot.username));
  return {
    state: snapshot.state,
    reason: maskAll(snapshot.reason, secrets),
    account: snapshot.selectedAccount ? maskAccount(snapshot.selectedAccount) : null,
  };
}
