/**
 * The gateway log panel: the last lines, following new ones while the user is at the bottom, with a
 * bounded number of DOM nodes (the gateway can print for days), and a Copy button.
 */
import type { LogLine } from '../shared/api.js';
import { el } from './dom.js';
import { isLater } from './view.js';

/** How many lines the panel keeps in the DOM. */
export const MAX_LOG_LINES = 500;

export interface LogView {
  readonly element: HTMLElement;
  /** Add lines (duplicates and lines older than the newest shown are ignored). */
  append(lines: readonly LogLine[]): void;
}

function timeOf(at: number): string {
  const d = new Date(at);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** The panel; `idOf` names its elements (the page's ids with one profile, scoped per card with several). */
export function createLogView(idOf: (role: string) => string = (role) => role): LogView {
  const list = el('ol', { className: 'log-lines', attrs: { 'aria-label': 'Gateway log', tabindex: '0' } });
  const empty = el('p', { className: 'muted log-empty', text: 'No output from the gateway yet.' });
  const copyStatus = el('span', { className: 'muted copy-status', attrs: { role: 'status' } });
  const copy = el('button', { className: 'small', text: 'Copy', attrs: { type: 'button', id: idOf('copy-log'), 'data-role': 'copy-log' } });
  /** The last line shown. */
  let last: LogLine | null = null;

  copy.addEventListener('click', () => {
    const text = Array.from(list.children, (li) => li.textContent ?? '').join('\n');
    navigator.clipboard.writeText(text).then(
      () => {
        copyStatus.textContent = 'Copied';
      },
      () => {
        // No clipboard permission (e.g. a plain-HTTP address other than loopback): select the text instead.
        const range = document.createRange();
        range.selectNodeContents(list);
        const selection = window.getSelection();
        selection?.removeAllRanges();
        selection?.addRange(range);
        copyStatus.textContent = 'Selected: press Ctrl+C';
      },
    );
  });

  const element = el('section', { className: 'panel log', attrs: { 'aria-labelledby': idOf('log-title') } }, [
    el('div', { className: 'panel-head' }, [el('h2', { text: 'Gateway log', attrs: { id: idOf('log-title') } }), copyStatus, copy]),
    empty,
    list,
  ]);

  return {
    element,
    append(lines) {
      const fresh: LogLine[] = [];
      for (const line of lines) {
        if (!isLater(last, line)) continue;
        fresh.push(line);
        last = line;
      }
      if (fresh.length === 0) return;
      const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
      const fragment = document.createDocumentFragment();
      for (const line of fresh.slice(-MAX_LOG_LINES)) {
        const li = el('li', { className: `log-${line.stream}` }, [
          el('time', { text: timeOf(line.at), attrs: { datetime: new Date(line.at).toISOString() } }),
          document.createTextNode(` ${line.text}`),
        ]);
        fragment.append(li);
      }
      list.append(fragment);
      while (list.childElementCount > MAX_LOG_LINES) list.firstElementChild?.remove();
      empty.hidden = true;
      copyStatus.textContent = '';
      if (atBottom) list.scrollTop = list.scrollHeight;
    },
  };
}
