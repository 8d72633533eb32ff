/**
 * What IBKR answers to the /v1/api requests the gateway forwards (facts §5). The gateway passes these
 * on unchanged, so status and body here are IBKR's.
 *
 * Choices where the facts are silent (documented in README.md):
 * - 401 bodies (facts §5: not reliable): `{"error":"not authenticated","statusCode":401}` before any
 *   login, empty once a session existed and expired; tickle's 401 (before any login) is empty.
 * - /iserver/* while the brokerage session is not up: 400 `{"error":"Bad Request: no
 *   bridge","statusCode":400}` (as reported in Voyz/ibind#44); after a logout: 400
 *   `{"error":"Init session first","statusCode":400}` (iserver-errors sample).
 * - POST /iserver/account with an id that is not the user's: 400 `{"error":"Bad Request: accountId is
 *   not valid: <id>","statusCode":400}` (IBKR's wording for a foreign id, Voyz/ibind#122);
 *   `selectedAccount` is unchanged.
 */
import { apiPath, JSON_TYPE, type Answer } from './faults.js';
import {
  authStatusBody,
  iserverAccountsBody,
  oneUserBody,
  portfolioAccountsBody,
  ssodhInitBody,
  ssoValidateBody,
  tickleBody,
} from './ibkr-bodies.js';
import type { IbkrSession } from './ibkr-session.js';

function json(status: number, body: unknown): Answer {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(body) };
}

const NOT_AUTHENTICATED = json(401, { error: 'not authenticated', statusCode: 401 });

function parseObject(body: string): Record<string, unknown> {
  try {
    const value = JSON.parse(body) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** IBKR's answer to `method path` (path already rewritten to /v1/api) with request body `body`. */
export function answerIbkr(session: IbkrSession, now: number, method: string, rawPath: string, body: string): Answer {
  const path = apiPath(rawPath);
  if (path === '/v1/api/tickle') {
    if (session.ssoValid) return json(200, tickleBody(session));
    // facts §5: 401 before any login; HTTP 200 {"error":"no session"} once the SSO session is gone.
    return session.ssoEverExisted ? json(200, { error: 'no session' }) : { status: 401, contentType: JSON_TYPE, body: '' };
  }
  if (!session.ssoValid) {
    // The 401 body is not reliable (facts §5): JSON before any login, empty once a session expired.
    return session.ssoEverExisted ? { status: 401, contentType: JSON_TYPE, body: '' } : NOT_AUTHENTICATED;
  }
  switch (path) {
    case '/v1/api/iserver/auth/status':
      return json(200, authStatusBody(session));
    case '/v1/api/sso/validate':
      return json(200, ssoValidateBody(session, now));
    case '/v1/api/one/user':
      return json(200, oneUserBody(session));
    case '/v1/api/logout':
      session.logout();
      return json(200, { status: true });
    case '/v1/api/iserver/auth/ssodh/init': {
      const compete = parseObject(body)['compete'] === true;
      const outcome = session.ssodhInit(compete);
      return outcome ? json(200, ssodhInitBody(outcome)) : NOT_AUTHENTICATED;
    }
    case '/v1/api/portfolio/accounts':
      return session.flags.authenticated ? json(200, portfolioAccountsBody(session)) : NOT_AUTHENTICATED;
    case '/v1/api/iserver/accounts':
      if (session.brokeragePhase === 'competing') return json(200, {});
      return brokerageRefusal(session) ?? json(200, session.takeAccountsReady() ? iserverAccountsBody(session) : {});
    case '/v1/api/iserver/account': {
      if (method !== 'POST') return json(405, { error: 'Method Not Allowed', statusCode: 405 });
      const refusal = brokerageRefusal(session);
      if (refusal) return refusal;
      const acctId = parseObject(body)['acctId'];
      if (typeof acctId !== 'string' || !session.selectAccount(acctId)) {
        return json(400, { error: `Bad Request: accountId is not valid: ${typeof acctId === 'string' ? acctId : ''}`, statusCode: 400 });
      }
      return json(200, { set: true, acctId });
    }
    default:
      return json(404, { error: 'Resource not found', statusCode: 404 });
  }
}

/** The /iserver/* refusals while no brokerage session is up (iserver-errors sample). */
function brokerageRefusal(session: IbkrSession): Answer | null {
  switch (session.brokeragePhase) {
    case 'up':
    case 'competing':
      return null;
    case 'logged-out':
      return json(400, { error: 'Init session first', statusCode: 400 });
    case 'pending':
    case 'dropped':
    case 'reset':
      return json(400, { error: 'Bad Request: no bridge', statusCode: 400 });
  }
}
