/**
 * Two profiles side by side (issue 17): two simulators, one engine per profile in one process. Each
 * engine talks to its own gateway only, and keeps its own account and intents.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, openProfile, type Engine } from '../../../src/main/core/engine.js';
import { profileNames } from '../../../src/main/core/settings.js';
import { addProfile } from '../../../src/main/core/profiles.js';
import { ProfileError } from '../../../src/main/core/errors.js';
import { SettingsStore } from '../../../src/main/core/settings.js';
import { confSettingsBackend } from '../../../src/main/core/settings-file.js';
import type { Simulator } from '../../sim/api.js';
import { makeGatewayFolder } from '../../sim/gateway-folder.js';
import { startSimulator } from '../../sim/index.js';
import { FAST_SIM, FAST_TIMING, waitForSnapshot } from './harness.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function gatewayFolder(): Promise<string> {
  const folder = await makeGatewayFolder();
  cleanups.push(() => folder.cleanup());
  return folder.dir;
}

async function simulator(accounts: { id: string }[]): Promise<Simulator> {
  const sim = await startSimulator({ ...FAST_SIM, accounts });
  cleanups.push(() => sim.stop());
  return sim;
}

/** "Gateway" (the first profile) on one simulator, "Paper" on another, each with its own folder. */
async function twoProfiles(): Promise<{ configDir: string; live: Simulator; paper: Simulator; liveFolder: string; paperFolder: string }> {
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-engine-profiles-'));
  cleanups.push(() => fs.rmSync(configDir, { recursive: true, force: true }));
  const live = await simulator([{ id: 'U1111111' }, { id: 'U1111112' }]);
  const paper = await simulator([{ id: 'DU2222221' }, { id: 'DU2222222' }]);
  const liveFolder = await gatewayFolder();
  const paperFolder = await gatewayFolder();
  const first = SettingsStore.open(confSettingsBackend(configDir));
  first.update({ gatewayFolder: liveFolder, gatewayUrl: live.url });
  addProfile(first, { name: 'Paper', folder: paperFolder, port: 5001 });
  SettingsStore.open(confSettingsBackend(configDir), undefined, 'Paper').update({ gatewayUrl: paper.url });
  return { configDir, live, paper, liveFolder, paperFolder };
}

async function engineOf(configDir: string, profile: string): Promise<Engine> {
  const engine = await openProfile(profile, { configDir, createSupervisor: null, requestTimeoutMs: 2_000, timing: FAST_TIMING, useWebSocket: false });
  cleanups.push(() => engine.dispose());
  return engine;
}

describe('two profiles side by side', () => {
  it('log in on one only: that profile is ready, the other still needs its login', async () => {
    const { configDir, live } = await twoProfiles();
    expect(profileNames({ configDir })).toEqual(['Gateway', 'Paper']);
    await live.control.login();
    const gateway = await engineOf(configDir, 'Gateway');
    const paper = await engineOf(configDir, 'paper');
    expect(paper.profile).toBe('Paper');
    await gateway.start();
    await waitForSnapshot(gateway, (s) => s.state === 'ready', 'Gateway ready');
    expect((await paper.refresh()).state).toBe('login-required');
    expect(gateway.snapshot().gateway.url).not.toBe(paper.snapshot().gateway.url);
  });

  it("a closed engine (its profile removed) refuses an intent that reaches it late, and sends nothing", async () => {
    const { configDir, paper: paperSim, paperFolder } = await twoProfiles();
    const paper = await engineOf(configDir, 'Paper');
    await paper.start();
    await waitForSnapshot(paper, (s) => s.state === 'login-required', 'Paper login required');
    await paper.dispose();
    const sent = paperSim.requests.length;
    // A notification clicked, or a folder dialog answered, after Remove: nothing may start again.
    for (const intent of [{ type: 'log-in' }, { type: 'set-gateway-folder', folder: paperFolder }, { type: 'start-gateway' }] as const) {
      const result = await paper.dispatch(intent);
      expect(result.ok, intent.type).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/no longer open/);
    }
    expect(paperSim.requests.length).toBe(sent);
  });

  it('switching the account on one profile leaves the other untouched', async () => {
    const { configDir, live, paper: paperSim } = await twoProfiles();
    await live.control.login();
    await paperSim.control.login();
    const gateway = await engineOf(configDir, 'Gateway');
    const paper = await engineOf(configDir, 'Paper');
    await gateway.start();
    await paper.start();
    await waitForSnapshot(gateway, (s) => s.state === 'ready' && s.accounts.length === 2, 'Gateway ready with its accounts');
    await waitForSnapshot(paper, (s) => s.state === 'ready' && s.accounts.length === 2, 'Paper ready with its accounts');
    expect((await paper.dispatch({ type: 'select-account', accountId: 'DU2222222' })).ok).toBe(true);
    expect(paper.settings.get().account).toBe('DU2222222');
    expect(gateway.settings.get().account).toBeNull();
    // And on disk, as a restart of either would read it.
    expect(SettingsStore.open(confSettingsBackend(configDir), undefined, 'Gateway').get().account).toBeNull();
    expect(SettingsStore.open(confSettingsBackend(configDir), undefined, 'Paper').get().account).toBe('DU2222222');
    expect((await paperSim.control.state()).selectedAccount).toBe('DU2222222');
    expect((await live.control.state()).selectedAccount).not.toBe('DU2222222');
    // A gateway's own account ids never reach the other's engine.
    expect(gateway.snapshot().accounts.map((a) => a.id).sort()).toEqual(['U1111111', 'U1111112']);
  });

  it('a profile whose folder is another profile\'s is refused, and one whose folder vanished, with the reason', async () => {
    const { configDir, liveFolder, paperFolder } = await twoProfiles();
    // As a hand edit would leave it: both profiles on one folder.
    const raw = JSON.parse(fs.readFileSync(path.join(configDir, 'config.json'), 'utf8')) as { profiles: { gatewayFolder: string }[] };
    raw.profiles[1]!.gatewayFolder = liveFolder;
    fs.writeFileSync(path.join(configDir, 'config.json'), JSON.stringify(raw));
    await expect(createEngine({ configDir, profile: 'Paper', createSupervisor: null })).rejects.toThrow(/"Paper" cannot run: the folder .* is already the gateway of the profile "Gateway"/);
    raw.profiles[1]!.gatewayFolder = paperFolder;
    fs.writeFileSync(path.join(configDir, 'config.json'), JSON.stringify(raw));
    fs.rmSync(paperFolder, { recursive: true });
    await expect(createEngine({ configDir, profile: 'Paper', createSupervisor: null })).rejects.toThrow(/gateway folder of "Paper", .*, does not exist any more/);
    await expect(createEngine({ configDir, profile: 'Demo', createSupervisor: null })).rejects.toThrow(ProfileError);
  });
});
