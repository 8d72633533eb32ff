/**
 * The world `npm run demo` (scripts/demo.js) simulates, so a newcomer can try what a real login shows:
 * two paper accounts with aliases, which is what puts the account picker on the page and Accounts ▸ in
 * the tray menu. The demo hands this environment to the app, which passes it on to the gateway it
 * starts from the demo's folder (test/sim/folder-main.ts reads it).
 */
import type { SimAccount } from './api.js';

export const DEMO_ACCOUNTS: readonly SimAccount[] = [
  { id: 'DU1234567', alias: 'Demo main', type: 'DEMO', currency: 'USD', title: 'Jane Doe' },
  { id: 'DU7654321', alias: 'Demo options', type: 'DEMO', currency: 'USD', title: 'Jane Doe' },
];

/** The environment variables the demo's gateway folder runs with. */
export function demoSimulatorEnv(): Record<string, string> {
  return { IBKR_SIM_ACCOUNTS: JSON.stringify(DEMO_ACCOUNTS) };
}
