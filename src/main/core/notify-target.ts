/**
 * `--notify URL` (and the tray's `notifyUrl`): where pings go. Its own module, with no import, so the
 * command's argument parser reads it without loading the pinger (notify.ts) or anything it needs.
 */

/** Where pings go: a plain webhook gets the JSON document, an ntfy topic text with a Title header. */
export interface NotifyTarget {
  readonly style: 'webhook' | 'ntfy';
  readonly url: string;
}

/**
 * `--notify URL`: an http(s) URL, or `ntfy+https://host/topic` for a self-hosted ntfy (ntfy.sh itself
 * is recognised by its host). A one-line reason when it is not one.
 */
export function parseNotifyTarget(text: string): { readonly ok: true; readonly target: NotifyTarget } | { readonly ok: false; readonly reason: string } {
  const ntfy = text.startsWith('ntfy+');
  let url: URL;
  try {
    url = new URL(ntfy ? text.slice('ntfy+'.length) : text);
  } catch {
    return { ok: false, reason: `--notify wants an http(s) URL (or ntfy+https://host/topic), not "${text}"` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: `--notify wants an http(s) URL, not "${url.protocol}"` };
  const isNtfy = ntfy || url.hostname === 'ntfy.sh';
  if (isNtfy && url.pathname.length <= 1) return { ok: false, reason: '--notify: an ntfy URL needs its topic, e.g. https://ntfy.sh/my-secret-topic' };
  return { ok: true, target: { style: isNtfy ? 'ntfy' : 'webhook', url: url.href } };
}
