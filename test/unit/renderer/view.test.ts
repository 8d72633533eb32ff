import { describe, expect, it } from 'vitest';
import { cardIdOf, formatDuration, formatRelative, isNewer, linesByProfile, sameProfiles, viewOf } from '../../../src/renderer/view.js';
import { SESSION_KINDS, type AppSnapshot } from '../../../src/shared/snapshot.js';
import { stateTitle } from '../../../src/shared/state-words.js';
import { missingOf } from '../../../src/main/core/derive-snapshot.js';
import { snapshotOf } from '../../fixtures/snapshots.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('formatDuration / formatRelative', () => {
  it.each([
    [0, '0 s'],
    [45_000, '45 s'],
    [8 * 60_000 + 59_000, '8 min'],
    [5 * 3_600_000, '5 h'],
    [5 * 3_600_000 + 3 * 60_000, '5 h 3 min'],
    [2 * 86_400_000 + 4 * 3_600_000, '2 d 4 h'],
    [-45_000, '45 s'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    [NOW - 12_000, '12 s ago'],
    [NOW + 8 * 60_000, 'in 8 min'],
    [NOW + 500, 'just now'],
    [null, '—'],
  ])('%s relative to now is %s', (at, text) => {
    expect(formatRelative(at, NOW)).toBe(text);
  });
});

describe('viewOf', () => {
  it('draws a ready paper session: green, identity, aliases, times', () => {
    const times = { lastTickleAt: NOW - 12_000, ssoExpiresAt: NOW + 8 * 60_000, nextResetAt: NOW + 5 * 3_600_000 + 3 * 60_000 };
    const vm = viewOf(snapshotOf('ready', { at: NOW, ...times }), NOW);
    expect(vm.tone).toBe('ok');
    expect(vm.stateLabel).toBe('Ready');
    expect(vm.identity).toBe('user123 · Paper');
    expect(vm.accounts.options).toEqual([
      { value: 'DU1234567', label: 'Paper main (DU1234567)' },
      { value: 'DU7654321', label: 'DU7654321' },
    ]);
    expect(vm.accounts.selected).toBe('DU1234567');
    expect(vm.accounts.enabled).toBe(true);
    expect(vm.times).toEqual({ keepalive: '12 s ago', ssoExpiry: 'in 8 min', nextReset: 'in 5 h 3 min' });
    expect(vm.gateway).toMatchObject({ pid: '4242', port: '5000', status: 'Running (started by IBKR Tray)' });
    expect(vm.setup).toBeNull();
  });

  it('says Live for a live account and shows no identity before login', () => {
    expect(viewOf(snapshotOf('ready', { paper: false }), NOW).identity).toBe('user123 · Live');
    expect(viewOf(snapshotOf('ready', { username: null, paper: null }), NOW).identity).toBeNull();
  });

  it('enables exactly the buttons the snapshot allows', () => {
    const actions = { ...snapshotOf('competing').actions, logIn: true, logOut: false, takeOver: true, retry: false, stopGateway: false };
    const vm = viewOf(snapshotOf('competing', { actions }), NOW);
    expect(vm.buttons.logIn.enabled).toBe(true);
    expect(vm.buttons.logOut.enabled).toBe(false);
    expect(vm.buttons.takeOver.enabled).toBe(true);
    expect(vm.buttons.retry.enabled).toBe(false);
    expect(vm.buttons.stopGateway.enabled).toBe(false);
    expect(vm.buttons.cancelLogin).toEqual({ visible: false, enabled: false });
  });

  it('shows Cancel login only during a login', () => {
    const vm = viewOf(snapshotOf('logging-in'), NOW);
    expect(vm.buttons.cancelLogin).toEqual({ visible: true, enabled: true });
    expect(vm.buttons.logIn.visible).toBe(false);
  });

  it('disables the picker with fewer than two accounts or when the engine says so', () => {
    expect(viewOf(snapshotOf('ready', { accounts: [{ id: 'U1', alias: null }] }), NOW).accounts.enabled).toBe(false);
    expect(viewOf(snapshotOf('ready', { actions: { ...snapshotOf('ready').actions, selectAccount: false } }), NOW).accounts.enabled).toBe(false);
  });

  it('turns the first run (no folder, nothing running) into a setup step, not an error', () => {
    const vm = viewOf(snapshotOf('stopped', {}, { world: 'no-folder' }), NOW);
    expect(vm.setup?.steps.join(' ')).toMatch(/Java 8/);
    expect(vm.setup?.steps.join(' ')).toMatch(/clientportal\.gw\.zip/);
    expect(vm.setup?.downloadUrl).toMatch(/^https:\/\/www\.interactivebrokers\.com\//);
    expect(vm.gateway.folder).toBe('not set');
    expect(vm.tone).toBe('setup');
    expect(vm.stateLabel).toBe('Setup needed');
  });

  it('still shows a real failure during the first run', () => {
    const failed = snapshotOf('failed', {}, { world: 'no-folder' });
    const vm = viewOf(failed, NOW);
    expect(vm.tone).toBe('error');
    expect(vm.reason).toBe(failed.reason);
    expect(vm.reason).toMatch(/^Java 8 or newer is needed to run the gateway/);
    expect(vm.setup).not.toBeNull();
  });

  it('hides the account picker until there are accounts', () => {
    expect(viewOf(snapshotOf('ready', { accounts: [] }), NOW).accounts.visible).toBe(false);
    expect(viewOf(snapshotOf('ready'), NOW).accounts.visible).toBe(true);
  });

  it('needs no setup for an adopted gateway without a folder', () => {
    const vm = viewOf(snapshotOf('ready', {}, { world: 'no-folder' }), NOW);
    expect(vm.setup).toBeNull();
    expect(vm.gateway.status).toBe('Running (already running, adopted)');
  });

  it('shows session times only once there are some', () => {
    expect(viewOf(snapshotOf('ready'), NOW).timesVisible).toBe(true);
    expect(viewOf(snapshotOf('ready', { lastTickleAt: null, ssoExpiresAt: null, nextResetAt: null }), NOW).timesVisible).toBe(false);
  });

  it('marks a failing keepalive and says since when', () => {
    const vm = viewOf(snapshotOf('ready', { keepaliveFailingSince: NOW - 90_000 }), NOW);
    expect(vm.keepaliveFailing).toBe(true);
    expect(vm.times.keepalive).toBe('failing since 1 min ago');
  });

  it('adds when sending resumes to a rate-limited reason', () => {
    const limited = snapshotOf('rate-limited', { rateLimitedUntil: NOW + 5 * 60_000 });
    const vm = viewOf(limited, NOW);
    expect(vm.reason).toBe(`${limited.reason} (resumes in 5 min)`);
    expect(vm.tone).toBe('attention');
  });

  it('offers the desktop-only settings in the tray app only', () => {
    const web = viewOf(snapshotOf('ready'), NOW, 'web').preferences.map((p) => p.key);
    const desktop = viewOf(snapshotOf('ready'), NOW, 'electron').preferences.map((p) => p.key);
    expect(web).toEqual(['startGatewayWithApp', 'stopGatewayOnQuit']);
    expect(desktop).toEqual(['startGatewayWithApp', 'stopGatewayOnQuit', 'notifications', 'startAtLogin']);
    expect(viewOf(snapshotOf('ready'), NOW).preferences[0]).toEqual({ key: 'startGatewayWithApp', label: 'Start the gateway with IBKR Tray', checked: true });
  });

  it('labels every state as the tray does', () => {
    for (const kind of SESSION_KINDS) expect(viewOf(snapshotOf(kind), NOW).stateLabel).toBe(stateTitle(kind));
  });
});

describe('isNewer', () => {
  it('keeps the first snapshot and drops older or repeated ones', () => {
    const five = snapshotOf('ready', { seq: 5, at: 1_000 });
    expect(isNewer(null, five)).toBe(true);
    expect(isNewer(five, snapshotOf('ready', { seq: 6, at: 1_000 }))).toBe(true);
    expect(isNewer(five, snapshotOf('ready', { seq: 4, at: 1_000 }))).toBe(false);
    expect(isNewer(five, snapshotOf('ready', { seq: 5, at: 1_000 }))).toBe(false);
  });

  it("takes a lower number made later: the profile's engine was opened again and counts from 1", () => {
    const old = snapshotOf('ready', { seq: 40, at: 1_000 });
    expect(isNewer(old, snapshotOf('login-required', { seq: 1, at: 2_000 }))).toBe(true);
    // A late push of the same engine: lower and not later.
    expect(isNewer(old, snapshotOf('ready', { seq: 39, at: 900 }))).toBe(false);
    expect(isNewer(old, snapshotOf('ready', { seq: 39, at: 1_000 }))).toBe(false);
  });
});

describe('downloads in the page', () => {
  const firstRun = (install: AppSnapshot['install'] = null) => snapshotOf('stopped', { install }, { world: 'no-folder' });
  const noJava = missingOf({ kind: 'failed', reason: 'no Java', lastLog: [], cause: 'no-java' }, 'linux');

  it.each([
    ['first run, nothing downloading', firstRun(), { gateway: 'on', java: 'hidden', cancel: 'hidden' }, null],
    [
      'first run, the gateway downloading',
      firstRun({ what: 'gateway', phase: 'download', received: 12_300_000, total: 45_600_000 }),
      { gateway: 'off', java: 'hidden', cancel: 'on' },
      { title: 'Downloading the gateway…', value: 12_300_000, max: 45_600_000, amount: '12.3 of 45.6 MB' },
    ],
    [
      'size not known yet',
      firstRun({ what: 'gateway', phase: 'download', received: 1_200_000, total: null }),
      { gateway: 'off', java: 'hidden', cancel: 'on' },
      { title: 'Downloading the gateway…', value: null, max: null, amount: '1.2 MB' },
    ],
    [
      'unpacking',
      firstRun({ what: 'gateway', phase: 'unpack', received: 0, total: 120 }),
      { gateway: 'off', java: 'hidden', cancel: 'on' },
      { title: 'Unpacking the gateway…', value: null, max: null, amount: '' },
    ],
    ['no Java found', snapshotOf('failed', { missing: noJava }), { gateway: 'hidden', java: 'on', cancel: 'hidden' }, null],
    [
      'Java downloading',
      snapshotOf('failed', { missing: noJava, install: { what: 'java', phase: 'download', received: 50, total: 200 } }),
      { gateway: 'hidden', java: 'off', cancel: 'on' },
      { title: 'Downloading Java for the gateway…', value: 50, max: 200, amount: '0 of 1 kB' },
    ],
    ['ready', snapshotOf('ready'), { gateway: 'hidden', java: 'hidden', cancel: 'hidden' }, null],
  ] as const)('%s', (_name, snapshot, buttons, progress) => {
    const { install } = viewOf(snapshot, NOW);
    const state = (b: { visible: boolean; enabled: boolean }) => (!b.visible ? 'hidden' : b.enabled ? 'on' : 'off');
    expect({ gateway: state(install.downloadGateway), java: state(install.downloadJava), cancel: state(install.cancel) }).toEqual(buttons);
    expect(install.progress).toEqual(progress);
  });

  it("says what to do about Java in the engine's words for its OS", () => {
    const { install } = viewOf(snapshotOf('failed', { missing: noJava }), NOW);
    expect(install.javaTodo).toBe(`No Java 8 or newer here. Download one for the gateway (Temurin, from Adoptium), or ${noJava!.todo}.`);
    expect(install.javaTodo).toMatch(/apt install default-jre-headless/);
    expect(viewOf(snapshotOf('failed'), NOW).install.javaTodo).toBeNull();
  });
});

describe('cards for several profiles', () => {
  it('keeps the page ids with one profile and scopes them per card with several', () => {
    expect(cardIdOf(false, 0)('log-in')).toBe('log-in');
    expect(cardIdOf(true, 0)('log-in')).toBe('log-in-p1');
    expect(cardIdOf(true, 1)('log-in')).toBe('log-in-p2');
  });

  it('says when the cards no longer match the profiles (added, removed, renamed, reordered)', () => {
    const two = [{ profile: 'Live' }, { profile: 'Paper' }];
    expect(sameProfiles(['Live', 'Paper'], two)).toBe(true);
    expect(sameProfiles(['Live'], two)).toBe(false);
    expect(sameProfiles(['Live', 'Paper', 'Demo'], two)).toBe(false);
    expect(sameProfiles(['Paper', 'Live'], two)).toBe(false);
    expect(sameProfiles(['Live', 'Pape'], two)).toBe(false);
  });

  it('splits a push of log lines by the profile each names, unnamed lines going to the first card', () => {
    const line = (seq: number, profile?: string) => ({ seq, at: seq, stream: 'stdout' as const, text: `line ${seq}`, ...(profile === undefined ? {} : { profile }) });
    const grouped = linesByProfile([line(1, 'Paper'), line(2, 'Live'), line(3), line(4, 'Paper')], 'Live');
    expect([...grouped.keys()]).toEqual(['Paper', 'Live']);
    expect(grouped.get('Paper')?.map((l) => l.seq)).toEqual([1, 4]);
    expect(grouped.get('Live')?.map((l) => l.seq)).toEqual([2, 3]);
  });
});

describe('the login hint', () => {
  it.each(SESSION_KINDS)('%s: a link to the gateway\'s login page only while a login is under way', (kind) => {
    const hint = viewOf(snapshotOf(kind), NOW).loginHint;
    if (kind === 'logging-in') expect(hint).toEqual({ text: 'Log in on the IBKR page:', url: 'https://localhost:5000/' });
    else expect(hint).toBeNull();
  });

  it('comes from the snapshot alone (a reloaded page shows it too), for the gateway the snapshot names', () => {
    const snapshot = snapshotOf('logging-in');
    const moved = { ...snapshot, gateway: { ...snapshot.gateway, url: 'https://localhost:5001', port: 5001 } };
    expect(viewOf(moved, NOW, 'electron').loginHint?.url).toBe('https://localhost:5001/');
  });
});
