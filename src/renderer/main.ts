/**
 * The page: a card per profile (card.ts), and once for the whole page the connection banner and the
 * app-wide settings. It pulls every profile's snapshot on load, follows pushes (each naming its
 * profile), and rebuilds the cards when the profiles change (a snapshot of a profile it has no card
 * for, or one fewer in a fresh pull). With one profile the page is what it always was. User actions
 * go out as intents through the bridge; nothing here keeps session state.
 */
import type { AppSnapshot } from '../shared/snapshot.js';
import { chooseBridge } from './bridge.js';
import { createCard, type Card } from './card.js';
import { el, setText } from './dom.js';
import { linesByProfile, sameProfiles, viewOf } from './view.js';

const bridge = chooseBridge();
const api = bridge.api;

// ---- app-wide elements (built once) ------------------------------------------------------------

const banner = el('p', { className: 'banner', attrs: { role: 'alert', id: 'connection' } });
banner.hidden = true;
const cardList = el('div', { className: 'cards' });
const preferenceList = el('div', { className: 'preferences' });
const preferenceBoxes = new Map<string, HTMLInputElement>();
const settings = el('section', { className: 'panel settings', attrs: { 'aria-labelledby': 'settings-title' } }, [
  el('h2', { text: 'Settings', attrs: { id: 'settings-title' } }),
  preferenceList,
]);
const app = el('main', { className: 'app' }, [banner, cardList, settings]);
document.body.append(app);

/** The cards on the page, in the settings' order of their profiles. */
let cards: readonly Card[] = [];

// ---- drawing -----------------------------------------------------------------------------------

/** Preferences are app-wide: the first profile's snapshot carries them, and changes go to it. */
function drawPreferences(first: Card): void {
  const snapshot = first.current();
  if (snapshot === null) return;
  for (const preference of viewOf(snapshot, Date.now(), bridge.kind).preferences) {
    let box = preferenceBoxes.get(preference.key);
    if (box === undefined) {
      const input = el('input', { attrs: { type: 'checkbox', id: `pref-${preference.key}` } });
      const key = preference.key;
      input.addEventListener('change', () => {
        void api.send({ type: 'set-preference', key, value: input.checked }).then(
          (result) => cards[0]?.report(result),
          (error: unknown) => cards[0]?.report({ ok: false, reason: error instanceof Error ? error.message : String(error) }),
        );
      });
      preferenceList.append(el('label', { className: 'check' }, [input, document.createTextNode(preference.label)]));
      preferenceBoxes.set(key, input);
      box = input;
    }
    box.checked = preference.checked;
  }
}

/** The page-wide marks of the first card (the whole page before profiles): its tone and drawn snapshot. */
function drawPage(): void {
  const [first] = cards;
  if (first === undefined) return;
  const tone = first.element.dataset['tone'];
  const seq = first.element.dataset['seq'];
  if (tone !== undefined) document.body.dataset['tone'] = tone;
  if (seq !== undefined) document.body.dataset['seq'] = seq;
  drawPreferences(first);
}

function drawAll(): void {
  for (const card of cards) card.draw();
  drawPage();
}

// ---- the cards ---------------------------------------------------------------------------------

/** Replace the cards with one per profile in `snapshots`, and fill each one's log. */
function arrange(snapshots: readonly AppSnapshot[]): void {
  if (!sameProfiles(cards.map((card) => card.profile), snapshots)) {
    const several = snapshots.length > 1;
    cards = snapshots.map((s, index) => createCard({ profile: s.profile, index, several, api, shell: bridge.kind }));
    cardList.replaceChildren(...cards.map((card) => card.element));
    document.body.classList.toggle('several', several);
    for (const card of cards) {
      void api.getLog(several ? { profile: card.profile } : undefined).then(
        (lines) => card.fillLog(lines),
        () => card.fillLog([]),
      );
    }
  }
  for (const snapshot of snapshots) accept(snapshot);
}

let pulling: Promise<void> | null = null;
/** Whether the banner says that the last pull failed (the next one that works takes it away). */
let pullFailed = false;
/** A reason to pull came while a pull was under way: its answer may predate it (a profile removed meanwhile). */
let pullAgain = false;
/** Pull every profile's snapshot (on load, after a reconnect, when the profiles changed); one pull at a time. */
function pull(): void {
  if (pulling !== null) {
    pullAgain = true;
    return;
  }
  pulling = api
    .getSnapshots()
    .then(
      (snapshots) => {
        if (pullFailed) banner.hidden = true;
        pullFailed = false;
        arrange(snapshots);
      },
      (error: unknown) => {
        setText(banner, `Could not read the state: ${error instanceof Error ? error.message : String(error)}`);
        banner.hidden = false;
        pullFailed = true;
      },
    )
    .finally(() => {
      pulling = null;
      if (pullAgain) {
        pullAgain = false;
        pull();
      }
    });
}

function accept(snapshot: AppSnapshot): void {
  const card = cards.find((c) => c.profile === snapshot.profile);
  // A profile without a card was added (or renamed) since the last pull: pull the whole list again.
  if (card === undefined) return pull();
  card.accept(snapshot);
  if (card === cards[0]) drawPage();
}

// ---- start -------------------------------------------------------------------------------------

bridge.onConnection((connection) => {
  banner.hidden = connection === 'connected';
  // Without the stream the picture may be old: say so by fading it, rather than show a green badge as fact.
  app.classList.toggle('stale', connection !== 'connected');
  setText(
    banner,
    connection === 'gone'
      ? 'The dashboard is gone: start `ibkr-tray serve` again and open the address it prints.'
      : 'Lost the connection to the dashboard; reconnecting…',
  );
  // After a reconnect the pushes missed meanwhile are gone (a profile may even have gone): pull again.
  if (connection === 'connected') pull();
});
api.onSnapshot(accept);
api.onLog((lines) => {
  const [first] = cards;
  if (first === undefined) return; // the first pull fetches the logs
  for (const [profile, own] of linesByProfile(lines, first.profile)) cards.find((card) => card.profile === profile)?.appendLog(own);
});
// A profile added, removed or renamed while the app runs: a card more or fewer.
api.onProfiles((names) => {
  if (names.join('\u0000') !== cards.map((card) => card.profile).join('\u0000')) pull();
});
pull();
// Relative times ("12 s ago") move on their own between snapshots.
setInterval(drawAll, 1000);
