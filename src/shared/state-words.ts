/**
 * The words every window on the session uses for states and accounts: the tray's menu and tooltip,
 * notifications, the status page and the command line say the same thing. Pure: no Node, no DOM, no Electron.
 */
import type { AccountView, SessionKind } from './snapshot.js';

/**
 * The one table of state words. `title` is what people read (status line of the tray, tooltip, page
 * badge); `word` is the command line's lower-case form, which scripts match (`login required`), so it
 * stays stable even when a title is reworded. A mapped type: a new state without words is a compile error.
 */
const STATE_WORDS: { readonly [K in SessionKind]: { readonly title: string; readonly word: string } } = {
  stopped: { title: 'Gateway stopped', word: 'gateway stopped' },
  starting: { title: 'Gateway starting…', word: 'gateway starting' },
  failed: { title: 'Gateway failed', word: 'gateway failed' },
  'not-responding': { title: 'Gateway not responding', word: 'gateway not responding' },
  'login-required': { title: 'Logged out', word: 'login required' },
  'logging-in': { title: 'Logging in…', word: 'logging in' },
  'brokerage-starting': { title: 'Brokerage session starting…', word: 'brokerage session starting' },
  ready: { title: 'Ready', word: 'ready' },
  competing: { title: 'Session in use elsewhere', word: 'competing session' },
  'rate-limited': { title: 'Rate limited by IBKR', word: 'rate limited' },
};

/** The state in a few words, as the tray's status line, tooltip and page badge show it. */
export function stateTitle(kind: SessionKind): string {
  return STATE_WORDS[kind].title;
}

/** The state as the command line prints it: lower case, stable for scripts (`ready`, `login required`). */
export function stateWords(kind: SessionKind): string {
  return STATE_WORDS[kind].word;
}

/**
 * What the engine answers to "Log in" and the page shows while a login is under way, before the login
 * page's address (`${LOGIN_PAGE_WORDS} https://localhost:5000/`).
 */
export const LOGIN_PAGE_WORDS = 'Log in on the IBKR page:';

/** The gateway's login page for a gateway at `gatewayUrl` (its origin): the page the gateway sends on to IBKR's form. */
export function loginPageUrl(gatewayUrl: string): string {
  return `${gatewayUrl.replace(/\/+$/, '')}/`;
}

/** The alias worth showing beside an id: IBKR's alias, unless it is missing, empty or the id itself. */
export function distinctAlias(id: string, alias: string | null | undefined): string | null {
  return alias && alias !== id ? alias : null;
}

/**
 * How every shell names an account: `Alias (ID)`, or the id alone when there is no alias worth
 * showing. Alias first because it is the name the user gave the account and recognises; the id
 * follows in full, so it can still be read and typed (`ibkr-tray use ID`).
 */
export function accountLabel(account: AccountView): string {
  const alias = distinctAlias(account.id, account.alias);
  return alias === null ? account.id : `${alias} (${account.id})`;
}

/** The label of account `id` among `accounts`; the bare id when the list does not (yet) name it. */
export function accountLabelOf(accounts: readonly AccountView[], id: string): string {
  return accountLabel(accounts.find((a) => a.id === id) ?? { id, alias: null });
}
