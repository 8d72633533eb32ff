/** A CliBackend made of plain data, for testing the commands' logic without a gateway. */
import type { CliBackend, SeedAuthentication } from '../../../../src/main/cli/backend.js';
import type { Engine } from '../../../../src/main/core/engine.js';
import type { Intent, IntentResult, IntentType } from '../../../../src/shared/intents.js';
import type { AppSnapshot } from '../../../../src/shared/snapshot.js';

export interface FakeBackend extends CliBackend {
  checks: number;
  selected: string[];
  /** Every intent the command sent to the engine, in order. */
  dispatched: Intent[];
  disposed: number;
}

/**
 * `states` are returned by successive check() calls (the last one repeats); an Error is thrown.
 * `answers` are what the engine answers to intents other than select-account (refused if missing).
 */
export function fakeBackend(
  states: (AppSnapshot | Error)[],
  auth: Partial<SeedAuthentication> = {},
  answers: Partial<Record<IntentType, IntentResult>> = {},
): FakeBackend {
  const fake: FakeBackend = {
    gatewayUrl: 'https://localhost:5000',
    gatewayFolder: null,
    configDir: '/nonexistent',
    checks: 0,
    selected: [],
    dispatched: [],
    disposed: 0,
    auth: {
      login: () => Promise.reject(new Error('login not scripted')),
      waitForLogin: () => Promise.reject(new Error('waitForLogin not scripted')),
      isAuthenticated: () => Promise.reject(new Error('not scripted')),
      updateServerAccount: (id) => {
        fake.selected.push(id);
        return Promise.resolve({ set: true, acctId: id });
      },
      ssoValidate: () => Promise.reject(new Error('not scripted')),
      reauthenticate: () => Promise.reject(new Error('not scripted')),
      tickle: () => Promise.reject(new Error('not scripted')),
      logout: () => Promise.reject(new Error('not scripted')),
      closeGateway: () => Promise.reject(new Error('not scripted')),
      lastState: 'nothing checked yet',
      ...auth,
    },
    // Only what the commands dispatch through the engine: choosing an account.
    engine: {
      dispatch: (intent: Intent) => {
        fake.dispatched.push(intent);
        if (intent.type !== 'select-account') {
          const answer = answers[intent.type];
          return answer ? Promise.resolve(answer) : Promise.reject(new Error(`${intent.type} not scripted`));
        }
        fake.selected.push(intent.accountId);
        return Promise.resolve({ ok: true });
      },
      settings: { update: () => undefined },
    } as unknown as Engine,
    check: () => {
      const next = states[Math.min(fake.checks, states.length - 1)];
      fake.checks += 1;
      if (next === undefined) return Promise.reject(new Error('no state scripted'));
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    pinnedFingerprint: () => null,
    pinFingerprint: () => undefined,
    gatewayRecord: () => null,
    forgetGatewayRecord: () => undefined,
    rememberStopped: () => undefined,
    dispose: () => {
      fake.disposed += 1;
      return Promise.resolve();
    },
  };
  return fake;
}
