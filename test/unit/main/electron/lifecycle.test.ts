import { describe, expect, it } from 'vitest';
import { stopGatewayOnQuit } from '../../../../src/main/electron/lifecycle.js';
import { snapshotOf } from '../../../fixtures/snapshots.js';

describe('stopGatewayOnQuit', () => {
  const prefs = (stop: boolean) => ({ startAtLogin: false, notifications: true, startGatewayWithApp: true, stopGatewayOnQuit: stop });

  it('stops a gateway this app started when the setting says so', () => {
    expect(stopGatewayOnQuit(snapshotOf('ready', { preferences: prefs(true) }))).toBe(true);
  });
  it('leaves it running when the setting says so', () => {
    expect(stopGatewayOnQuit(snapshotOf('ready', { preferences: prefs(false) }))).toBe(false);
  });
  it('never stops an adopted gateway', () => {
    const ready = snapshotOf('ready', { preferences: prefs(true) });
    expect(stopGatewayOnQuit({ ...ready, gateway: { ...ready.gateway, startedByUs: false } })).toBe(false);
  });
  it('has nothing to stop when no gateway runs', () => {
    expect(stopGatewayOnQuit(snapshotOf('stopped', { preferences: prefs(true) }))).toBe(false);
  });
});
