/**
 * Gateways that come and go while the tray app runs (issue 17), against fake gateway folders (real
 * processes, real TLS): "Add gateway…" from the tray, "Remove …" of a profile whose gateway runs, one
 * section's Stop leaving the other gateway alone, quit stopping only the gateway the app started, a
 * profile whose folder vanished, and a profile added by the command while the app runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addProfile } from '../../src/main/core/profiles.js';
import { profileSettingsOf, SettingsStore } from '../../src/main/core/settings.js';
import { confSettingsBackend } from '../../src/main/core/settings-file.js';
import { bothLoggedOut, fakeGatewayEnv, fakeGatewayFolder, launchLiveAndPaper, liveAndPaperFolders, writeProfiles } from './gateway.js';
import { isLoginWindow, isStatusWindow, launchApp, menuItem, menuLabels, processesIn, tempDir, trayOf, windowWhere, type RunningApp } from './harness.js';

function profileNamesIn(userData: string): string[] {
  const raw: unknown = JSON.parse(fs.readFileSync(path.join(userData, 'config.json'), 'utf8'));
  return (raw as { profiles: { name: string }[] }).profiles.map((p) => p.name);
}

/** Log in on the first section's "Log in…" (Live's) with the fake gateway's user. */
async function logInFirst(app: RunningApp): Promise<void> {
  await app.clickMenu('Log in…');
  const opened = await app.until((s) => windowWhere(s, isLoginWindow)?.finishedLoads.some((url) => url.includes('/sso/Login')) === true, 'the login page to load');
  const window = windowWhere(opened, isLoginWindow)!;
  await app.page(window, 'fill', '#username', 'user123');
  await app.page(window, 'fill', '#password', 'password123');
  await app.page(window, 'click', '#submit');
}

describe('adding a gateway from the tray', () => {
  it('Add gateway…: the chosen folder becomes a second section at once, and its gateway starts', async () => {
    const live = await fakeGatewayFolder();
    const second = await fakeGatewayFolder();
    const userData = tempDir('ibkr-tray-userdata-');
    writeProfiles(userData, [['Live', live]]);
    const app = await launchApp({ userData, env: fakeGatewayEnv(), openDialogAnswers: [second.dir] });
    const single = await app.until((s) => trayOf(s).tooltip.startsWith('IBKR Tray: Logged out'), 'Live logged out', 30_000);
    // One profile: today's menu, with Add gateway… and no Remove.
    expect(menuLabels(trayOf(single))).toContain('Add gateway…');
    expect(menuLabels(trayOf(single)).some((label) => label.startsWith('Remove'))).toBe(false);

    await app.clickMenu('Add gateway…');
    // The zip's folder name says nothing: the new profile is "Gateway 2" (the user renames it).
    const two = await app.until((s) => trayOf(s).tooltip === 'IBKR Tray\nLive: Logged out\nGateway 2: Logged out', 'the added gateway to run', 30_000);
    expect(menuLabels(trayOf(two)).filter((label) => label.includes(' — '))).toEqual(['Live — Logged out (disabled)', 'Gateway 2 — Logged out (disabled)']);
    expect(menuLabels(trayOf(two)).filter((label) => label.startsWith('Remove'))).toEqual(['Remove Live…', 'Remove Gateway 2…']);
    expect(processesIn(second.dir).length).toBeGreaterThan(0);
    expect(profileSettingsOf(JSON.parse(fs.readFileSync(path.join(userData, 'config.json'), 'utf8')), 'Gateway 2').gatewayFolder).toBe(second.dir);
    expect(app.state().notifications.map((n) => n.body)).toContainEqual(expect.stringContaining(`Added the gateway in ${second.dir}`));

    const { code } = await app.quit();
    expect(code).toBe(0);
    expect(processesIn(live.dir)).toEqual([]);
    expect(processesIn(second.dir)).toEqual([]);
  }, 90_000);

  it("a folder another profile already has is refused with profiles.ts's reason, and nothing is added", async () => {
    const live = await fakeGatewayFolder();
    const userData = tempDir('ibkr-tray-userdata-');
    writeProfiles(userData, [['Live', live]]);
    const app = await launchApp({ userData, env: fakeGatewayEnv(), openDialogAnswers: [live.dir] });
    await app.until((s) => trayOf(s).tooltip.startsWith('IBKR Tray: Logged out'), 'Live logged out', 30_000);
    await app.clickMenu('Add gateway…');
    const refused = await app.until((s) => s.notifications.some((n) => n.title === 'IBKR Tray: no gateway added'), 'the refusal', 20_000);
    expect(refused.notifications.find((n) => n.title === 'IBKR Tray: no gateway added')?.body).toContain('is already the gateway of the profile "Live"');
    expect(profileNamesIn(userData)).toEqual(['Live']);
    expect(trayOf(app.state()).tooltip.startsWith('IBKR Tray: Logged out')).toBe(true);
  }, 60_000);
});

describe('removing and stopping one of two gateways', () => {
  it('Remove… of a profile whose gateway the app started: its processes are gone, the other stays Ready', async () => {
    const { app, live, paper, userData } = await launchLiveAndPaper({ launch: { messageBoxAnswers: ['Remove'] } });
    await logInFirst(app);
    const oneReady = await app.until((s) => trayOf(s).tooltip === 'IBKR Tray\nLive: Ready\nPaper: Logged out', 'Live ready', 30_000);
    // The icon red for Paper, and each section's header in its own profile's colour.
    expect(trayOf(oneReady).image).toBe('assets/tray/red-linux.png');
    expect(menuItem(oneReady, 'Live — Ready')?.icon).toBe('assets/tray/green.png');
    expect(menuItem(oneReady, 'Paper — Logged out')?.icon).toBe('assets/tray/red.png');
    const livePids = processesIn(live.dir);
    expect(processesIn(paper.dir).length).toBeGreaterThan(0);

    // The window open meanwhile: a card per profile.
    await app.clickMenu('Open IBKR Tray');
    const shown = await app.until((s) => windowWhere(s, isStatusWindow)?.visible === true, 'the status window');
    const window = windowWhere(shown, isStatusWindow)!;
    await app.page(window, 'waitForSelector', '[data-profile="Paper"] [data-role="state-label"]:text-is("Logged out")');

    await app.clickMenu('Remove Paper…');
    // One profile left: the single-gateway tray, still Ready.
    const after = await app.until((s) => trayOf(s).tooltip.startsWith('IBKR Tray: Ready'), 'Paper gone, Live still ready', 30_000);
    // And the single-profile page: Paper's card gone without a reload, Live's state under the old ids.
    await app.page(window, 'waitForSelector', '[data-profile="Paper"]', { state: 'detached' });
    await app.page(window, 'waitForSelector', '#state-label:text-is("Ready")');
    expect(after.messageBoxes.map((box) => [box.message, box.detail])).toEqual([
      ['Remove the gateway "Paper" from IBKR Tray?', 'IBKR Tray stops the gateway it started for it. The gateway folder is left as it is.'],
    ]);
    expect(menuLabels(trayOf(after))[0]).toBe('Ready (disabled)');
    expect(processesIn(paper.dir)).toEqual([]);
    expect(processesIn(live.dir)).toEqual(livePids);
    expect((await live.control().state()).authenticated).toBe(true);
    expect(profileNamesIn(userData)).toEqual(['Live']);
    expect(fs.existsSync(paper.dir)).toBe(true);
  }, 90_000);

  it('dismissing the question removes nothing', async () => {
    const { paper, userData } = await liveAndPaperFolders();
    const third = await fakeGatewayFolder();
    const app = await launchApp({ userData, env: fakeGatewayEnv(), openDialogAnswers: [third.dir] });
    await app.until(bothLoggedOut, 'both logged out', 30_000);
    await app.clickMenu('Remove Paper…');
    const asked = await app.until((s) => s.messageBoxes.length === 1, 'the question', 20_000);
    // No answer given: the user dismissed it (Cancel).
    expect(asked.messageBoxes[0]?.answered).toBe(1);
    // Adding a gateway waits for any removal under way (one change at a time): once it is in, Paper
    // would be gone if the dismissal had removed it.
    await app.clickMenu('Add gateway…');
    await app.until((s) => trayOf(s).tooltip === 'IBKR Tray\nLive: Logged out\nPaper: Logged out\nGateway 2: Logged out', 'the third gateway, Paper still there', 30_000);
    expect(profileNamesIn(userData)).toEqual(['Live', 'Paper', 'Gateway 2']);
    expect(processesIn(paper.dir).length).toBeGreaterThan(0);
  }, 60_000);

  it("one section's Stop gateway stops that gateway only; the other keeps running", async () => {
    const { app, live, paper } = await launchLiveAndPaper();
    const livePids = processesIn(live.dir);
    await app.clickMenuIn('Paper', 'Stop gateway');
    await app.until((s) => trayOf(s).tooltip === 'IBKR Tray\nLive: Logged out\nPaper: Gateway stopped', 'Paper stopped', 30_000);
    expect(processesIn(paper.dir)).toEqual([]);
    expect(processesIn(live.dir)).toEqual(livePids);
    expect((await live.control().state()).authenticated).toBe(false);
  }, 90_000);
});

describe('quit with an adopted gateway', () => {
  it('stops only the gateway the app started; the one started outside it keeps running', async () => {
    // Live's gateway runs before the app starts (a script's, say): the app adopts it.
    const { app, live, paper, outside } = await launchLiveAndPaper({ liveStartedOutside: true });
    expect(processesIn(paper.dir).length).toBeGreaterThan(0);
    const { code } = await app.quit();
    expect(code).toBe(0);
    expect(processesIn(paper.dir)).toEqual([]);
    expect(processesIn(live.dir)).toContain(outside.pid);
    await outside.stop();
  }, 90_000);
});

describe('removing a profile whose gateway the app adopted', () => {
  it('leaves that gateway running, says so before, and the other profile takes its place', async () => {
    const { app, live, paper, userData, outside } = await launchLiveAndPaper({ launch: { messageBoxAnswers: ['Remove'] }, liveStartedOutside: true });
    await app.clickMenu('Remove Live…');
    const after = await app.until((s) => trayOf(s).tooltip.startsWith('IBKR Tray: Logged out'), 'Live removed', 30_000);
    expect(after.messageBoxes.map((box) => box.detail)).toEqual(['Its gateway was started outside IBKR Tray and keeps running. The gateway folder is left as it is.']);
    expect(processesIn(live.dir)).toContain(outside.pid);
    expect(profileNamesIn(userData)).toEqual(['Paper']);
    // Paper, now the only profile, still acts on its own gateway.
    await app.clickMenu('Stop gateway');
    await app.until((s) => trayOf(s).tooltip.startsWith('IBKR Tray: Gateway stopped'), 'Paper stopped', 30_000);
    expect(processesIn(paper.dir)).toEqual([]);
    expect(processesIn(live.dir)).toContain(outside.pid);
    await outside.stop();
  }, 90_000);
});

describe('profiles the app cannot open, and profiles added while it runs', () => {
  it('a profile whose folder vanished: its section says why in the engine’s words, the other works', async () => {
    const { paper, userData } = await liveAndPaperFolders();
    const gone = paper.dir;
    await paper.remove();
    const app = await launchApp({ userData, env: fakeGatewayEnv(), messageBoxAnswers: ['Remove'] });
    const shown = await app.until((s) => trayOf(s).tooltip === 'IBKR Tray\nLive: Logged out\nPaper: Cannot run', 'Paper cannot run, Live logged out', 30_000);
    const labels = menuLabels(trayOf(shown));
    const header = labels.indexOf('Paper — Cannot run (disabled)');
    expect(header).toBeGreaterThan(0);
    expect(labels[header + 1]).toBe(`The gateway folder of "Paper", ${gone}, does not exist any more: point the profile at its folder again with \`ibkr-tray profile remove\` and \`profile add\`, or restore the folder. (disabled)`);
    expect(trayOf(shown).image).toBe('assets/tray/red-linux.png');
    // Live's section works: its login page opens on its gateway.
    await logInFirst(app);
    await app.until((s) => trayOf(s).tooltip === 'IBKR Tray\nLive: Ready\nPaper: Cannot run', 'Live ready', 30_000);

    // And the profile that cannot run can be removed.
    await app.clickMenu('Remove Paper…');
    await app.until((s) => trayOf(s).tooltip.startsWith('IBKR Tray: Ready'), 'Paper removed', 20_000);
    expect(profileNamesIn(userData)).toEqual(['Live']);
  }, 90_000);

  it('the first profile cannot run (its state folder leads out): the app runs the others and its section says why, instead of quitting', async () => {
    const { live, paper, userData } = await liveAndPaperFolders();
    // A hand-edited state folder that leads out of the settings folder: the engine refuses to open it.
    const file = path.join(userData, 'config.json');
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { profiles: { stateFolder: string | null }[] };
    raw.profiles[0]!.stateFolder = '../elsewhere';
    fs.writeFileSync(file, JSON.stringify(raw));
    const app = await launchApp({ userData, env: fakeGatewayEnv() });
    const shown = await app.until((s) => trayOf(s).tooltip === 'IBKR Tray\nLive: Cannot run\nPaper: Logged out', 'Live cannot run, Paper logged out', 30_000);
    const labels = menuLabels(trayOf(shown));
    expect(labels).toContain('Live — Cannot run (disabled)');
    expect(labels[labels.indexOf('Live — Cannot run (disabled)') + 1]).toMatch(/settings folder/);
    expect(processesIn(live.dir)).toEqual([]);
    expect(processesIn(paper.dir).length).toBeGreaterThan(0);
    const { code } = await app.quit();
    expect(code).toBe(0);
  }, 90_000);

  it('a profile added by the command while the app runs appears, and its gateway starts', async () => {
    const live = await fakeGatewayFolder();
    const paper = await fakeGatewayFolder();
    const userData = tempDir('ibkr-tray-userdata-');
    writeProfiles(userData, [['Live', live]]);
    const app = await launchApp({ userData, env: fakeGatewayEnv() });
    await app.until((s) => trayOf(s).tooltip.startsWith('IBKR Tray: Logged out'), 'Live logged out', 30_000);
    // What `ibkr-tray --config-dir <userData> profile add Paper --dir <folder>` does.
    addProfile(SettingsStore.open(confSettingsBackend(userData)), { name: 'Paper', folder: paper.dir });
    await app.until((s) => trayOf(s).tooltip === 'IBKR Tray\nLive: Logged out\nPaper: Logged out', 'Paper to appear and run', 30_000);
    expect(processesIn(paper.dir).length).toBeGreaterThan(0);
  }, 90_000);
});
