/**
 * IBKR's answer bodies, shaped key for key like ../shared/samples/ (2026 builds where they differ:
 * `established` present, MAC null after logout).
 */
import type { SimAccount } from './api.js';
import type { BrokerageFlags, IbkrSession, SsodhOutcome } from './ibkr-session.js';

const MAC = '06:6F:F1:7F:AB:E0';
const HARDWARE_INFO = `f1859d39|${MAC}`;
const SERVER_INFO = { serverName: 'JifS06138', serverVersion: 'Build 10.46.1h, May 29, 2026 11:39:59 AM' };

/** auth/status and tickle's iserver.authStatus, per phase (samples auth-status.*, tickle.*). */
export function authStatusBody(session: IbkrSession): Record<string, unknown> {
  const f = session.flags;
  switch (session.ssoValid ? session.brokeragePhase : 'logged-out') {
    case 'pending':
    case 'reset':
      // auth-status.before-brokerage-init.2026
      return { authenticated: f.authenticated, established: f.established, competing: f.competing, connected: f.connected, MAC };
    case 'logged-out':
      // auth-status.not-authenticated-nulls.2026
      return { ...flagBody(f), message: '', MAC: null, serverInfo: { serverName: null, serverVersion: null }, fail: '' };
    case 'dropped':
      return { ...flagBody(f), message: '', MAC, serverInfo: SERVER_INFO, fail: '' };
    case 'up':
    case 'competing':
      return { ...flagBody(f), message: '', MAC, serverInfo: SERVER_INFO, hardware_info: HARDWARE_INFO, fail: '' };
  }
}

function flagBody(f: BrokerageFlags): Record<string, boolean> {
  return { authenticated: f.authenticated, established: f.established, competing: f.competing, connected: f.connected };
}

/** GET|POST /tickle while an SSO session exists (tickle.authenticated.2026, tickle.after-logout.2026). */
export function tickleBody(session: IbkrSession): Record<string, unknown> {
  const status = authStatusBody(session);
  delete status['fail'];
  if (session.brokeragePhase === 'logged-out') {
    delete status['message'];
    delete status['serverInfo'];
  }
  return {
    session: session.session,
    ssoExpires: session.ssoExpires(),
    collission: session.flags.competing,
    userId: session.settings.userId,
    hmds: { error: 'no bridge' },
    iserver: { authStatus: status },
  };
}

/** GET /sso/validate (sso-validate.2025). */
export function ssoValidateBody(session: IbkrSession, now: number): Record<string, unknown> {
  const s = session.settings;
  const authTime = session.authTime ?? now;
  return {
    PAPER_USER_NAME: `${s.username}p`,
    IS_PENDING_APPLICANT: false,
    SF_ENABLED: false,
    HARDWARE_INFO: '',
    UNIQUE_LOGIN_ID: `${s.userId}-${authTime}`,
    AUTH_TIME: authTime,
    SF_CONFIG: '',
    USER_NAME: s.username,
    CREDENTIAL_TYPE: 5,
    IS_FREE_TRIAL: false,
    LOGIN_TYPE: s.paper ? 2 : 1,
    LANDING_APP: 'UNIVERSAL',
    CREDENTIAL: s.username,
    ANOMALOUS_LOGIN: false,
    RESULT: true,
    IP: '203.0.113.7',
    USER_ID: s.userId,
    EXPIRES: now + session.ssoExpires(),
    TOKEN: (session.session ?? '').slice(0, 8).padEnd(32, '0'),
    took: 861,
    IS_MASTER: s.accounts.length > 1,
    features: { env: 'PROD', wlms: true, realtime: true, bond: true, optionChains: true, calendar: true, newMf: true },
    region: s.region,
  };
}

/** POST /iserver/auth/ssodh/init (ssodh-init.2026). */
export function ssodhInitBody(outcome: SsodhOutcome): Record<string, unknown> {
  const f = outcome.flags;
  return {
    passed: outcome.passed,
    authenticated: f.authenticated,
    connected: f.connected,
    established: f.established,
    competing: f.competing,
    hardware_info: HARDWARE_INFO,
  };
}

function aliasOf(a: SimAccount): string {
  return a.alias ?? a.id;
}

/** GET /iserver/accounts once ready (iserver-accounts.paper.2025). */
export function iserverAccountsBody(session: IbkrSession): Record<string, unknown> {
  const s = session.settings;
  const advisor = s.accounts.length > 1;
  return {
    accounts: s.accounts.map((a) => a.id),
    acctProps: Object.fromEntries(
      s.accounts.map((a) => [
        a.id,
        {
          hasChildAccounts: false,
          supportsCashQty: true,
          liteUnderPro: false,
          noFXConv: false,
          isProp: false,
          supportsFractions: true,
          allowCustomerTime: false,
          autoFx: false,
        },
      ]),
    ),
    aliases: Object.fromEntries(s.accounts.map((a) => [a.id, aliasOf(a)])),
    allowFeatures: {
      showGFIS: true,
      showEUCostReport: false,
      allowEventContract: true,
      allowFXConv: true,
      allowFinancialLens: false,
      allowMTA: true,
      allowTypeAhead: true,
      allowEventTrading: true,
      snapshotRefreshTimeout: 30,
      liteUser: false,
      showWebNews: true,
      research: true,
      debugPnl: true,
      showTaxOpt: true,
      showImpactDashboard: true,
      allowDynAccount: false,
      allowCrypto: false,
      allowFA: advisor,
      allowLiteUnderPro: false,
      allowedAssetTypes: 'STK,CFD,OPT,FOP,WAR,FUT,BAG,PDC,CASH,IND,BOND,BILL,FUND,SLB,News,CMDTY,IOPT,ICU,ICS,PHYSS,CRYPTO',
      restrictTradeSubscription: false,
      showUkUserLabels: false,
      sideBySide: true,
    },
    chartPeriods: { STK: ['*'], CFD: ['*'], OPT: ['2h', '1d', '2d', '1w', '1m'], FOP: ['2h', '1d', '2d', '1w', '1m'], FUT: ['*'], CASH: ['*'] },
    groups: [],
    profiles: [],
    selectedAccount: session.selectedAccount,
    serverInfo: SERVER_INFO,
    sessionId: sessionIdOf(session),
    isFT: true,
    isPaper: s.paper,
  };
}

/** The shorter accounts object inside the WebSocket `act` message (ws-messages.jsonl). */
export function wsAccountsArgs(session: IbkrSession): Record<string, unknown> {
  const full = iserverAccountsBody(session);
  const acctProps = Object.fromEntries(session.settings.accounts.map((a) => [a.id, { hasChildAccounts: false }]));
  return {
    accounts: full['accounts'],
    acctProps,
    aliases: full['aliases'],
    selectedAccount: full['selectedAccount'],
    sessionId: full['sessionId'],
    isFT: true,
    isPaper: session.settings.paper,
  };
}

/** The full `sts` args (ws-messages.jsonl). */
export function wsStatusArgs(session: IbkrSession): Record<string, unknown> {
  const f = session.flags;
  return {
    connected: f.connected,
    authenticated: f.authenticated,
    competing: f.competing,
    message: '',
    fail: '',
    serverName: SERVER_INFO.serverName,
    serverVersion: SERVER_INFO.serverVersion,
    username: session.settings.username,
  };
}

function sessionIdOf(session: IbkrSession): string {
  return `${(session.session ?? '00000000').slice(0, 8)}.0000000a`;
}

/** GET /portfolio/accounts (portfolio-accounts.json), one entry per account. */
export function portfolioAccountsBody(session: IbkrSession): Record<string, unknown>[] {
  const s = session.settings;
  return s.accounts.map((a) => ({
    'PrepaidCrypto-P': false,
    'PrepaidCrypto-Z': false,
    accountAlias: a.alias ?? null,
    accountId: a.id,
    accountStatus: 1678852800000,
    accountTitle: a.title ?? 'Jane Doe',
    accountVan: a.id,
    brokerageAccess: true,
    businessType: 'INDEPENDENT',
    clearingStatus: 'O',
    covestor: false,
    currency: a.currency ?? 'USD',
    desc: a.alias ? `${a.id} - ${a.alias}` : a.id,
    displayName: a.alias ?? a.title ?? 'Jane Doe',
    faclient: s.accounts.length > 1,
    ibEntity: 'IBLLC-US',
    id: a.id,
    noClientTrading: false,
    parent: { accountId: '', isMChild: false, isMParent: false, isMultiplex: false, mmc: [] },
    trackVirtualFXPortfolio: false,
    tradingType: 'STKNOPT',
    type: a.type ?? (s.paper ? 'DEMO' : 'INDIVIDUAL'),
  }));
}

/** GET /one/user (one-user.json), which the gateway calls during its login chain. */
export function oneUserBody(session: IbkrSession): Record<string, unknown> {
  const s = session.settings;
  return {
    username: s.username,
    features: { env: 'PROD', wlms: true, realtime: true, bond: true, optionChains: true, calendar: true, newMf: true },
    wbId: '',
    props: { isIBAMClient: false, ReadOnlySession: null },
    accts: Object.fromEntries(
      s.accounts.map((a) => [a.id, { isIBAMClient: false, clearingStatus: 'O', openDate: 1779033600000, isFAClient: false, isFunded: true }]),
    ),
    hasBrokerageAccessInd: true,
    fa: s.accounts.length > 1,
    has2fa: false,
    islite: false,
    ispaper: s.paper,
  };
}
