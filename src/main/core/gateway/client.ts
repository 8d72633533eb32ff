/**
 * The HTTPS client for the gateway's REST API: one pinned agent, one pacer, a timeout on every
 * request, every body parsed with schemas.ts, every failure a GatewayError of a precise kind.
 */
import http from 'node:http';
import type { z } from 'zod';
import { GatewayError, maskAccount, maskToken } from '../errors.js';
import type { Clock } from './clock.js';
import { BODY_TOO_LARGE, exchange, type Answer } from './exchange.js';
import { Pacer } from './pacing.js';
import {
  AccountSetSchema,
  AuthStatusSchema,
  ErrorBodySchema,
  IserverAccountsSchema,
  LogoutSchema,
  PortfolioAccountsSchema,
  ReauthenticateSchema,
  SsodhInitSchema,
  SsoValidateSchema,
  TickleSchema,
  type AccountSet,
  type AuthStatus,
  type IserverAccounts,
  type Logout,
  type PortfolioAccount,
  type Reauthenticate,
  type SsodhInit,
  type SsoValidate,
  type Tickle,
} from './schemas.js';
import { createPinnedAgent, fixedPin, type PinStore } from './tls.js';
import type { GatewayApi } from './types.js';

export interface GatewayClientOptions {
  /** The gateway origin, e.g. https://localhost:5000 (http:// for listenSsl:false: no pin needed). */
  readonly baseUrl: string;
  /** The pinned fingerprint, or a store of pins by origin (trust on first use for loopback). */
  readonly pin?: PinStore | string;
  /** Trust the first certificate a loopback gateway presents when no pin is stored (default true). */
  readonly trustOnFirstUse?: boolean;
  /** Per-request timeout, including the wait for a pacing slot (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Share one pacer between clients of the same gateway; default a new one with IBKR's limits. */
  readonly pacer?: Pacer;
  /** For the pacer created when none is given. */
  readonly clock?: Clock;
  /** Largest body accepted (default 2 MB): a bigger one is an unexpected answer. */
  readonly maxBodyBytes?: number;
  /** Where one line per request goes (method, path, status, ms); never bodies, tokens or cookies. */
  readonly log?: (line: string) => void;
}

/**
 * GatewayApi plus what the engine needs to manage the client's life, and two calls the session
 * engine does not make (so fakes of GatewayApi need not have them).
 */
export interface GatewayClient extends GatewayApi {
  readonly pacer: Pacer;
  /** GET /v1/api/portfolio/accounts; paced at most 1 per 5 s. */
  portfolioAccounts(): Promise<PortfolioAccount[]>;
  /** Does anything answer HTTPS on the origin (GET / → 302)? Never throws. */
  probe(): Promise<boolean>;
  /** Close pooled sockets and refuse queued calls. */
  dispose(): void;
}

const API = '/v1/api';
const BODY_START = 200;

type Method = 'GET' | 'POST';

interface Call<T> {
  readonly method: Method;
  readonly path: string;
  readonly body?: unknown;
  readonly schema: z.ZodType<T>;
  /** What to call the endpoint in messages (account ids masked). */
  readonly label?: string;
  /** `{"error":…}` is one of this endpoint's normal answers (reauthenticate's "not logged in"). */
  readonly errorIsAnswer?: boolean;
}

/** Text from the gateway made fit for messages and logs: session tokens and account ids masked. */
function redact(text: string): string {
  return text
    .replace(/\b[0-9a-f]{32}\b/gi, (token) => maskToken(token))
    .replace(/\b(?:D?U|DF|F)\d{5,}\b/g, (id) => maskAccount(id));
}

/** The first 200 characters of a body for messages, redacted. */
function bodyStart(text: string): string {
  return redact(text.slice(0, BODY_START));
}

/** The first of `error`'s cause chain that is a GatewayError (the pinned agent's refusal). */
function gatewayCause(error: unknown): GatewayError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof GatewayError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EAI_AGAIN']);
const DROPPED_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_SOCKET_CLOSED']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED', 'ABORT_ERR']);

/** Create the client the engine uses for every REST call to one gateway. */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  return new HttpGatewayClient(options);
}

class HttpGatewayClient implements GatewayClient {
  readonly baseUrl: string;
  readonly pacer: Pacer;
  private readonly timeoutMs: number;
  private readonly httpsAgent: http.Agent;
  private readonly httpAgent: http.Agent;
  private readonly maxBodyBytes: number;
  private readonly log: (line: string) => void;

  constructor(options: GatewayClientOptions) {
    const url = new URL(options.baseUrl);
    this.baseUrl = url.origin;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.pacer = options.pacer ?? new Pacer(options.clock ? { clock: options.clock } : {});
    this.log = options.log ?? (() => undefined);
    const pins = typeof options.pin === 'string' ? fixedPin(options.pin) : options.pin;
    this.httpsAgent = createPinnedAgent({
      pins: pins ?? { get: () => null, set: () => undefined },
      // Without a store there is nowhere to remember a first-use pin: trust it for this client's life only.
      trustOnFirstUse: options.trustOnFirstUse ?? true,
      // Within the request's own timeout, so that a port that never completes a handshake is reported
      // as what it is (another program: tls.ts), not as a gateway whose request hangs.
      handshakeTimeoutMs: Math.max(1000, Math.floor(this.timeoutMs / 2)),
    });
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    this.maxBodyBytes = options.maxBodyBytes ?? 2_000_000;
  }

  authStatus(): Promise<AuthStatus> {
    return this.call({ method: 'GET', path: '/iserver/auth/status', schema: AuthStatusSchema });
  }

  tickle(): Promise<Tickle> {
    return this.call({ method: 'POST', path: '/tickle', schema: TickleSchema });
  }

  ssoValidate(): Promise<SsoValidate> {
    return this.call({ method: 'GET', path: '/sso/validate', schema: SsoValidateSchema });
  }

  async ssodhInit(compete: boolean): Promise<SsodhInit> {
    const answer = await this.call({ method: 'POST', path: '/iserver/auth/ssodh/init', body: { publish: true, compete }, schema: SsodhInitSchema });
    this.pacer.forgetAnswers();
    return answer;
  }

  async reauthenticate(): Promise<Reauthenticate> {
    const answer = await this.call({ method: 'POST', path: '/iserver/reauthenticate', schema: ReauthenticateSchema, errorIsAnswer: true });
    this.pacer.forgetAnswers();
    return answer;
  }

  async logout(): Promise<Logout> {
    try {
      return await this.call({ method: 'POST', path: '/logout', schema: LogoutSchema });
    } finally {
      this.pacer.forgetAnswers();
    }
  }

  iserverAccounts(): Promise<IserverAccounts> {
    return this.call({ method: 'GET', path: '/iserver/accounts', schema: IserverAccountsSchema });
  }

  selectAccount(accountId: string): Promise<AccountSet> {
    return this.call({
      method: 'POST',
      path: '/iserver/account',
      body: { acctId: accountId },
      schema: AccountSetSchema,
      label: `/iserver/account (${maskAccount(accountId)})`,
    });
  }

  portfolioAccounts(): Promise<PortfolioAccount[]> {
    return this.call({ method: 'GET', path: '/portfolio/accounts', schema: PortfolioAccountsSchema });
  }

  async probe(): Promise<boolean> {
    try {
      const response = await this.pacer.run({ key: 'GET /', endpoint: '/', maxWaitMs: this.timeoutMs }, () => this.send('GET', '/', undefined));
      return response.status >= 300 && response.status < 400;
    } catch {
      return false;
    }
  }

  penaltyUntil(): number | null {
    return this.pacer.penaltyUntil();
  }

  dispose(): void {
    this.pacer.dispose();
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }

  private async call<T>(call: Call<T>): Promise<T> {
    const path = `${API}${call.path}`;
    const key = `${call.method} ${path} ${call.body === undefined ? '' : JSON.stringify(call.body)}`;
    const endpoint = call.label ? `${API}${call.label}` : path;
    return this.pacer.run({ key, endpoint: path, maxWaitMs: this.timeoutMs }, async () => {
      const response = await this.send(call.method, path, call.body, endpoint);
      return this.judge(response, call, endpoint);
    });
  }

  /**
   * One request with a hard deadline; transport failures become GatewayErrors. Status and body are
   * judged once, by the caller; a redirect (GET / → 302 is the probe's answer) is never followed,
   * and our own Cookie header would be replaced by the gateway's jar anyway (§4): none is sent.
   */
  private async send(method: Method, path: string, body: unknown, endpoint = path): Promise<Answer> {
    const started = Date.now();
    const url = new URL(path, this.baseUrl);
    try {
      const answer = await exchange({
        method,
        url,
        agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
        timeoutMs: this.timeoutMs,
        maxBodyBytes: this.maxBodyBytes,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      this.log(`${method} ${endpoint} → ${answer.status} (${Date.now() - started} ms)`);
      return answer;
    } catch (error) {
      const mapped = this.transportError(error, endpoint);
      this.log(`${method} ${endpoint} → ${mapped.kind} (${Date.now() - started} ms)`);
      throw mapped;
    }
  }

  private transportError(error: unknown, endpoint: string): GatewayError {
    const cause = gatewayCause(error);
    if (cause) return new GatewayError(cause.kind, cause.message, { ...cause.details, endpoint }, { cause: error });
    const code = (error as { code?: string }).code ?? '';
    const message = (error as { message?: string }).message ?? String(error);
    if (UNREACHABLE_CODES.has(code)) {
      return new GatewayError('unreachable', `The gateway at ${this.baseUrl} is not running (connection refused): start it, or check the port.`, { endpoint }, { cause: error });
    }
    if (TIMEOUT_CODES.has(code) || /timeout|aborted|canceled/i.test(message)) {
      return new GatewayError(
        'not-responding',
        `The gateway at ${this.baseUrl} did not answer ${endpoint} within ${this.timeoutMs} ms; it hangs like this when IBKR cannot be reached. Check the internet connection.`,
        { endpoint },
        { cause: error },
      );
    }
    if (code === BODY_TOO_LARGE) {
      return new GatewayError('unexpected-answer', `The gateway answered ${endpoint} with a body too large to be an API answer.`, { endpoint }, { cause: error });
    }
    if (DROPPED_CODES.has(code) || /socket hang up/i.test(message)) {
      return new GatewayError(
        'unreachable',
        `The gateway at ${this.baseUrl} closed the connection without answering ${endpoint} (is it speaking ${this.baseUrl.startsWith('https') ? 'plain HTTP' : 'HTTPS'}? check listenSsl).`,
        { endpoint },
        { cause: error },
      );
    }
    return new GatewayError('unreachable', `Could not reach the gateway at ${this.baseUrl} for ${endpoint}: ${code || message}.`, { endpoint }, { cause: error });
  }

  /** Status first, then the body against its schema; IBKR's error bodies get their own kinds. */
  private judge<T>(response: Answer, call: Call<T>, endpoint: string): T {
    const status = response.status;
    const text = response.text;
    const details = { endpoint, status, bodyStart: bodyStart(text) };
    if (status === 401) {
      return this.fail('not-authenticated', `Not logged in: the gateway answered ${endpoint} with 401. Log in through the gateway's login page.`, details);
    }
    if (status === 429) {
      const retryAfter = Number(response.headers['retry-after']);
      const retryAt = this.pacer.penalize(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
      return this.fail(
        'rate-limited',
        `IBKR rate-limited this gateway (HTTP 429 on ${endpoint}): nothing is sent until ${new Date(retryAt).toTimeString().slice(0, 8)}; wait, do not restart the gateway.`,
        { ...details, retryAt },
      );
    }
    if (status >= 500) {
      return this.fail('ibkr-error', `IBKR answered ${endpoint} with ${status} (maintenance or an IBKR-side problem): wait and try again; restarting the gateway will not help.`, details);
    }
    if (status === 404 && /Access Denied/i.test(text)) {
      return this.fail('unexpected-answer', `The gateway refused this address (404 Access Denied): allow 127.0.0.1 under ips.allow in its conf.yaml.`, details);
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const what = text.trim() === '' ? 'an empty body' : /^\s*</.test(text) ? 'HTML' : 'text that is not JSON (or is cut off)';
      return this.fail('unexpected-answer', `The gateway answered ${endpoint} (${status}) with ${what} where JSON was due: "${oneLine(bodyStart(text))}".`, details);
    }

    // IBKR's error bodies first: lenient schemas (iserver/accounts may be `{}`) would accept them.
    const error = call.errorIsAnswer ? null : ErrorBodySchema.safeParse(json);
    if (error?.success) {
      const said = error.data.error;
      if (/^no session$/i.test(said)) {
        return this.fail('no-session', `The SSO session is gone (${endpoint}: "no session"): log in again.`, details);
      }
      if (/not authenticated/i.test(said)) {
        return this.fail('not-authenticated', `Not logged in (${endpoint}: "${said}"). Log in through the gateway's login page.`, details);
      }
      const hint = /no bridge|init session first/i.test(said) ? ' The brokerage session is not started: it needs ssodh/init (re-authenticate).' : '';
      return this.fail('ibkr-error', `IBKR answered ${endpoint} with "${redact(oneLine(said)).slice(0, 120)}" (${status}).${hint}`, details);
    }

    const parsed = call.schema.safeParse(json);
    if (parsed.success && status >= 200 && status < 300) return parsed.data;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'does not fit';
      return this.fail('unexpected-answer', `The gateway's answer to ${endpoint} (${status}) does not fit what it should be (${where}); it starts "${oneLine(bodyStart(text))}".`, details);
    }
    return this.fail('unexpected-answer', `The gateway answered ${endpoint} with status ${status}; it starts "${oneLine(bodyStart(text))}".`, details);
  }

  private fail(kind: GatewayError['kind'], message: string, details: GatewayError['details']): never {
    throw new GatewayError(kind, message, details);
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
