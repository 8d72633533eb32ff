/**
 * The public entry point: `import { InteractiveBrokersAuthentication, createEngine } from 'ibkr-tray'`.
 * Node only (no Electron): the seed library's API, the engine every shell is built on, the client
 * and supervisor a script can hand to the seed API, the errors they throw, and the answers' types.
 */
export {
  InteractiveBrokersAuthentication,
  WAIT_FOR_LOGIN_DEFAULTS,
  type AuthenticationOptions,
  type TickleStatus,
  type WaitForLoginOptions,
} from './core/auth.js';
export { createEngine, openProfile, type Engine, type EngineOptions, type SupervisorFactory } from './core/engine.js';
export { profileNames } from './core/settings.js';
export { addProfile, removeProfile, renameProfile, type NewProfile } from './core/profiles.js';
export {
  GatewayError,
  GatewayStartError,
  IBCAuthenticationError,
  ProfileError,
  IBCValidationError,
  type GatewayFailureKind,
  type GatewayStartFailureKind,
} from './core/errors.js';
export { createGatewayClient, type GatewayClient, type GatewayClientOptions } from './core/gateway/client.js';
export { ProcessGatewaySupervisor } from './core/gateway/process.js';
export type {
  AccountSet,
  AuthStatus,
  IserverAccounts,
  Logout,
  PortfolioAccount,
  Reauthenticate,
  SsodhInit,
  SsoValidate,
  Tickle,
} from './core/gateway/schemas.js';
export type { GatewayApi, GatewayLocation, GatewayProcessState, GatewaySupervisor } from './core/gateway/types.js';
export type { EngineApi } from '../shared/engine-api.js';
export type { Intent, IntentResult } from '../shared/intents.js';
export type { AppSnapshot, SessionKind } from '../shared/snapshot.js';
