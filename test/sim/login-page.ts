/**
 * IBKR's login pages as the gateway proxies them (facts §6): /sso/Login is a plain form (username and
 * password, then an optional second-factor code); success goes through /sso/Dispatcher, which the
 * gateway answers itself with the plain text `Client login succeeds` and no Content-Type. The
 * brokerage session only comes up authDelay later: the page alone proves nothing.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IbkrSession } from './ibkr-session.js';

export interface Credentials {
  username: string;
  password: string;
  secondFactorCode: string | null;
}

const LOGIN_PATH = '/sso/Login';
const DISPATCHER_PATH = '/sso/Dispatcher';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main id="login">
<h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>
`;
}

function passwordForm(error: string | null): string {
  return page(
    'Login - Interactive Brokers',
    `${error ? `<p class="xyz-errormessage" id="error" role="alert">${escapeHtml(error)}</p>\n` : ''}<form method="POST" action="${LOGIN_PATH}" id="loginform">
<input type="hidden" name="forwardTo" value="22">
<label>Username <input type="text" name="username" id="username" autocomplete="username"></label>
<label>Password <input type="password" name="password" id="password" autocomplete="current-password"></label>
<button type="submit" id="submit">Login</button>
</form>`,
  );
}

function codeForm(ticket: string, error: string | null): string {
  return page(
    'Second Factor Authentication',
    `${error ? `<p class="xyz-errormessage" id="error" role="alert">${escapeHtml(error)}</p>\n` : ''}<form method="POST" action="${LOGIN_PATH}" id="codeform">
<input type="hidden" name="ticket" value="${ticket}">
<label>Security code <input type="text" name="code" id="code" inputmode="numeric" autocomplete="one-time-code"></label>
<button type="submit" id="submit">Submit</button>
</form>`,
  );
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html;charset=utf-8', 'Transfer-Encoding': 'chunked' });
  res.end(html);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, 'Transfer-Encoding': 'chunked' });
  res.end();
}

/** The /sso/ pages. Tickets tie the form steps together the way IBKR's hidden fields do. */
export class LoginPage {
  /** ticket → 'code' (password accepted, code awaited) or 'done' (Dispatcher may succeed). */
  private readonly tickets = new Map<string, 'code' | 'done'>();

  constructor(
    private readonly session: IbkrSession,
    private readonly credentials: Credentials,
  ) {}

  /** Answer a request under /sso/; `form` is the decoded urlencoded body of a POST. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, form: URLSearchParams): void {
    if (url.pathname === LOGIN_PATH && req.method === 'POST') return this.submit(res, form);
    if (url.pathname === LOGIN_PATH) return sendHtml(res, 200, passwordForm(null));
    if (url.pathname === DISPATCHER_PATH) return this.dispatch(res, url.searchParams.get('ticket'));
    sendHtml(res, 404, page('Not Found', '<p>The page you requested could not be found.</p>'));
  }

  private submit(res: ServerResponse, form: URLSearchParams): void {
    const ticket = form.get('ticket');
    if (ticket !== null) {
      if (this.tickets.get(ticket) !== 'code') return sendHtml(res, 200, passwordForm('Your session has expired, please log in again.'));
      if (form.get('code') !== this.credentials.secondFactorCode) {
        this.session.failedLoginAttempts += 1;
        return sendHtml(res, 200, codeForm(ticket, 'Invalid security code. Please try again.'));
      }
      return this.pass(res, ticket);
    }
    if (form.get('username') !== this.credentials.username || form.get('password') !== this.credentials.password) {
      this.session.failedLoginAttempts += 1;
      return sendHtml(res, 200, passwordForm('Invalid username password combination'));
    }
    const next = randomBytes(12).toString('hex');
    if (this.credentials.secondFactorCode !== null) {
      this.tickets.set(next, 'code');
      return sendHtml(res, 200, codeForm(next, null));
    }
    this.pass(res, next);
  }

  private pass(res: ServerResponse, ticket: string): void {
    this.tickets.set(ticket, 'done');
    redirect(res, `${DISPATCHER_PATH}?ticket=${ticket}`);
  }

  private dispatch(res: ServerResponse, ticket: string | null): void {
    if (ticket === null || this.tickets.get(ticket) !== 'done') return redirect(res, `${LOGIN_PATH}?forwardTo=22&RL=1&ip2loc=US`);
    this.tickets.delete(ticket);
    this.session.browserLogin(true);
    // The gateway's own page: plain text, no Content-Type header at all (facts §4).
    res.writeHead(200, { 'Transfer-Encoding': 'chunked' });
    res.end('Client login succeeds');
  }
}
