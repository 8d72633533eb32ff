/**
 * The gateway's answers, its WebSocket frames and the supervisor's process states, each turned into
 * the SessionEvents that `transition()` understands. Pure: one function per kind of answer, no I/O,
 * so what an answer means is decided here once and read by the monitor.
 */
import type { SessionEvent } from '../../shared/session.js';
import type { GatewayError } from './errors.js';
import {
  accountsFrom,
  WsAccountsSchema,
  WsStatusSchema,
  WsSystemSchema,
  type AuthStatus,
  type SsodhInit,
  type SsoValidate,
  type Tickle,
  type WsMessage,
} from './gateway/schemas.js';
import type { GatewayProcessState } from './gateway/types.js';
import { isPaperLogin } from '../../shared/trading-mode.js';

/** auth/status → a status event. */
export function statusEvent(status: AuthStatus, at: number): SessionEvent {
  return {
    type: 'status',
    at,
    authenticated: status.authenticated,
    connected: status.connected,
    competing: status.competing,
    fail: status.fail ?? null,
    serverName: status.serverInfo?.serverName ?? null,
  };
}

/** A tickle → the keepalive's success, and the auth status it carries when it carries one. */
export function tickleEvents(answer: Tickle, at: number): SessionEvent[] {
  const events: SessionEvent[] = [{ type: 'tickle', at, ssoExpiresAt: at + answer.ssoExpires }];
  const auth = answer.iserver?.authStatus;
  if (auth && (auth.authenticated != null || auth.connected != null || auth.competing != null)) {
    events.push({
      type: 'status',
      at,
      authenticated: auth.authenticated,
      connected: auth.connected,
      competing: auth.competing,
      fail: auth.fail,
      serverName: auth.serverInfo?.serverName,
    });
  }
  return events;
}

/** sso/validate → who is logged in, live or paper, and the region. */
export function ssoEvent(sso: SsoValidate, at: number): SessionEvent {
  return {
    type: 'sso',
    at,
    valid: sso.RESULT,
    username: sso.USER_NAME,
    paper: isPaperLogin(sso.LOGIN_TYPE),
    region: sso.region ?? null,
  };
}

/** ssodh/init → its status, and the attempt's failure when it did not authenticate. */
export function brokerageInitEvents(answer: SsodhInit, at: number): SessionEvent[] {
  const status: SessionEvent = { type: 'status', at, authenticated: answer.authenticated, connected: answer.connected, competing: answer.competing, fail: answer.fail ?? null };
  if (answer.authenticated) return [status];
  return [status, { type: 'brokerage-init-failed', at, reason: answer.fail || answer.message || 'the brokerage session is not up yet' }];
}

/** A WebSocket frame → what it says about the session, or null when it says nothing (heartbeats, tic replies). */
export function socketEvent(message: WsMessage, at: number): SessionEvent | null {
  // The frame already fit WsMessageSchema; the specific schema narrows it (loose objects do not narrow by `topic`).
  const sts = WsStatusSchema.safeParse(message);
  if (sts.success) {
    const a = sts.data.args;
    return {
      type: 'status',
      at,
      authenticated: a.authenticated,
      connected: a.connected,
      competing: a.competing,
      fail: a.fail,
      serverName: a.serverName,
      username: a.username,
    };
  }
  const system = WsSystemSchema.safeParse(message);
  if (system.success) {
    return system.data.success ? { type: 'identity', at, username: system.data.success, paper: system.data.isPaper ?? null } : null;
  }
  const act = WsAccountsSchema.safeParse(message);
  if (act.success) {
    const list = accountsFrom(act.data.args);
    return list.accounts.length > 0 ? { type: 'accounts', at, ...list } : null;
  }
  return null;
}

/**
 * A failed request → its event. `penaltyUntil` is the pacer's: a 'rate-limited' refusal without a
 * penalty is our own pacer declining to send now (nothing reached the gateway), which is no state.
 */
export function failureEvent(e: GatewayError, at: number, endpoint: string, penaltyUntil: number | null): SessionEvent | null {
  switch (e.kind) {
    case 'not-authenticated':
      return { type: 'not-authenticated', at };
    case 'no-session':
      return { type: 'no-session', at };
    case 'rate-limited':
      return penaltyUntil === null ? null : { type: 'rate-limited', at, until: penaltyUntil };
    case 'unreachable':
    case 'certificate-changed':
      return { type: 'failure', at, cause: e.kind, reason: e.message };
    case 'unexpected-answer':
      return { type: 'failure', at, cause: 'unexpected-answer', reason: `Unexpected answer from ${e.details.endpoint ?? endpoint}: ${e.message}` };
    case 'not-responding':
    case 'ibkr-error':
      return { type: 'failure', at, cause: e.kind, reason: e.message };
  }
}

/** Failures on IBKR's side or in the gateway's answers: these grow the backoff. */
export function isBackoffFailure(e: GatewayError): boolean {
  return e.kind === 'unexpected-answer' || e.kind === 'not-responding' || e.kind === 'ibkr-error';
}

/** A process state from the supervisor → its event; `byUser` says a stop was the user's. */
export function processEvent(state: GatewayProcessState, at: number, byUser: boolean): SessionEvent | null {
  switch (state.kind) {
    case 'starting':
      return { type: 'gateway-starting', at };
    case 'running':
      return { type: 'gateway-running', at };
    case 'stopping':
      return null;
    case 'stopped':
      return { type: 'gateway-stopped', at, reason: state.reason ?? null, byUser };
    case 'failed':
      return { type: 'gateway-failed', at, reason: state.reason };
  }
}
