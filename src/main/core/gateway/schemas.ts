/**
 * zod schemas for every body the gateway sends, written from ../shared/samples/ (gateway-facts.md §5).
 * Lenient on purpose: unknown fields are kept (looseObject), optional fields may be missing or null,
 * because fields appear, disappear and turn null between IBKR server builds. Wrong types are errors.
 */
import { z } from 'zod';
import type { SessionAccount } from '../../../shared/session.js';
import { distinctAlias } from '../../../shared/state-words.js';

const optStr = z.string().nullish();
const optBool = z.boolean().nullish();

export const ServerInfoSchema = z.looseObject({
  serverName: optStr,
  serverVersion: optStr,
});

/** GET|POST /v1/api/iserver/auth/status (200). Ready = authenticated && connected && !competing && !fail. */
export const AuthStatusSchema = z.looseObject({
  authenticated: z.boolean(),
  competing: z.boolean(),
  connected: z.boolean(),
  established: optBool,
  message: optStr,
  MAC: optStr,
  serverInfo: ServerInfoSchema.nullish(),
  hardware_info: optStr,
  fail: optStr,
});
export type AuthStatus = z.infer<typeof AuthStatusSchema>;

/** The unreliable 401 body of auth/status and friends (may also be empty). */
export const ErrorBodySchema = z.looseObject({
  error: z.string(),
  statusCode: z.number().nullish(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** The auth status inside a tickle: like AuthStatus, but every flag may be missing. */
const TickleAuthStatusSchema = AuthStatusSchema.extend({
  authenticated: optBool,
  competing: optBool,
  connected: optBool,
});

/** GET|POST /v1/api/tickle (200) while an SSO session exists. */
export const TickleSchema = z.looseObject({
  session: z.string().regex(/^[0-9a-f]{32}$/i, 'session is not a 32-hex token'),
  ssoExpires: z.number(),
  collission: optBool,
  userId: z.number().nullish(),
  hmds: z.looseObject({ error: optStr, authStatus: TickleAuthStatusSchema.nullish() }).nullish(),
  iserver: z.looseObject({ authStatus: TickleAuthStatusSchema.nullish() }).nullish(),
});
export type Tickle = z.infer<typeof TickleSchema>;

/** Tickle's 200 failure bodies: `{"error":"no session"}`, `{"error":"failed to process request"}`. */
export const TickleAnswerSchema = z.union([TickleSchema, ErrorBodySchema]);
export type TickleAnswer = z.infer<typeof TickleAnswerSchema>;

/** GET /v1/api/sso/validate (200). */
export const SsoValidateSchema = z.looseObject({
  USER_NAME: z.string(),
  USER_ID: z.number().nullish(),
  RESULT: z.boolean(),
  AUTH_TIME: z.number().nullish(),
  EXPIRES: z.number().nullish(),
  /** 1 live, 2 paper. */
  LOGIN_TYPE: z.number().nullish(),
  PAPER_USER_NAME: optStr,
  IS_MASTER: optBool,
  features: z.looseObject({}).nullish(),
  region: optStr,
});
export type SsoValidate = z.infer<typeof SsoValidateSchema>;

/** POST /v1/api/iserver/auth/ssodh/init. */
export const SsodhInitSchema = z.looseObject({
  passed: optBool,
  authenticated: z.boolean(),
  connected: z.boolean(),
  competing: z.boolean(),
  established: optBool,
  hardware_info: optStr,
  message: optStr,
  fail: optStr,
});
export type SsodhInit = z.infer<typeof SsodhInitSchema>;

/** /v1/api/iserver/reauthenticate, answered by the gateway itself. */
export const ReauthenticateSchema = z.union([
  z.looseObject({ message: z.string() }),
  z.looseObject({ error: z.string() }),
]);
export type Reauthenticate = z.infer<typeof ReauthenticateSchema>;

/** POST /v1/api/logout: `{"status":true}` (older docs: `{"confirmed":bool}`). */
export const LogoutSchema = z.union([
  z.looseObject({ status: z.boolean() }),
  z.looseObject({ confirmed: z.boolean() }),
]);
export type Logout = z.infer<typeof LogoutSchema>;

/**
 * GET /v1/api/iserver/accounts. Can be `{}` right after brokerage init or while competing, so every
 * field is optional.
 */
export const IserverAccountsSchema = z.looseObject({
  accounts: z.array(z.string()).nullish(),
  acctProps: z.record(z.string(), z.unknown()).nullish(),
  aliases: z.record(z.string(), z.string().nullable()).nullish(),
  allowFeatures: z.looseObject({}).nullish(),
  chartPeriods: z.record(z.string(), z.unknown()).nullish(),
  groups: z.array(z.unknown()).nullish(),
  profiles: z.array(z.unknown()).nullish(),
  selectedAccount: optStr,
  serverInfo: ServerInfoSchema.nullish(),
  sessionId: optStr,
  isFT: optBool,
  isPaper: optBool,
});
export type IserverAccounts = z.infer<typeof IserverAccountsSchema>;

/** The account list out of an /iserver/accounts answer (or a WebSocket `act` frame). */
export function accountsFrom(answer: IserverAccounts): {
  accounts: SessionAccount[];
  selectedAccount: string | null;
  paper: boolean | null;
} {
  const aliases = answer.aliases ?? {};
  const accounts = (answer.accounts ?? []).map((id) => ({ id, alias: distinctAlias(id, aliases[id]) }));
  return { accounts, selectedAccount: answer.selectedAccount ?? null, paper: answer.isPaper ?? null };
}

/** POST /v1/api/iserver/account → `{"set":true,"acctId":"U1234567"}`. */
export const AccountSetSchema = z.looseObject({
  set: z.boolean(),
  acctId: z.string(),
});
export type AccountSet = z.infer<typeof AccountSetSchema>;

/** GET /v1/api/portfolio/accounts: an array of accounts. */
export const PortfolioAccountSchema = z.looseObject({
  id: z.string(),
  accountId: z.string().nullish(),
  accountTitle: optStr,
  displayName: optStr,
  accountAlias: optStr,
  currency: optStr,
  type: optStr,
  tradingType: optStr,
  faclient: optBool,
  desc: optStr,
  parent: z.looseObject({}).nullish(),
});
export const PortfolioAccountsSchema = z.array(PortfolioAccountSchema);
export type PortfolioAccount = z.infer<typeof PortfolioAccountSchema>;

/** GET /v1/api/one/user (called by the gateway during login; parsed for the user name). */
export const OneUserSchema = z.looseObject({
  username: z.string(),
  ispaper: optBool,
  accts: z.record(z.string(), z.unknown()).nullish(),
});

// ---- WebSocket (gateway-facts.md §9). Every frame is UTF-8 JSON; `tic` replies and heartbeats too. ----

export const WsWaitingSchema = z.looseObject({ message: z.literal('waiting for session') });
export const WsSystemSchema = z.looseObject({
  topic: z.literal('system'),
  success: optStr,
  hb: z.number().nullish(),
  isFT: optBool,
  isPaper: optBool,
});
export const WsAccountsSchema = z.looseObject({ topic: z.literal('act'), args: IserverAccountsSchema });
/** `sts` arrives whole or in short forms such as `{"competing":false}`: every field optional. */
export const WsStatusSchema = z.looseObject({
  topic: z.literal('sts'),
  args: z.looseObject({
    connected: optBool,
    authenticated: optBool,
    competing: optBool,
    message: optStr,
    fail: optStr,
    serverName: optStr,
    serverVersion: optStr,
    username: optStr,
  }),
});
export const WsTicSchema = z.looseObject({
  topic: z.literal('tic'),
  alive: optBool,
  id: optStr,
  lastAccessed: z.number().nullish(),
});
export const WsNotificationSchema = z.looseObject({
  topic: z.enum(['ntf', 'blt']),
  args: z.unknown(),
});
export const WsMessageSchema = z.union([
  WsWaitingSchema,
  WsSystemSchema,
  WsAccountsSchema,
  WsStatusSchema,
  WsTicSchema,
  WsNotificationSchema,
]);
export type WsMessage = z.infer<typeof WsMessageSchema>;
