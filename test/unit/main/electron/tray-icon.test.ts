import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SESSION_KINDS, type SessionKind } from '../../../../src/shared/snapshot.js';
import { TOOLTIP_MAX, trayIconFile, trayTooltip, type IconColor } from '../../../../src/main/electron/tray-icon.js';
import { snapshotOf } from '../../../fixtures/snapshots.js';

const assets = path.resolve(import.meta.dirname, '../../../../assets');

const COLOR: Record<SessionKind, IconColor> = {
  ready: 'green',
  competing: 'amber',
  'brokerage-starting': 'amber',
  'rate-limited': 'amber',
  'not-responding': 'amber',
  'logging-in': 'amber',
  'login-required': 'red',
  stopped: 'red',
  failed: 'red',
  starting: 'grey',
};

/** Width and height from a PNG's IHDR, after checking the signature. */
function pngSize(file: string): [number, number] {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('tray icon per state', () => {
  it.each(SESSION_KINDS.map((kind) => [kind, COLOR[kind]] as const))('%s draws the %s icon on every platform', (kind, color) => {
    const snapshot = snapshotOf(kind);
    expect(trayIconFile(snapshot, 'darwin')).toBe(`tray/${color}Template.png`);
    expect(trayIconFile(snapshot, 'win32')).toBe(`tray/${color}.ico`);
    expect(trayIconFile(snapshot, 'linux')).toBe(`tray/${color}-linux.png`);
  });

  it('the first run (no gateway chosen yet) is grey, not red, and its tooltip says what to do', () => {
    const firstRun = snapshotOf('stopped', { gateway: { ...snapshotOf('stopped').gateway, folder: null, running: false } });
    expect(trayIconFile(firstRun, 'linux')).toBe('tray/grey-linux.png');
    expect(trayIconFile(firstRun, 'darwin')).toBe('tray/greyTemplate.png');
    expect(trayTooltip(firstRun)).toBe('IBKR Tray: Setup needed\nDownload or choose the Client Portal Gateway in the IBKR Tray window.');
    expect(trayIconFile(snapshotOf('stopped'), 'linux')).toBe('tray/red-linux.png');
  });

  it('a download under way leads the tooltip with its percentage, the icon unchanged', () => {
    const gateway = { ...snapshotOf('stopped').gateway, folder: null, running: false };
    const downloading = snapshotOf('stopped', { gateway, install: { what: 'gateway', phase: 'download', received: 4_560_000, total: 10_000_000 } });
    expect(trayTooltip(downloading)).toBe('IBKR Tray: Downloading the gateway: 45 %');
    expect(trayIconFile(downloading, 'linux')).toBe('tray/grey-linux.png');
    // Before the server said how big the file is, there is no percentage to show.
    expect(trayTooltip({ ...downloading, install: { what: 'gateway', phase: 'download', received: 0, total: null } })).toBe('IBKR Tray: Downloading the gateway…');
    const java = snapshotOf('failed', { install: { what: 'java', phase: 'download', received: 1, total: 4 } });
    expect(trayTooltip(java)).toBe('IBKR Tray: Downloading Java for the gateway: 25 %\nGateway failed');
    expect(trayIconFile(java, 'linux')).toBe('tray/red-linux.png');
  });

  it.each(['green', 'amber', 'red', 'grey'] as const)('the committed %s icons exist at 1x and 2x with the right sizes', (color) => {
    expect(pngSize(path.join(assets, 'tray', `${color}.png`))).toEqual([16, 16]);
    expect(pngSize(path.join(assets, 'tray', `${color}@2x.png`))).toEqual([32, 32]);
    expect(pngSize(path.join(assets, 'tray', `${color}Template.png`))).toEqual([16, 16]);
    expect(pngSize(path.join(assets, 'tray', `${color}Template@2x.png`))).toEqual([32, 32]);
    expect(pngSize(path.join(assets, 'tray', `${color}-linux.png`))).toEqual([22, 22]);
    expect(pngSize(path.join(assets, 'tray', `${color}-linux@2x.png`))).toEqual([44, 44]);
    const ico = readFileSync(path.join(assets, 'tray', `${color}.ico`));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    expect(ico.readUInt16LE(4)).toBeGreaterThanOrEqual(2);
  });

  it('has app icons for every platform', () => {
    expect(pngSize(path.join(assets, 'icons', 'app.png'))).toEqual([512, 512]);
    expect(pngSize(path.join(assets, 'icons', 'app', '256x256.png'))).toEqual([256, 256]);
    expect(readFileSync(path.join(assets, 'icons', 'app.icns')).subarray(0, 4).toString('ascii')).toBe('icns');
    expect(readFileSync(path.join(assets, 'icons', 'app.ico')).readUInt16LE(2)).toBe(1);
  });
});

describe('trayTooltip', () => {
  it.each(SESSION_KINDS)('%s: names the state and gives the reason, within the Windows limit', (kind) => {
    const snapshot = snapshotOf(kind);
    const tooltip = trayTooltip(snapshot);
    expect(tooltip).toContain(snapshot.reason.slice(0, 40));
    expect(tooltip.split('\n')[0]).toMatch(/^IBKR Tray: \S/);
    expect(tooltip.length).toBeLessThanOrEqual(TOOLTIP_MAX);
  });

  it('shows the selected account by alias and id', () => {
    const ready = snapshotOf('ready');
    expect(trayTooltip(ready)).toBe(`IBKR Tray: Ready\nAccount: Paper main (DU1234567)\n${ready.reason}`);
  });

  it('shows the id alone when the account has no alias', () => {
    expect(trayTooltip(snapshotOf('ready', { selectedAccount: 'DU7654321' }))).toContain('Account: DU7654321\n');
  });

  it('says nothing about accounts when none is selected', () => {
    expect(trayTooltip(snapshotOf('login-required'))).toBe('IBKR Tray: Logged out\nNot logged in. Log in to IBKR.');
  });

  it('cuts a long reason at the limit with an ellipsis', () => {
    const tooltip = trayTooltip(snapshotOf('failed', { reason: 'x'.repeat(300) }));
    expect(tooltip).toHaveLength(TOOLTIP_MAX);
    expect(tooltip.endsWith('…')).toBe(true);
  });
});
